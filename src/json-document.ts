import type { z } from 'zod';

/** Parses JSON text against a schema; bad JSON or a bad shape is an error value naming the first bad field. */
export function parseJsonDocument<S extends z.ZodType>(text: string, schema: S): { ok: true; value: z.output<S> } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, error: issue ? `${issue.path.join('.') || 'document'}: ${issue.message}` : 'invalid document' };
}
