import type { BigIntStats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { LineSplitter } from '../line-splitter.js';
import { findSaved, matchesPosition, positionOf, resumeOffset, sameFile } from './identity.js';
import { lineStartNearEnd, openRegular, type FileSourceOptions, type Found, type OpenFile } from './regular-file.js';
import { PollLoop } from './poll-loop.js';
import { emptyStats, isJournalPosition, systemClock, type Clock, type FilePosition, type LogSource } from './source.js';
import { FolderWatch, TimerWaker } from './waker.js';

/**
 * The reading shared by a file and a glob source; a subclass only says which file the path names
 * now (locate), and whether files it leaves are remembered (a glob never goes back to one).
 *
 * Each poll first drains the files left behind (see below), then reads the current file from its
 * offset to EOF in big chunks, then looks at what the path names now. The current file is read
 * through its open handle, so a rename never loses what was written to it. Copytruncate: when the
 * handle's size is below our offset, the file was truncated; reading restarts at 0, the partial line
 * is dropped and `truncations` counts it (a file that grew past our offset again before the poll
 * cannot be told apart). Rotation: when the path names another file (see sameFile), the old file,
 * already drained to its end, is moved to the "left behind" list and the new one is read from 0 in
 * the same poll; `rotations` counts it. A left file renamed back to the path is resumed, not reread.
 * A path that vanished (delete, or rename without recreate) moves the old file to that list too and
 * sets open=false; a file that appears later is read from 0 and counts as a rotation when a file was
 * followed before. Files left behind keep being drained for rotateWaitMs, because writers often keep
 * writing to the old file until they are told to reopen (logrotate postrotate HUP); their lines then
 * come after those already read from the new file. When closed, a left-behind file's unterminated
 * last line is handed out, as nothing can complete it any more; while following, a partial last line
 * waits. start_at end applies to the file found by the first poll that finds the path present or
 * absent (errors leave it pending); reading starts after the last newline, so a line being written is
 * not cut. On Windows, libuv opens files with FILE_SHARE_DELETE, so holding a handle never blocks the
 * MTA's own rename or delete.
 * Restart: see identity.ts.
 */
export abstract class RotatingSource implements LogSource {
  readonly stats = emptyStats();
  readonly finished = false;

  protected current: OpenFile | null = null;
  /** mtime of the file followed last: a glob never takes an older match. */
  protected lastMtimeNs: bigint | null = null;
  private readonly buf: Buffer;
  private readonly rotateWaitMs: number;
  private readonly maxReadBytes: number;
  /** Bytes this poll may still read. */
  private budget = 0;
  private readonly clock: Clock;
  private readonly loop: PollLoop;
  private retired: OpenFile[] = [];
  private startupPending = true;
  private hadFile = false;
  /** The file position() describes: the current one, or the one followed last. */
  private followed: OpenFile | null = null;
  private resume: FilePosition | null;
  private watch: FolderWatch | null = null;
  /** position() moved during this poll. */
  private positionMoved = false;

  constructor(readonly name: string, protected readonly options: FileSourceOptions) {
    this.buf = Buffer.allocUnsafe(Math.max(4096, options.readChunkBytes ?? 1024 * 1024));
    this.rotateWaitMs = options.rotateWaitMs ?? 5000;
    this.maxReadBytes = Math.max(this.buf.length, options.maxReadBytesPerPoll ?? 64 * 1024 * 1024);
    this.clock = options.clock ?? systemClock;
    const from = options.resumeFrom ?? null;
    this.resume = from && !isJournalPosition(from) ? from : null;
    this.loop = new PollLoop(() => this.step(), options.waker ?? new TimerWaker(), options.pollIntervalMs ?? 250);
  }

  /** What the path names now. */
  protected abstract locate(): Promise<Found>;

  /** The folder whose events may change what the path names, and the names in it that matter. */
  protected abstract watched(): { dir: string; wanted: (name: string) => boolean };

  /** Called when `f` was left for another file (a glob remembers it, to never go back to it). */
  protected leaving?(f: OpenFile): void;

  position(): FilePosition | null {
    const f = this.followed;
    if (!f) return this.resume;
    return positionOf(f.path, f.st, f.committed);
  }

  start(): void {
    this.loop.start();
  }

  poll(): Promise<void> {
    return this.loop.poll();
  }

  stop(): Promise<void> {
    return this.loop.stop(async () => {
      this.watch?.close();
      for (const f of [...this.retired, ...(this.current ? [this.current] : [])]) await f.handle.close().catch(() => undefined);
      this.retired = [];
      this.current = null;
      this.stats.open = false;
      this.stats.currentFile = null;
    });
  }

  /** One poll. Folder events (fs.watch, as inotify-based mtail) wake a started source at once; the interval is the fallback. */
  private async step(): Promise<void> {
    this.watch ??= new FolderWatch(this.watched().dir, this.watched().wanted, () => this.loop.soon());
    this.watch.ensure();
    this.budget = this.maxReadBytes;
    await this.read();
    if (this.positionMoved) {
      this.positionMoved = false;
      await Promise.resolve(this.options.onPositionChange?.()).catch(() => undefined);
    }
    // At the read bound, what is left (and any rotation) waits for the next poll, which comes at once.
    if (this.budget <= 0) this.loop.soon();
  }

  private async read(): Promise<void> {
    const now = this.clock.now();
    for (const f of [...this.retired]) {
      await this.drain(f);
      if (now - f.retiredAt >= this.rotateWaitMs && this.budget > 0) await this.close(f);
    }
    const cur = this.current;
    if (cur) await this.drainCurrent(cur);
    if (this.budget <= 0) return;
    const found = await this.locate();
    if (found.kind === 'error') {
      // The path names something we cannot read: the old file is still drained, but not "open".
      this.stats.open = false;
      return;
    }
    if (this.resume && !(found.kind === 'file' && matchesPosition(this.resume, found.st))) await this.resumeElsewhere(this.resume);
    if (found.kind === 'missing') {
      this.startupPending = false;
      if (cur) {
        this.current = null;
        await this.retire(cur, false);
      }
    }
    const readable = found.kind === 'missing' || (cur !== null && sameFile(cur.st, found.st)) || (await this.switchTo(found.path));
    this.stats.open = readable && this.current !== null;
    this.stats.currentFile = this.current?.path ?? null;
  }

  /** Opens the file now at the path, leaves the current one behind and reads the new one; false when it cannot be opened. */
  private async switchTo(path: string): Promise<boolean> {
    const opened = await openRegular(path);
    if (opened.kind !== 'ok') {
      if (opened.kind === 'error') this.stats.readErrors++;
      return false;
    }
    const { handle, st } = opened;
    const old = this.current;
    if (old && sameFile(old.st, st)) {
      await handle.close().catch(() => undefined);
      return true;
    }
    const back = this.retired.find((f) => sameFile(f.st, st));
    let next: OpenFile;
    if (back) {
      // The file we left came back under the path (renamed back): resume it where we were.
      await handle.close().catch(() => undefined);
      this.retired = this.retired.filter((f) => f !== back);
      next = back;
    } else {
      const offset = await this.startOffset(path, handle, st);
      next = { path, handle, st, offset, committed: offset, splitter: new LineSplitter(this.options.maxLineChars), retiredAt: 0 };
      if (this.hadFile) this.stats.rotations++;
    }
    this.current = next;
    this.followed = next;
    this.moved(next);
    this.lastMtimeNs = next.st.mtimeNs;
    this.hadFile = true;
    this.startupPending = false;
    if (old) await this.retire(old, true);
    await this.drain(next);
    return true;
  }

  /** Where a newly opened file is read from: the saved position, start_at end, or 0. */
  private async startOffset(path: string, handle: FileHandle, st: BigIntStats): Promise<number> {
    const saved = this.resume;
    if (saved) {
      this.resume = null;
      // step() handled a saved position naming another file; one that changed since is read from 0.
      const r = resumeOffset(saved, st);
      if (!r) return 0;
      if (r.outcome === 'truncated') this.stats.truncations++;
      this.options.onResume?.({ outcome: r.outcome, file: path, offset: r.offset });
      return r.offset;
    }
    if (this.options.startAt !== 'end' || !this.startupPending) return 0;
    const end = await lineStartNearEnd(handle, st, this.buf);
    if (end !== null) return end;
    this.stats.readErrors++;
    return Number(st.size);
  }

  /**
   * The path no longer names the saved file: finds that file in its directory, drains it from the
   * saved offset and leaves it behind; any file at the path is then new, read from 0.
   */
  private async resumeElsewhere(saved: FilePosition): Promise<void> {
    this.resume = null;
    this.startupPending = false;
    this.hadFile = true;
    const old = await findSaved(saved);
    this.options.onResume?.({ outcome: old ? 'rotated' : 'lost', file: old?.path ?? null, offset: old ? saved.offset : 0 });
    if (!old) return;
    const f: OpenFile = { path: old.path, handle: old.handle, st: old.st, offset: saved.offset, committed: saved.offset, splitter: new LineSplitter(this.options.maxLineChars), retiredAt: 0 };
    this.followed = f;
    this.moved(f);
    await this.drain(f);
    await this.retire(f, true);
  }

  /** Checks the current file for truncation, then drains it. */
  private async drainCurrent(f: OpenFile): Promise<void> {
    try {
      f.st = await f.handle.stat({ bigint: true });
    } catch {
      this.stats.readErrors++;
      return;
    }
    this.lastMtimeNs = f.st.mtimeNs;
    if (Number(f.st.size) < f.offset) {
      this.stats.truncations++;
      f.offset = 0;
      f.committed = 0;
      f.splitter.reset();
      this.moved(f);
    }
    await this.drain(f);
  }

  /** Reads from the offset to EOF (or to the poll's read bound) in readChunkBytes pieces and hands out the completed lines. */
  private async drain(f: OpenFile): Promise<void> {
    while (!this.loop.stopped && this.budget > 0) {
      const want = Math.min(this.buf.length, this.budget);
      let n: number;
      try {
        n = (await f.handle.read(this.buf, 0, want, f.offset)).bytesRead;
      } catch {
        this.stats.readErrors++;
        return;
      }
      if (n === 0) return;
      const chunk = this.buf.subarray(0, n);
      const at = f.offset;
      f.offset += n;
      this.budget -= n;
      this.stats.bytes += n;
      this.emit(f.splitter, (s) => s.push(chunk));
      const nl = chunk.lastIndexOf(0x0a);
      if (nl !== -1) {
        f.committed = at + nl + 1;
        this.moved(f);
      }
      if (n < want) return;
    }
  }

  /** Moves a file we no longer follow to the drained-for-a-while list (or closes it at once). */
  private async retire(f: OpenFile, forAnother: boolean): Promise<void> {
    if (forAnother) this.leaving?.(f);
    f.retiredAt = this.clock.now();
    this.retired.push(f);
    if (this.rotateWaitMs <= 0) {
      await this.drain(f);
      if (this.budget > 0) await this.close(f);
    }
  }

  /** Closes a left-behind file, handing out its unterminated last line. */
  private async close(f: OpenFile): Promise<void> {
    this.retired = this.retired.filter((r) => r !== f);
    this.emit(f.splitter, (s) => s.flush());
    if (f.committed !== f.offset) {
      f.committed = f.offset;
      this.moved(f);
    }
    await f.handle.close().catch(() => undefined);
  }

  /** Notes a move of the followed file's position, reported at the end of the poll. */
  private moved(f: OpenFile): void {
    if (f === this.followed) this.positionMoved = true;
  }

  private emit(splitter: LineSplitter, split: (s: LineSplitter) => string[]): void {
    const before = splitter.truncated;
    const lines = split(splitter);
    this.stats.truncatedLines += splitter.truncated - before;
    if (lines.length === 0) return;
    this.stats.lines += lines.length;
    this.options.onLines(lines);
  }
}
