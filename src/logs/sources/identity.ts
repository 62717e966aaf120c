import type { BigIntStats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { openRegular, type Opened } from './regular-file.js';
import type { FilePosition } from './source.js';

/**
 * File identity across rotations and restarts.
 *
 * Restart: a file or glob source's position() is the identity of the file followed last and the
 * offset after the last complete line handed out from it (a waiting partial line is read again).
 * Given as resumeFrom, it replaces start_at for the first poll that finds the path present or
 * absent: when the path still names that file, reading resumes at the offset (from 0 when the file
 * is smaller than when saved: truncated). When the path names another file or none (rotated while we
 * were down), the saved file is looked for in its directory by identity (inodes only) and read on
 * from the offset first; then the new file is read from 0 and counts as a rotation. A saved file not
 * found (deleted, compressed, moved to another directory) is a loss: what was written to it after the
 * stop is never read. Also not kept across a restart: the tail of a file left behind that was still
 * being drained, files that came and went while we were down (a glob only takes its newest match),
 * and a line cut for length that was being written at the stop (its head is handed out again).
 */

/**
 * Same file: dev+ino where the platform gives an inode. Where it does not (ino 0: FAT, some ReFS or
 * network volumes on Windows) it falls back to an equal birth time and a path that is not shorter
 * than our handle; that heuristic misses a recreate within NTFS "tunneling" (15 s, same birth time)
 * if the new file is already as long as the old one, and then copytruncate may look like a rotation.
 */
export function sameFile(ours: BigIntStats, atPath: BigIntStats): boolean {
  if (ours.ino !== 0n && atPath.ino !== 0n) return ours.dev === atPath.dev && ours.ino === atPath.ino;
  return ours.birthtimeNs === atPath.birthtimeNs && atPath.size >= ours.size;
}

/**
 * The birth time, as a string, when it can be trusted: "0" when the platform gives none, or when it
 * equals the change time (libuv fills it with ctime where statx is unavailable, and a log that was
 * written to after its creation always has a later ctime).
 */
export function credibleBirthtime(st: BigIntStats): string {
  return st.birthtimeNs !== 0n && st.birthtimeNs !== st.ctimeNs ? st.birthtimeNs.toString() : '0';
}

/** The saveable position of a file read up to `offset`. */
export function positionOf(file: string, st: BigIntStats, offset: number): FilePosition {
  return { file, dev: st.dev.toString(), ino: st.ino.toString(), birthtimeNs: credibleBirthtime(st), size: Math.max(Number(st.size), offset), offset };
}

/**
 * Whether a saved position names this file, across a restart. With inodes: the same inode, and
 * either the same credible birth time (so a remount that renumbered the device still matches, and a
 * new file that reused the inode does not) or, where birth times cannot be compared, the same
 * device. Without inodes: the same credible birth time and a size not below the saved one.
 */
export function matchesPosition(saved: FilePosition, st: BigIntStats): boolean {
  const birth = credibleBirthtime(st);
  const births = saved.birthtimeNs !== '0' && birth !== '0';
  if (saved.ino !== '0' && st.ino !== 0n) {
    if (saved.ino !== st.ino.toString()) return false;
    return births ? saved.birthtimeNs === birth : saved.dev === st.dev.toString();
  }
  return births && saved.birthtimeNs === birth && Number(st.size) >= saved.size;
}

/**
 * Where a file the saved position names is read from: at the saved offset when it is not smaller
 * than when saved, else it was truncated (copytruncate while we were down) and is read from 0.
 * Null when the position names another file.
 */
export function resumeOffset(saved: FilePosition, st: BigIntStats): { outcome: 'resumed' | 'truncated'; offset: number } | null {
  if (!matchesPosition(saved, st)) return null;
  return Number(st.size) >= saved.size ? { outcome: 'resumed', offset: saved.offset } : { outcome: 'truncated', offset: 0 };
}

/**
 * The saved file, by identity: under its saved name first, then anywhere in that directory (inodes
 * only), opened as a regular file. Null when it is gone, changed, or unreadable.
 */
export async function findSaved(saved: FilePosition): Promise<(Opened & { kind: 'ok' }) & { path: string } | null> {
  const dir = dirname(saved.file);
  let names: string[] = [];
  if (saved.ino !== '0') {
    try {
      names = await readdir(dir);
    } catch {
      // An unreadable directory: only the saved name is tried.
    }
  }
  const candidates = [saved.file, ...names.map((n) => join(dir, n)).filter((p) => p !== saved.file)];
  for (const path of candidates) {
    try {
      const st = await stat(path, { bigint: true });
      if (!st.isFile() || !matchesPosition(saved, st) || Number(st.size) < saved.size) continue;
    } catch {
      continue; // gone or unreadable: not this one
    }
    const opened = await openRegular(path);
    if (opened.kind !== 'ok') continue;
    if (matchesPosition(saved, opened.st)) return { ...opened, path };
    await opened.handle.close().catch(() => undefined);
  }
  return null;
}
