import { stat } from 'node:fs/promises';
import type { Logger } from '../../logger.js';
import { journalctlArgs, journalPath, type JournalStart } from './journal-args.js';
import { journalEntryToLine } from './journal-entry.js';
import { JOURNAL_PERMISSION_HINT, journalProblem, lastLine } from './journal-stderr.js';
import { JournalctlProcess, type JournalctlExit } from './journalctl-process.js';

/** Counters of one followed journal, shaped like a file tailer's. */
export interface JournalStats { lines: number; bytes: number; rotations: number; truncations: number; readErrors: number; open: boolean }

/** What to follow and where the lines go. */
export interface JournalFollowerOptions {
  units: readonly string[];
  /** A journal directory; empty for the system journal. */
  directory: string;
  startAt: 'end' | 'beginning';
  /** A saved cursor: reading goes on just after it. */
  resumeCursor: string | null;
  onLines: (lines: string[]) => void;
  /** The cursor moved (lines were handed out). */
  onPositionChange?: () => void;
  logger: Logger;
  /** journalctl and any wrapper before it (default `['journalctl']`). */
  journalctl?: readonly string[];
  /** Backoff between restarts of journalctl: first and longest wait (default 1 s and 30 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** How often a missing journal directory is looked for (default 1 s). */
  pollIntervalMs?: number;
}

/** A run that lasted this long resets the backoff. */
const HEALTHY_RUN_MS = 30_000;

/**
 * Follows the journal through `journalctl --follow --output=json`, restarted with exponential backoff
 * whenever it ends, and resumed just after the last cursor handed out, so nothing is lost or read twice.
 * Starting at the end, the cursor of the newest matching entry is looked up first (a run without
 * --follow), so a restart before any new entry still misses nothing. A journal directory that does not
 * exist yet is waited for. `open` is 1 while journalctl runs and reports no problem.
 */
export class JournalFollower {
  readonly stats: JournalStats = { lines: 0, bytes: 0, rotations: 0, truncations: 0, readErrors: 0, open: false };
  readonly path: string;
  private cursor: string | null;
  private fromBeginning: boolean;
  private proc: JournalctlProcess | null = null;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastProblem: string | null = null;

  constructor(private readonly opts: JournalFollowerOptions) {
    this.path = journalPath(opts.directory);
    this.cursor = opts.resumeCursor;
    this.fromBeginning = opts.startAt === 'beginning';
  }

  /** The cursor of the last entry handed out, or null before the first. */
  position(): string | null {
    return this.cursor;
  }

  /** Starts following in the background. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stops journalctl and waits until no more lines come. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.proc?.stop();
    await this.loop;
    this.stats.open = false;
  }

  private async run(): Promise<void> {
    const min = this.opts.retryMinMs ?? 1000;
    const max = this.opts.retryMaxMs ?? 30_000;
    let delay = min;
    while (!this.stopping) {
      if (this.opts.directory !== '' && !(await isDirectory(this.opts.directory))) {
        this.problem('journal directory does not exist yet: waiting for it', { directory: this.opts.directory });
        await this.sleep(this.opts.pollIntervalMs ?? 1000);
        continue;
      }
      const started = Date.now();
      const exit = await this.runOnce();
      if (this.stopping) break;
      this.stats.open = false;
      if (exit !== null) this.report(exit);
      delay = Date.now() - started > HEALTHY_RUN_MS ? min : delay;
      await this.sleep(delay);
      delay = Math.min(delay * 2, max);
    }
  }

  /** One journalctl run: the tail-cursor lookup while the start is still "end", then the follow. Null when the lookup succeeded. */
  private async runOnce(): Promise<JournalctlExit | null> {
    const lookup = this.cursor === null && !this.fromBeginning;
    const start: JournalStart = this.cursor !== null ? { after: this.cursor } : this.fromBeginning ? 'beginning' : 'end';
    const args = journalctlArgs({ units: this.opts.units, directory: this.opts.directory, follow: !lookup, start: lookup ? 'beginning' : start });
    if (lookup) args.push('--lines=1');
    let errText = '';
    const proc = new JournalctlProcess({
      command: this.opts.journalctl ?? ['journalctl'],
      args,
      onLines: (lines) => (lookup ? this.takeTail(lines) : this.deliver(lines)),
      onStderr: (text) => {
        errText += text;
        if (!lookup && journalProblem(errText) === 'permission') {
          this.stats.open = false;
          void this.proc?.stop();
        }
      },
    });
    this.proc = proc;
    if (!lookup) this.stats.open = true;
    const exit = await proc.exited;
    this.proc = null;
    if (lookup && exit.code === 0 && exit.error === null && journalProblem(exit.stderr) === null) {
      if (this.cursor === null) this.fromBeginning = true;
      return null;
    }
    return exit;
  }

  /** The newest matching entry at start: its cursor is where following begins; it is not counted. */
  private takeTail(lines: string[]): void {
    for (const json of lines) {
      const r = journalEntryToLine(json);
      if (r.kind !== 'error' && r.cursor !== null) this.cursor = r.cursor;
    }
  }

  private deliver(jsonLines: string[]): void {
    const out: string[] = [];
    let cursor = this.cursor;
    for (const json of jsonLines) {
      if (json === '' || json.startsWith('-- ')) continue;
      const r = journalEntryToLine(json);
      if (r.kind === 'error') {
        this.stats.readErrors++;
        this.opts.logger.warn('unreadable journal entry skipped', { path: this.path, error: r.error });
        continue;
      }
      if (r.cursor !== null) cursor = r.cursor;
      if (r.kind === 'line') {
        out.push(r.line);
        this.stats.bytes += Buffer.byteLength(r.line) + 1;
      }
    }
    if (this.lastProblem !== null) {
      this.opts.logger.info('reading the journal', { path: this.path });
      this.lastProblem = null;
    }
    this.stats.lines += out.length;
    if (out.length > 0) this.opts.onLines(out);
    if (cursor !== this.cursor) {
      this.cursor = cursor;
      this.opts.onPositionChange?.();
    }
  }

  /** Logs why journalctl ended, once per distinct problem, and drops a cursor journalctl refused. */
  private report(exit: JournalctlExit): void {
    const kind = exit.error !== null ? 'other' : journalProblem(exit.stderr);
    this.stats.readErrors++;
    const fields = { path: this.path, code: exit.code, signal: exit.signal, error: exit.error ?? (lastLine(exit.stderr) || null) };
    if (kind === 'permission') this.problem(`cannot read the journal: ${JOURNAL_PERMISSION_HINT}`, fields);
    else if (kind === 'cursor') {
      this.opts.logger.warn('journalctl refused the saved cursor: reading from start_at instead', { ...fields, cursor: this.cursor });
      this.cursor = null;
    } else this.problem('journalctl ended; restarting it', fields);
  }

  private problem(msg: string, fields: Record<string, string | number | null>): void {
    if (this.lastProblem === msg) return;
    this.lastProblem = msg;
    this.opts.logger.warn(msg, { path: this.path, ...fields });
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).then(() => void (this.wake = null));
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
