/** The record types the SPF, DKIM and DMARC checks ask for. */
export type RecordType = 'TXT' | 'MX' | 'A' | 'AAAA' | 'PTR';

/** What the checks query through: `dns.promises.Resolver#resolve`, as createResolver's resolver offers it. */
export interface RecordResolver {
  resolve(name: string, type: RecordType): Promise<unknown>;
}

/**
 * One DNS query with `dns.promises.Resolver#resolve`'s answer shapes (TXT: string[][], MX: {exchange, priority}[],
 * others: string[]); it rejects with an Error whose `code` is c-ares' (ENOTFOUND, ENODATA, ETIMEOUT, ...).
 */
export type Lookup = (name: string, type: RecordType) => Promise<unknown>;

type Settled = { ok: true; value: unknown } | { ok: false; code: string; message: string };

/** A lookup that also counts the queries that reached the server. */
export interface CachedLookup {
  lookup: Lookup;
  /** Distinct (name, type) queries sent so far. */
  readonly queries: () => number;
}

/**
 * Wraps a resolver in a cache that lives for one probe cycle: each (name, type) is asked once, and every caller gets
 * its own copy of the answer or a fresh Error with the same code (the SPF library annotates the errors it sees).
 */
export function cachedLookup(resolver: RecordResolver): CachedLookup {
  const cache = new Map<string, Promise<Settled>>();
  const lookup: Lookup = async (name, type) => {
    const key = `${type} ${name.toLowerCase().replace(/\.$/, '')}`;
    let entry = cache.get(key);
    if (!entry) {
      entry = resolver.resolve(name, type).then(
        (value): Settled => ({ ok: true, value }),
        (error: unknown): Settled => ({ ok: false, code: errorCode(error), message: String((error as Error)?.message ?? error) }),
      );
      cache.set(key, entry);
    }
    const settled = await entry;
    if (!settled.ok) throw Object.assign(new Error(settled.message), { code: settled.code });
    return structuredClone(settled.value);
  };
  return { lookup, queries: () => cache.size };
}

/** The c-ares code of a rejected query ("EUNKNOWN" when there is none). */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}
