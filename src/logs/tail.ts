import type { BigIntStats } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { filterMatches, isGlob, joinMatch, newestMatch, splitGlob, type GlobParts } from './glob.js';
import { LineSplitter } from './line-splitter.js';

/** Options of one Tailer: one configured path (a file, a glob, or `-` for standard input). */
export interface TailerOptions {
  path: string;
  /** `end`: the file found at the first poll is read from its end; every later file from its start. */
  startAt: 'end' | 'beginning';
  /** Receives complete lines in file order, in batches (one per read chunk); it must not throw. */
  onLines: (lines: string[]) => void;
  /** Delay between polls after start(); default 250 ms. */
  pollIntervalMs?: number;
  /** Bytes per read call; default 1 MiB. */
  readChunkBytes?: number;
  /** Stream read for `-`; default process.stdin. */
  stdin?: NodeJS.ReadableStream;
  /** How long a rotated-away or deleted file keeps being drained; default 5000 ms, 0 = close at once. */
  rotateWaitMs?: number;
  /** Longest line handed out (characters); longer lines are cut and counted. */
  maxLineChars?: number;
}

/** Counters and state of a Tailer, plain values read at scrape time. */
export interface TailStats {
  lines: number;
  bytes: number;
  rotations: number;
  truncations: number;
  readErrors: number;
  open: boolean;
  /** The file being followed (a glob's current match, `-` for stdin), or null. */
  currentFile: string | null;
  truncatedLines: number;
}

interface OpenFile {
  path: string;
  handle: FileHandle;
  /** Latest fstat of the handle: identity, size and mtime. */
  st: BigIntStats;
  offset: number;
  splitter: LineSplitter;
  retiredAt: number;
}

type Found = { kind: 'file'; path: string; st: BigIntStats } | { kind: 'missing' } | { kind: 'error' };

const MISSING: Found = { kind: 'missing' };
const ERROR: Found = { kind: 'error' };
/** How many left-behind glob matches are remembered so that a late write never makes us go back. */
const MAX_LEFT = 16;

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
 * Follows one configured path and hands out its lines; it knows nothing about their content.
 *
 * Each poll first drains the files left behind (see below), then reads the current file from its
 * offset to EOF in big chunks, then looks at what the path names now. The current file is read
 * through its open handle, so a rename never loses what was written to it. Copytruncate: when the
 * handle's size is below our offset, the file was truncated; reading restarts at 0, the partial line
 * is dropped and `truncations` counts it (a file that grew past our offset again before the poll
 * cannot be told apart). Rotation: when the path names another file (dev+ino differ, see sameFile),
 * or a glob has a newer match (latest mtime, ties by name; never a match we already left, even if a
 * late write made it newest; never one older than the file followed last), the old file, already
 * drained to its end, is moved to the "left behind" list and the new one is read from 0 in the same
 * poll; `rotations` counts it. A left file renamed back to the path is resumed, not reread. A path that vanished
 * (delete, or rename without recreate) moves the old file to that list too and sets open=false;
 * a file that appears later is read from 0 and counts as a rotation when a file was followed before.
 * Files left behind keep being drained for rotateWaitMs, because writers often keep writing to the
 * old file until they are told to reopen (logrotate postrotate HUP); their lines then come after
 * those already read from the new file. When closed, a left-behind file's unterminated last line is
 * handed out, as nothing can complete it any more; while following, a partial last line waits.
 * start_at end applies to the file found by the first poll that finds the path present or absent
 * (errors leave it pending); reading starts after the last newline, so a line being written is not cut.
 * On Windows, libuv opens files with FILE_SHARE_DELETE, so holding a handle never blocks the MTA's
 * own rename or delete.
 */
export class Tailer {
  readonly stats: TailStats = { lines: 0, bytes: 0, rotations: 0, truncations: 0, readErrors: 0, open: false, currentFile: null, truncatedLines: 0 };

  private readonly glob: GlobParts | null;
  private readonly buf: Buffer;
  private readonly pollIntervalMs: number;
  private readonly rotateWaitMs: number;
  private readonly maxLineChars: number | undefined;
  private current: OpenFile | null = null;
  private retired: OpenFile[] = [];
  private left: BigIntStats[] = [];
  private lastMtimeNs: bigint | null = null;
  private startupPending = true;
  private hadFile = false;
  private running: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopping: Promise<void> | null = null;
  private stream: NodeJS.ReadableStream | null = null;
  private streamSplitter: LineSplitter | null = null;
  private streamEnded = false;
  private streamDone = false;

  constructor(private readonly options: TailerOptions) {
    this.glob = options.path !== '-' && isGlob(options.path) ? splitGlob(options.path) : null;
    this.buf = Buffer.allocUnsafe(Math.max(4096, options.readChunkBytes ?? 1024 * 1024));
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.rotateWaitMs = options.rotateWaitMs ?? 5000;
    this.maxLineChars = options.maxLineChars;
  }

  /** Polls now and then every pollIntervalMs (unref'd timer); stdin is also read as data arrives. */
  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    if (this.options.path === '-') this.attachStream().on('readable', this.onReadable);
    const loop = (): void => {
      void this.poll()
        .catch(() => undefined)
        .finally(() => {
          if (this.stopping) return;
          this.timer = setTimeout(loop, this.pollIntervalMs);
          this.timer.unref();
        });
    };
    loop();
  }

  /** One step: reads what is new and follows rotations. Polls never overlap; I/O errors are counted, never thrown. */
  poll(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    const run = this.running.then(() => (this.stopping ? undefined : this.step()));
    this.running = run.catch(() => undefined);
    return run;
  }

  /** Stops polling and closes every handle; idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearTimeout(this.timer);
      await this.running;
      for (const f of [...this.retired, ...(this.current ? [this.current] : [])]) await f.handle.close().catch(() => undefined);
      this.retired = [];
      this.current = null;
      this.detachStream();
      this.stats.open = false;
      this.stats.currentFile = null;
    })();
    return this.stopping;
  }

  private async step(): Promise<void> {
    if (this.options.path === '-') return this.stepStream();
    const now = Date.now();
    for (const f of [...this.retired]) {
      await this.drain(f);
      if (now - f.retiredAt >= this.rotateWaitMs) await this.close(f);
    }
    const cur = this.current;
    if (cur) await this.drainCurrent(cur);
    const found = this.glob ? await this.resolveGlob(this.glob) : await this.resolvePath();
    if (found.kind === 'error') return;
    if (found.kind === 'missing') {
      this.startupPending = false;
      if (cur) {
        this.current = null;
        await this.retire(cur, false);
      }
    } else if (!cur || !sameFile(cur.st, found.st)) {
      await this.switchTo(found.path);
    }
    this.stats.open = this.current !== null;
    this.stats.currentFile = this.current?.path ?? null;
  }

  /** Opens the file now at the path, leaves the current one behind and reads the new one. */
  private async switchTo(path: string): Promise<void> {
    let handle: FileHandle;
    let st: BigIntStats;
    try {
      handle = await open(path, 'r');
    } catch (e) {
      if (!isMissing(e)) this.stats.readErrors++;
      return;
    }
    try {
      st = await handle.stat({ bigint: true });
    } catch {
      this.stats.readErrors++;
      await handle.close().catch(() => undefined);
      return;
    }
    const old = this.current;
    if (old && sameFile(old.st, st)) return void (await handle.close().catch(() => undefined));
    const back = this.retired.find((f) => sameFile(f.st, st));
    let next: OpenFile;
    if (back) {
      // The file we left came back under the path (renamed back): resume it where we were.
      await handle.close().catch(() => undefined);
      this.retired = this.retired.filter((f) => f !== back);
      next = back;
    } else {
      const fromEnd = this.options.startAt === 'end' && this.startupPending;
      next = { path, handle, st, offset: fromEnd ? await this.lineStartNearEnd(handle, st) : 0, splitter: new LineSplitter(this.maxLineChars), retiredAt: 0 };
      if (this.hadFile) this.stats.rotations++;
    }
    this.current = next;
    this.lastMtimeNs = next.st.mtimeNs;
    this.hadFile = true;
    this.startupPending = false;
    if (old) await this.retire(old, this.glob !== null);
    await this.drain(next);
  }

  /** The offset just after the last newline in the file's last 64 KiB (the file's size if none). */
  private async lineStartNearEnd(handle: FileHandle, st: BigIntStats): Promise<number> {
    const size = Number(st.size);
    const window = Math.min(size, 64 * 1024, this.buf.length);
    if (window === 0) return size;
    try {
      const { bytesRead } = await handle.read(this.buf, 0, window, size - window);
      const nl = this.buf.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (nl !== -1) return size - window + nl + 1;
      return window === size ? 0 : size;
    } catch {
      this.stats.readErrors++;
      return size;
    }
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
      f.splitter.reset();
    }
    await this.drain(f);
  }

  /** Reads from the offset to EOF in readChunkBytes pieces and hands out the completed lines. */
  private async drain(f: OpenFile): Promise<void> {
    while (!this.stopping) {
      let n: number;
      try {
        n = (await f.handle.read(this.buf, 0, this.buf.length, f.offset)).bytesRead;
      } catch {
        this.stats.readErrors++;
        return;
      }
      if (n === 0) return;
      f.offset += n;
      this.stats.bytes += n;
      this.emit(f.splitter, (s) => s.push(this.buf.subarray(0, n)));
      if (n < this.buf.length) return;
    }
  }

  /** Moves a file we no longer follow to the drained-for-a-while list (or closes it at once). */
  private async retire(f: OpenFile, remember: boolean): Promise<void> {
    if (remember) this.left = [f.st, ...this.left].slice(0, MAX_LEFT);
    f.retiredAt = Date.now();
    this.retired.push(f);
    if (this.rotateWaitMs <= 0) {
      await this.drain(f);
      await this.close(f);
    }
  }

  /** Closes a left-behind file, handing out its unterminated last line. */
  private async close(f: OpenFile): Promise<void> {
    this.retired = this.retired.filter((r) => r !== f);
    this.emit(f.splitter, (s) => s.flush());
    await f.handle.close().catch(() => undefined);
  }

  private emit(splitter: LineSplitter, split: (s: LineSplitter) => string[]): void {
    const before = splitter.truncated;
    const lines = split(splitter);
    this.stats.truncatedLines += splitter.truncated - before;
    if (lines.length === 0) return;
    this.stats.lines += lines.length;
    this.options.onLines(lines);
  }

  private async resolvePath(): Promise<Found> {
    try {
      const st = await stat(this.options.path, { bigint: true });
      if (st.isFile()) return { kind: 'file', path: this.options.path, st };
    } catch (e) {
      if (isMissing(e)) return MISSING;
    }
    // Unreadable metadata, or not a regular file (a directory fails on read with EISDIR, a FIFO would block).
    this.stats.readErrors++;
    return ERROR;
  }

  /** The newest match not left behind before and not older than the file followed last. */
  private async resolveGlob(parts: GlobParts): Promise<Found> {
    let names: string[];
    try {
      names = await readdir(parts.dir);
    } catch (e) {
      if (isMissing(e)) return MISSING;
      this.stats.readErrors++;
      return ERROR;
    }
    const matches: { name: string; path: string; st: BigIntStats; mtimeMs: number }[] = [];
    for (const name of filterMatches(parts, names)) {
      const path = joinMatch(parts, name);
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
    return best ? { kind: 'file', path: best.path, st: best.st } : MISSING;
  }

  private attachStream(): NodeJS.ReadableStream {
    if (this.stream) return this.stream;
    const s = this.options.stdin ?? process.stdin;
    this.stream = s;
    this.streamSplitter = new LineSplitter(this.maxLineChars);
    s.on('end', this.onEnd);
    s.on('error', this.onError);
    this.stats.open = true;
    this.stats.currentFile = '-';
    return s;
  }

  private detachStream(): void {
    if (!this.stream) return;
    this.stream.off('end', this.onEnd);
    this.stream.off('error', this.onError);
    this.stream.off('readable', this.onReadable);
    this.streamDone = true;
  }

  private async stepStream(): Promise<void> {
    if (this.streamDone) return;
    this.attachStream();
    this.readStream();
    await new Promise((resolve) => setImmediate(resolve)); // lets a pending 'end' or 'error' arrive
    this.readStream();
    if (!this.streamEnded) return;
    this.emit(this.streamSplitter!, (s) => s.flush());
    this.detachStream();
    this.stats.open = false;
    this.stats.currentFile = null;
  }

  private readStream(): void {
    const s = this.stream!;
    if (this.streamEnded) return;
    for (let chunk = s.read(); chunk !== null; chunk = s.read()) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      this.stats.bytes += buf.length;
      this.emit(this.streamSplitter!, (sp) => sp.push(buf));
    }
  }

  private readonly onReadable = (): void => {
    void this.poll().catch(() => undefined);
  };

  private readonly onEnd = (): void => {
    this.streamEnded = true;
  };

  private readonly onError = (): void => {
    this.stats.readErrors++;
    this.streamEnded = true;
  };
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
