/**
 * Maps items through fn with at most `limit` calls in flight, keeping the input order in the result.
 * After an abort or a rejection no new call starts; the promise rejects (with the abort reason or the
 * first error) once the calls in flight have settled.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const state: { next: number; failure: { error: unknown } | null } = { next: 0, failure: null };
  const worker = async (): Promise<void> => {
    while (state.failure === null && state.next < items.length) {
      if (signal?.aborted) {
        state.failure = { error: signal.reason };
        return;
      }
      const index = state.next++;
      try {
        results[index] = await fn(items[index] as T);
      } catch (error) {
        state.failure ??= { error };
      }
    }
  };
  const workers = Math.min(items.length, limit >= 1 ? Math.floor(limit) : 1);
  await Promise.all(Array.from({ length: workers }, worker));
  if (state.failure !== null) throw state.failure.error;
  return results;
}
