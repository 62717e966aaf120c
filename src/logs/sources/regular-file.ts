import { constants, type BigIntStats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { LineSplitter } from '../line-splitter.js';
import type { SourceOptions } from './source.js';

/** Options of a file or glob source. */
export interface FileSourceOptions extends SourceOptions {
  /** `end`: the file found at the first poll is read from its end; every later file from its start. */
  startAt: 'end' | 'beginning';
  /** Bytes per read call; default 1 MiB. */
  readChunkBytes?: number;
  /** How long a rotated-away or deleted file keeps being drained; default 5000 ms, 0 = close at once. */
  rotateWaitMs?: number;
  /** Most bytes one poll reads (over all its files); the rest waits for the next poll, which comes at once. Default 64 MiB. */
  maxReadBytesPerPoll?: number;
}

/** What the configured path names now. */
export type Found = { kind: 'file'; path: string; st: BigIntStats } | { kind: 'missing' } | { kind: 'error' };

/** A file being read by a file or glob source. */
export interface OpenFile {
  path: string;
  handle: FileHandle;
  /** Latest fstat of the handle: identity, size and mtime. */
  st: BigIntStats;
  offset: number;
  /** The offset just after the last newline handed out: where a restart resumes. */
  committed: number;
  splitter: LineSplitter;
  retiredAt: number;
}

/** What opening a log file gave: a file with its fstat, nothing at the path, or an error (counted by the caller). */
export type Opened = { kind: 'ok'; handle: FileHandle; st: BigIntStats } | { kind: 'missing' } | { kind: 'error'; reason: string };

/** O_RDONLY plus O_NONBLOCK where the platform has it (Windows has no FIFO at a path and no such flag). */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Opens `path` for reading, then fstats the descriptor and refuses (closes) anything that is not a
 * regular file: a FIFO, a device such as /dev/zero, a directory. The type comes from the open
 * descriptor, not from an earlier stat of the path, so a symlink swapped in between cannot slip
 * through; O_NONBLOCK makes the open of a FIFO return at once instead of waiting for a writer
 * (reads of a regular file ignore the flag).
 */
export async function openRegular(path: string): Promise<Opened> {
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException | null)?.code;
    return isMissingCode(code) ? { kind: 'missing' } : { kind: 'error', reason: code ?? String(e) };
  }
  try {
    const st = await handle.stat({ bigint: true });
    if (st.isFile()) return { kind: 'ok', handle, st };
    await handle.close().catch(() => undefined);
    return { kind: 'error', reason: 'not a regular file' };
  } catch (e) {
    await handle.close().catch(() => undefined);
    return { kind: 'error', reason: (e as NodeJS.ErrnoException | null)?.code ?? String(e) };
  }
}

/**
 * The offset just after the last newline in the file's last 64 KiB (or `buf.length`), the file's
 * size if there is none; null when the read failed.
 */
export async function lineStartNearEnd(handle: FileHandle, st: BigIntStats, buf: Buffer): Promise<number | null> {
  const size = Number(st.size);
  const window = Math.min(size, 64 * 1024, buf.length);
  if (window === 0) return size;
  try {
    const { bytesRead } = await handle.read(buf, 0, window, size - window);
    const nl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (nl !== -1) return size - window + nl + 1;
    return window === size ? 0 : size;
  } catch {
    return null;
  }
}

/** ENOENT or ENOTDIR: nothing at the path (yet). */
export function isMissing(e: unknown): boolean {
  return isMissingCode((e as NodeJS.ErrnoException | null)?.code);
}

function isMissingCode(code: string | undefined): boolean {
  return code === 'ENOENT' || code === 'ENOTDIR';
}
