import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic, type FileWrite } from '../atomic-write.js';
import { parseJsonDocument } from '../json-document.js';
import { normalizeIp } from './address.js';
import type { LearnedEntry } from './learned-targets.js';

/** The learned-IPs file: `{"version":1,"learned":[{"ip":"2001:db8::27","last_seen":"2026-11-27T10:00:01.000Z"}]}`. */
const fileSchema = z.strictObject({
  version: z.literal(1),
  learned: z.array(z.strictObject({ ip: z.string(), last_seen: z.iso.datetime() })),
});

/** Encodes learned IPs as the file's JSON text. */
export function encodeLearned(entries: readonly LearnedEntry[]): string {
  return `${JSON.stringify({ version: 1, learned: entries.map((e) => ({ ip: e.ip, last_seen: new Date(e.lastSeenMs).toISOString() })) }, null, 1)}\n`;
}

/** Decodes the file's text; entries whose IP is not an address are left out. */
export function decodeLearned(text: string): { ok: true; entries: LearnedEntry[] } | { ok: false; error: string } {
  const parsed = parseJsonDocument(text, fileSchema);
  if (!parsed.ok) return { ok: false, error: `not a learned-IPs file: ${parsed.error}` };
  const entries: LearnedEntry[] = [];
  for (const e of parsed.value.learned) {
    const n = normalizeIp(e.ip);
    if (n) entries.push({ ip: n.ip, lastSeenMs: Date.parse(e.last_seen) });
  }
  return { ok: true, entries };
}

/** Reads the file: no file is an empty list; a damaged one is an error the caller logs. */
export async function readLearnedFile(file: string): Promise<{ ok: true; entries: LearnedEntry[] } | { ok: false; error: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, entries: [] };
    return { ok: false, error: (e as Error).message };
  }
  return decodeLearned(text);
}

/** Writes the file atomically, as the positions file is. */
export function writeLearnedFile(file: string, entries: readonly LearnedEntry[]): Promise<FileWrite> {
  return writeFileAtomic(file, encodeLearned(entries));
}
