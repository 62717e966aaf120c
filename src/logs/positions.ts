import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { parseJsonDocument } from '../json-document.js';
import { writeFileAtomic, type FileWrite, type WriteOps } from '../atomic-write.js';
import { z } from 'zod';
import { isJournalPosition, type SourcePosition } from './sources/source.js';

/** Positions by configured log path (the `ptr_log_*` path label). */
export type Positions = Map<string, SourcePosition>;

/** The document's format version. */
export const POSITIONS_VERSION = 1;

const digits = z.string().regex(/^\d{1,40}$/);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const fileEntry = z.object({ file: z.string().min(1), dev: digits, ino: digits, birthtime_ns: digits, size: count, offset: count });
/** A journal cursor (`s=...;i=...;b=...`, about 150 characters). */
const journalEntry = z.object({ cursor: z.string().min(1).max(4096) });
const documentSchema = z.object({ version: z.literal(POSITIONS_VERSION), positions: z.record(z.string(), z.union([fileEntry, journalEntry])) });

/**
 * The JSON document, keys sorted: `{"version": 1, "positions": {"<configured path>": ENTRY}}`, ENTRY
 * being `{file, dev, ino, birthtime_ns, size, offset}` for a file or `{cursor}` for the journal.
 */
export function encodePositions(positions: Positions): string {
  const out: Record<string, z.infer<typeof fileEntry> | z.infer<typeof journalEntry>> = {};
  for (const path of [...positions.keys()].sort()) {
    const p = positions.get(path)!;
    out[path] = isJournalPosition(p) ? { cursor: p.cursor } : { file: p.file, dev: p.dev, ino: p.ino, birthtime_ns: p.birthtimeNs, size: Math.max(p.size, p.offset), offset: p.offset };
  }
  return `${JSON.stringify({ version: POSITIONS_VERSION, positions: out }, null, 2)}\n`;
}

/** Parses a positions document; anything malformed (bad JSON, wrong version, a bad entry) is an error value. */
export function decodePositions(text: string): { ok: true; positions: Positions } | { ok: false; error: string } {
  const parsed = parseJsonDocument(text, documentSchema);
  if (!parsed.ok) return parsed;
  const positions: Positions = new Map();
  for (const [path, e] of Object.entries(parsed.value.positions)) {
    if ('cursor' in e) {
      positions.set(path, { cursor: e.cursor });
      continue;
    }
    if (e.offset > e.size) return { ok: false, error: `positions.${path}: offset is beyond size` };
    positions.set(path, { file: e.file, dev: e.dev, ino: e.ino, birthtimeNs: e.birthtime_ns, size: e.size, offset: e.offset });
  }
  return { ok: true, positions };
}

/** What reading a positions file gave: `missing` is the normal first start. */
export type PositionsRead = { kind: 'ok'; positions: Positions } | { kind: 'missing' } | { kind: 'error'; error: string };

/** Reads and decodes a positions file. */
export async function readPositionsFile(file: string): Promise<PositionsRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'error', error: (e as Error).message };
  }
  const decoded = decodePositions(text);
  return decoded.ok ? { kind: 'ok', positions: decoded.positions } : { kind: 'error', error: decoded.error };
}

/** How a write went (see writeFileAtomic). */
export type PositionsWrite = FileWrite;

/** Writes the positions document atomically (see writeFileAtomic), never over a file that is not a positions file's place (see foreignFileProblem). */
export async function writePositionsFile(file: string, positions: Positions, ops: Partial<WriteOps> = {}): Promise<PositionsWrite> {
  const foreign = await foreignFileProblem(file, positions);
  if (foreign !== null) return { ok: false, error: foreign };
  return writeFileAtomic(file, encodePositions(positions), ops);
}

/**
 * Why `file` must not be replaced by a positions file, or null when it may: a file that is not a regular file
 * (a device, a FIFO, a folder) or that is one of the followed logs (same device and inode as a position's file,
 * also through a symlink or a hard link) is never written over. It is opened without blocking and checked
 * through its descriptor, so a path swapped meanwhile cannot slip by.
 */
export async function foreignFileProblem(file: string, positions: Positions): Promise<string | null> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? null : `cannot check the existing file before replacing it: ${code ?? (e as Error).message}`;
  }
  try {
    const stat = await handle.stat({ bigint: true });
    if (!stat.isFile()) return 'refusing to replace it: it is not a regular file';
    const followed = [...positions.values()].find((p) => !isJournalPosition(p) && p.ino !== '0' && p.dev === String(stat.dev) && p.ino === String(stat.ino));
    return followed && !isJournalPosition(followed) ? `refusing to replace it: it is the followed log ${followed.file}` : null;
  } finally {
    await handle.close();
  }
}
