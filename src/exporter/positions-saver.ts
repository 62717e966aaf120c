import type { Logger } from '../logger.js';
import { encodePositions, readPositionsFile, writePositionsFile, type Positions } from '../logs/positions.js';
import type { SourcePosition } from '../logs/sources/source.js';

/** Least time between two writes of one positions file, in milliseconds. */
export const POSITIONS_SAVE_INTERVAL_MS = 1000;

/**
 * One positions file shared by the tailers configured with it, keyed by configured path. It is read
 * once (missing or corrupt: logged, then treated as empty, never fatal); entries of paths no longer
 * followed are kept, so a path configured again later resumes. Writes are throttled (at most one per
 * interval, only when the content changed), never overlap, and a detach writes at once.
 */
export class PositionsSaver {
  private positions: Positions = new Map();
  private readonly sources = new Map<string, () => SourcePosition | null>();
  private loading: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private lastWriteMs = -Infinity;
  private lastText: string | null = null;
  private lastError: string | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly file: string, private readonly logger: Logger, private readonly intervalMs = POSITIONS_SAVE_INTERVAL_MS) {}

  /** The saved position of `path`, once the file has been read. */
  async saved(path: string): Promise<SourcePosition | null> {
    this.loading ??= this.load();
    await this.loading;
    return this.positions.get(path) ?? null;
  }

  /** Follows a live tailer's position; a change is reported with changed(). */
  attach(path: string, position: () => SourcePosition | null): void {
    this.sources.set(path, position);
  }

  /** A followed position moved: writes within the interval. */
  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, Math.max(0, this.lastWriteMs + this.intervalMs - Date.now()));
    this.timer.unref();
  }

  /** Takes the final position of a stopped tailer, stops following it and writes now. */
  async detach(path: string): Promise<void> {
    const position = this.sources.get(path)?.();
    if (position) this.positions.set(path, position);
    this.sources.delete(path);
    await this.flush();
  }

  /** Writes the current positions unless unchanged since the last write. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  private async load(): Promise<void> {
    const read = await readPositionsFile(this.file);
    if (read.kind === 'ok') {
      // Positions taken meanwhile (a handover within this process) are newer than the file.
      for (const [path, p] of read.positions) if (!this.positions.has(path)) this.positions.set(path, p);
      this.lastText = encodePositions(read.positions);
      this.logger.info('read positions file', { file: this.file, paths: read.positions.size });
    } else if (read.kind === 'missing') {
      this.logger.info('no positions file yet: logs start at start_at', { file: this.file });
    } else {
      this.logger.warn('ignoring unreadable positions file: logs start at start_at', { file: this.file, error: read.error });
    }
  }

  private async write(): Promise<void> {
    if (this.loading) await this.loading;
    for (const [path, position] of this.sources) {
      const p = position();
      if (p) this.positions.set(path, p);
    }
    const text = encodePositions(this.positions);
    if (text === this.lastText) return;
    this.lastWriteMs = Date.now();
    const result = await writePositionsFile(this.file, this.positions);
    if (!result.ok) {
      if (result.error !== this.lastError) this.logger.warn('cannot write positions file; will retry', { file: this.file, error: result.error });
      this.lastError = result.error;
      return;
    }
    if (this.lastError !== null) this.logger.info('positions file written again', { file: this.file });
    if (result.inPlace) this.logger.debug('positions file overwritten in place: renaming over it kept failing', { file: this.file });
    this.lastError = null;
    this.lastText = text;
  }
}
