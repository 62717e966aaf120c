import { stat } from 'node:fs/promises';
import { splitGlob } from './glob-pattern.js';
import { isMissing, type FileSourceOptions, type Found } from './regular-file.js';
import { RotatingSource } from './rotating-source.js';

/** One path followed through rename, copytruncate, delete and recreate (see RotatingSource). */
export class FileSource extends RotatingSource {
  constructor(readonly path: string, options: FileSourceOptions) {
    super(path, options);
  }

  protected watched(): { dir: string; wanted: (name: string) => boolean } {
    const { dir, pattern, windows } = splitGlob(this.path);
    const base = windows ? pattern.toLowerCase() : pattern;
    return { dir, wanted: (name) => (windows ? name.toLowerCase() : name) === base };
  }

  protected async locate(): Promise<Found> {
    try {
      const st = await stat(this.path, { bigint: true });
      if (st.isFile()) return { kind: 'file', path: this.path, st };
    } catch (e) {
      if (isMissing(e)) return { kind: 'missing' };
    }
    // Unreadable metadata, or not a regular file (a directory fails on read with EISDIR, a FIFO would block).
    this.stats.readErrors++;
    return { kind: 'error' };
  }
}
