import type { BigIntStats } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { filterMatches, isGlob, joinMatch, newestMatch, splitGlob, type GlobParts } from './glob.js';
import { LineSplitter } from './line-splitter.js';
import type { TailPosition } from './positions.js';

export type { TailPosition } from './positions.js';

/**
 * How a saved position was used: `resumed` (same file, read on from the offset), `truncated` (same
 * file, now shorter than when saved: read from 0), `rotated` (the path names another file or none;
 * the saved file was found at `file` and read on from the offset, the new one from 0) or `lost`
 * (the saved file is gone or unrecognisable, e.g. compressed: the new file is read from 0, and
 * whatever was written to the old one after the stop is not counted).
 */
export interface ResumeOutcome { outcome: 'resumed' | 'truncated' | 'rotated' | 'lost'; file: string | null; offset: number }

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
  /** A position saved by an earlier run: it replaces startAt for the first file found (see Tailer). Ignored for `-`. */
  resumeFrom?: TailPosition | null;
  /** Called once, when the first poll that finds the path present or absent has used resumeFrom. */
  onResume?: (outcome: ResumeOutcome) => void;
  /** Called (synchronously, after onLines) whenever position() moved; it must not throw. */
  onPositionChange?: () => void;
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
  /** The offset just after the last newline handed out: where a restart resumes. */
  committed: number;
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
 * The birth time, as a string, when it can be trusted: "0" when the platform gives none, or when it
 * equals the change time (libuv fills it with ctime where statx is unavailable, and a log that was
 * written to after its creation always has a later ctime).
 */
function credibleBirthtime(st: BigIntStats): string {
  return st.birthtimeNs !== 0n && st.birthtimeNs !== st.ctimeNs ? st.birthtimeNs.toString() : '0';
}

/** The saveable position of a file read up to `offset`. */
export function positionOf(file: string, st: BigIntStats, offset: number): TailPosition {
  return { file, dev: st.dev.toString(), ino: st.ino.toString(), birthtimeNs: credibleBirthtime(st), size: Math.max(Number(st.size), offset), offset };
}

/**
 * Whether a saved position names this file, across a restart. With inodes: the same inode, and
 * either the same credible birth time (so a remount that renumbered the device still matches, and a
 * new file that reused the inode does not) or, where birth times cannot be compared, the same
 * device. Without inodes: the same credible birth time and a size not below the saved one.
 */
export function matchesPosition(saved: TailPosition, st: BigIntStats): boolean {
  const birth = credibleBirthtime(st);
  const births = saved.birthtimeNs !== '0' && birth !== '0';
  if (saved.ino !== '0' && st.ino !== 0n) {
    if (saved.ino !== st.ino.toString()) return false;
    return births ? saved.birthtimeNs === birth : saved.dev === st.dev.toString();
  }
  return births && saved.birthtimeNs === birth && Number(st.size) >= saved.size;
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
 *
 * Restart: position() is the identity of the file followed last and the offset after the last
 * complete line handed out from it (a waiting partial line is read again, whole, after a restart).
 * Given as resumeFrom, it replaces start_at for the first poll that finds the path present or
 * absent: when the path still names that file (matchesPosition) and it is not smaller than when
 * saved, reading resumes at the offset; when smaller, it was truncated, and is read from 0. When the
 * path names another file or none (rotated while we were down), the saved file is looked for in its
 * directory by identity (inodes only) and read on from the offset first; then the new file is read
 * from 0 and counts as a rotation. A saved file not found (deleted, compressed, moved to another
 * directory) is a loss: what was written to it after the stop is never read. Also not kept across a
 * restart: the tail of a file left behind that was still being drained, files that came and went
 * while we were down (a glob only takes its newest match), and a line cut for length that was being
 * written at the stop (its head is handed out again).
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
  /** The file position() describes: the current one, or the one followed last. */
  private followed: OpenFile | null = null;
  private resume: TailPosition | null;
  private streamSplitter: LineSplitter | null = null;
  private streamEnded = false;
  private streamDone = false;

  constructor(private readonly options: TailerOptions) {
    this.glob = options.path !== '-' && isGlob(options.path) ? splitGlob(options.path) : null;
    this.buf = Buffer.allocUnsafe(Math.max(4096, options.readChunkBytes ?? 1024 * 1024));
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.rotateWaitMs = options.rotateWaitMs ?? 5000;
    this.maxLineChars = options.maxLineChars;
    this.resume = options.path === '-' ? null : options.resumeFrom ?? null;
  }

  /** Where a restart should resume: see the class comment. Null for `-` and before any file or resumeFrom. */
  position(): TailPosition | null {
    const f = this.followed;
    if (!f) return this.resume;
    return positionOf(f.path, f.st, f.committed);
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
    if (this.resume && !(found.kind === 'file' && matchesPosition(this.resume, found.st))) await this.resumeElsewhere(this.resume);
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
      const offset = await this.startOffset(path, handle, st);
      next = { path, handle, st, offset, committed: offset, splitter: new LineSplitter(this.maxLineChars), retiredAt: 0 };
      if (this.hadFile) this.stats.rotations++;
    }
    this.current = next;
    this.followed = next;
    this.moved(next);
    this.lastMtimeNs = next.st.mtimeNs;
    this.hadFile = true;
    this.startupPending = false;
    if (old) await this.retire(old, this.glob !== null);
    await this.drain(next);
  }

  /** Where a newly opened file is read from: the saved position, start_at end, or 0. */
  private async startOffset(path: string, handle: FileHandle, st: BigIntStats): Promise<number> {
    const saved = this.resume;
    if (saved) {
      this.resume = null;
      // step() handled a saved position naming another file; one that changed since is read from 0.
      if (!matchesPosition(saved, st)) return 0;
      if (Number(st.size) >= saved.size) {
        this.options.onResume?.({ outcome: 'resumed', file: path, offset: saved.offset });
        return saved.offset;
      }
      this.stats.truncations++;
      this.options.onResume?.({ outcome: 'truncated', file: path, offset: 0 });
      return 0;
    }
    if (this.options.startAt === 'end' && this.startupPending) return this.lineStartNearEnd(handle, st);
    return 0;
  }

  /**
   * The path no longer names the saved file: finds that file in its directory, drains it from the
   * saved offset and leaves it behind; any file at the path is then new, read from 0.
   */
  private async resumeElsewhere(saved: TailPosition): Promise<void> {
    this.resume = null;
    this.startupPending = false;
    this.hadFile = true;
    const old = await this.findSaved(saved);
    this.options.onResume?.({ outcome: old ? 'rotated' : 'lost', file: old?.path ?? null, offset: old ? saved.offset : 0 });
    if (!old) return;
    const f: OpenFile = { ...old, offset: saved.offset, committed: saved.offset, splitter: new LineSplitter(this.maxLineChars), retiredAt: 0 };
    this.followed = f;
    this.moved(f);
    await this.drain(f);
    await this.retire(f, this.glob !== null);
  }

  /** The saved file, by identity: under its saved name first, then anywhere in that directory (inodes only). */
  private async findSaved(saved: TailPosition): Promise<{ path: string; handle: FileHandle; st: BigIntStats } | null> {
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
        const handle = await open(path, 'r');
        const hst = await handle.stat({ bigint: true }).catch(() => null);
        if (hst && matchesPosition(saved, hst)) return { path, handle, st: hst };
        await handle.close().catch(() => undefined);
      } catch {
        // Gone or unreadable: not this one.
      }
    }
    return null;
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
      f.committed = 0;
      f.splitter.reset();
      this.moved(f);
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
      const chunk = this.buf.subarray(0, n);
      const at = f.offset;
      f.offset += n;
      this.stats.bytes += n;
      this.emit(f.splitter, (s) => s.push(chunk));
      const nl = chunk.lastIndexOf(0x0a);
      if (nl !== -1) {
        f.committed = at + nl + 1;
        this.moved(f);
      }
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
    if (f.committed !== f.offset) {
      f.committed = f.offset;
      this.moved(f);
    }
    await f.handle.close().catch(() => undefined);
  }

  /** Reports a move of the followed file's position. */
  private moved(f: OpenFile): void {
    if (f === this.followed) this.options.onPositionChange?.();
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
