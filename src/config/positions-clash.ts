import path from 'node:path';
import { isGlob, looksWindows, matchesGlob, splitGlob } from '../logs/sources/glob-pattern.js';

/** The same path for two spellings: resolved against the working folder, case-insensitive for Windows paths. */
function samePath(a: string, b: string): boolean {
  const windows = looksWindows(a) || looksWindows(b);
  const flavor = windows ? path.win32 : path.posix;
  const ra = flavor.resolve(a);
  const rb = flavor.resolve(b);
  return windows ? ra.toLowerCase() === rb.toLowerCase() : ra === rb;
}

/**
 * Why a positions file would overwrite a followed log, or null: it is a log's own path, or a log's pattern
 * matches it or its temporary `.tmp` file (written first, then renamed over it).
 */
export function positionsClash(positionsFile: string, logPath: string): string | null {
  if (positionsFile === '') return null;
  if (samePath(positionsFile, logPath)) return 'is the log file itself';
  if (!isGlob(logPath)) return null;
  const log = splitGlob(logPath);
  for (const candidate of [positionsFile, `${positionsFile}.tmp`]) {
    const file = splitGlob(candidate);
    if (samePath(file.dir, log.dir) && matchesGlob(log.pattern, file.pattern, log.windows)) return `is matched by the log pattern ${JSON.stringify(logPath)}`;
  }
  return null;
}
