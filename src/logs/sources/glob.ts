import type { BigIntStats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { filterMatches, joinMatch, matchesGlob, newestMatch, splitGlob, type GlobParts } from './glob-pattern.js';
import { sameFile } from './identity.js';
import { isMissing, type FileSourceOptions, type Found, type OpenFile } from './regular-file.js';
import { RotatingSource } from './rotating-source.js';

/** How many left-behind matches are remembered so that a late write never makes us go back. */
const MAX_LEFT = 16;

/**
 * A glob (`*` and `?` in the last path segment) that follows its newest match: the latest mtime,
 * ties by name; never a match we already left, even if a late write made it newest; never one older
 * than the file followed last. A newer match takes over after the old one was read to its end; the
 * old one is then drained for rotateWaitMs like a rotated file (see RotatingSource).
 */
export class GlobSource extends RotatingSource {
  private readonly parts: GlobParts;
  private left: BigIntStats[] = [];

  constructor(readonly pattern: string, options: FileSourceOptions) {
    super(pattern, options);
    this.parts = splitGlob(pattern);
  }

  protected watched(): { dir: string; wanted: (name: string) => boolean } {
    return { dir: this.parts.dir, wanted: (name) => matchesGlob(this.parts.pattern, name, this.parts.windows) };
  }

  protected override leaving(f: OpenFile): void {
    this.left = [f.st, ...this.left].slice(0, MAX_LEFT);
  }

  /** The newest match not left behind before and not older than the file followed last. */
  protected async locate(): Promise<Found> {
    let names: string[];
    try {
      names = await readdir(this.parts.dir);
    } catch (e) {
      if (isMissing(e)) return { kind: 'missing' };
      this.stats.readErrors++;
      return { kind: 'error' };
    }
    const matches: { name: string; path: string; st: BigIntStats; mtimeMs: number }[] = [];
    for (const name of filterMatches(this.parts, names)) {
      const path = joinMatch(this.parts, name);
      try {
        const st = await stat(path, { bigint: true });
        if (st.isFile()) matches.push({ name, path, st, mtimeMs: Number(st.mtimeNs / 1000n) / 1000 });
      } catch (e) {
        if (!isMissing(e)) this.stats.readErrors++;
      }
    }
    // A left file only grows; a smaller file with its inode is a new file that reused the number.
    const isLeft = (l: BigIntStats, m: BigIntStats): boolean => sameFile(l, m) && m.size >= l.size;
    this.left = this.left.filter((l) => matches.some((m) => isLeft(l, m.st)));
    const floor = this.lastMtimeNs;
    const eligible = matches.filter((m) => !this.left.some((l) => isLeft(l, m.st)) && (floor === null || m.st.mtimeNs >= floor));
    const best = newestMatch(eligible);
    return best ? { kind: 'file', path: best.path, st: best.st } : { kind: 'missing' };
  }
}
