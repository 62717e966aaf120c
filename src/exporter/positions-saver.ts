import type { Logger } from '../logger.js';
import { encodePositions, readPositionsFile, writePositionsFile, type Positions } from '../logs/positions.js';
import type { SourcePosition } from '../logs/sources/source.js';

/**
 * One positions file shared by the sources configured with it, keyed by configured path. It is read
 * once (missing or corrupt: logged, then treated as empty, never fatal); entries of paths no longer
 * followed are kept, so a path configured again later resumes. A source asks for a save after each
 * poll that moved its position and waits for it before reading on, so a crash (kill -9, power loss)
 * replays at most the lines of one poll. Writes never overlap and are skipped when nothing changed.
 */
export class PositionsSaver {
  private positions: Positions = new Map();
  private readonly sources = new Map<string, () => SourcePosition | null>();
  private loading: Promise<void> | null = null;
  private lastText: string | null = null;
  private lastError: string | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly file: string, private readonly logger: Logger) {}

  /** The saved position of `path`, once the file has been read. */
  async saved(path: string): Promise<SourcePosition | null> {
    this.loading ??= this.load();
    await this.loading;
    return this.positions.get(path) ?? null;
  }

  /** Follows a live source's position; a move is reported with flush(). */
  attach(path: string, position: () => SourcePosition | null): void {
    this.sources.set(path, position);
  }

  /** Takes the final position of a stopped source, stops following it and writes now. */
  async detach(path: string): Promise<void> {
    const position = this.sources.get(path)?.();
    if (position) this.positions.set(path, position);
    this.sources.delete(path);
    await this.flush();
  }

  /** Writes the current positions (after any write in progress) unless unchanged since the last write. */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.write()).catch(() => undefined);
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
