import { stat } from 'node:fs/promises';
import { isMissing } from './regular-file.js';
import { RotatingSource, type FileSourceOptions, type Found } from './rotating-source.js';

/** One path followed through rename, copytruncate, delete and recreate (see RotatingSource). */
export class FileSource extends RotatingSource {
  constructor(readonly path: string, options: FileSourceOptions) {
    super(path, options);
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
