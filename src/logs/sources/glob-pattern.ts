import path from 'node:path';

/** A configured log path split into its literal directory and its last segment (maybe a pattern). */
export interface GlobParts {
  dir: string;
  pattern: string;
  /** The path is Windows-style: split with path.win32 and match names case-insensitively. */
  windows: boolean;
}

/** A file that matched a glob, as the tailer lists it. */
export interface GlobCandidate {
  name: string;
  mtimeMs: number;
}

/** True when a path looks like a Windows path: a drive letter or any backslash. */
export function looksWindows(p: string, platform: string = process.platform): boolean {
  return platform === 'win32' || /^[A-Za-z]:/.test(p) || p.includes('\\');
}

/** Splits a path into directory and last segment, with path.win32 for Windows-style paths. */
export function splitGlob(p: string, platform: string = process.platform): GlobParts {
  const windows = looksWindows(p, platform);
  const flavor = windows ? path.win32 : path.posix;
  return { dir: flavor.dirname(p), pattern: flavor.basename(p), windows };
}

/** Joins a listed name back onto the glob's directory with the same path flavor. */
export function joinMatch(parts: GlobParts, name: string): string {
  return (parts.windows ? path.win32 : path.posix).join(parts.dir, name);
}

/** True when the last path segment holds `*` or `?` (the only wildcards; directories are literal). */
export function isGlob(p: string, platform: string = process.platform): boolean {
  return /[*?]/.test(splitGlob(p, platform).pattern);
}

/**
 * Matches one file name against a last-segment pattern: `*` is any run of characters (leading dots
 * included), `?` exactly one character, everything else (brackets, parentheses, spaces, dots) literal.
 */
export function matchesGlob(pattern: string, name: string, ignoreCase = false): boolean {
  const p = Array.from(ignoreCase ? pattern.toLowerCase() : pattern);
  const n = Array.from(ignoreCase ? name.toLowerCase() : name);
  let pi = 0;
  let ni = 0;
  let star = -1;
  let resume = 0;
  while (ni < n.length) {
    const c = p[pi];
    if (c === '*') {
      star = pi++;
      resume = ni;
    } else if (c !== undefined && (c === '?' || c === n[ni])) {
      pi++;
      ni++;
    } else if (star !== -1) {
      pi = star + 1;
      ni = ++resume;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

/** The names of a directory listing that match the pattern of `parts`. */
export function filterMatches(parts: GlobParts, names: readonly string[]): string[] {
  return names.filter((n) => matchesGlob(parts.pattern, n, parts.windows));
}

/**
 * The newest candidate: the latest mtime, ties broken by the greater name (code-point order).
 * Name order alone is fragile (`log-9` vs `log-10`, locale-dependent dates), so mtime decides and the
 * name only separates files written within the same clock tick, where date-named files sort right.
 */
export function newestMatch<T extends GlobCandidate>(candidates: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const c of candidates) {
    if (best === undefined || c.mtimeMs > best.mtimeMs || (c.mtimeMs === best.mtimeMs && c.name > best.name)) best = c;
  }
  return best;
}
