import { stat } from 'node:fs/promises';
import { silentLogger, type Logger } from '../../logger.js';
import { journalctlArgs, journalPath, type JournalStart } from './journal-args.js';
import { journalEntryToLine } from './journal-entry.js';
import { JOURNAL_PERMISSION_HINT, journalProblem, lastLine } from './journal-stderr.js';
import { JournalctlProcess, type JournalctlExit } from './journalctl-process.js';
import { emptyStats, isJournalPosition, type JournalPosition, type LogSource, type SourceOptions } from './source.js';

/** Which journal entries a journal source reads. */
export interface JournalSpec {
  /** Units to read (any match); empty for the MTAs' default units. */
  units: readonly string[];
  /** A journal directory; empty for the system journal. */
  directory: string;
  startAt: 'end' | 'beginning';
}

/** Options only the journal takes. */
export interface JournalOptions {
  /** Where restarts and permission problems are logged (default: nowhere). */
  logger?: Logger;
  /** journalctl and any wrapper before it (default `['journalctl']`). */
  journalctl?: readonly string[];
  /** Backoff between restarts of journalctl: first and longest wait (default 1 s and 30 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
}

/** A run that lasted this long resets the backoff. */
const HEALTHY_RUN_MS = 30_000;

/**
 * Follows the journal through `journalctl --follow --output=json`, restarted with exponential backoff
 * whenever it ends, and resumed just after the last cursor handed out, so nothing is lost or read twice.
 * Starting at the end, the cursor of the newest matching entry is looked up first (a run without
 * --follow), so a restart before any new entry still misses nothing. A journal directory that does
 * not exist yet is looked for every poll interval, then read from its beginning. `open` is true while
 * journalctl runs and reports no problem. Its position is the cursor of the last entry handed out.
 */
export class JournalSource implements LogSource {
  readonly stats = emptyStats();
  readonly name: string;
  readonly finished = false;
  private readonly logger: Logger;
  private cursor: string | null;
  private fromBeginning: boolean;
  private proc: JournalctlProcess | null = null;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastProblem: string | null = null;

  constructor(private readonly spec: JournalSpec, private readonly opts: SourceOptions & JournalOptions) {
    this.name = journalPath(spec.directory);
    this.logger = opts.logger ?? silentLogger;
    const saved = opts.resumeFrom;
    this.cursor = saved && isJournalPosition(saved) ? saved.cursor : null;
    this.fromBeginning = spec.startAt === 'beginning';
    if (this.cursor !== null) this.logger.info('resuming the journal after the saved cursor', { path: this.name, cursor: this.cursor });
  }

  /** The cursor of the last entry handed out, or null before the first. */
  position(): JournalPosition | null {
    return this.cursor === null ? null : { cursor: this.cursor };
  }

  /** Entries arrive as journalctl prints them: nothing to step. */
  poll(): Promise<void> {
    return Promise.resolve();
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
    this.stats.currentFile = null;
  }

  private async run(): Promise<void> {
    const min = this.opts.retryMinMs ?? 1000;
    const max = this.opts.retryMaxMs ?? 30_000;
    let delay = min;
    while (!this.stopping) {
      if (this.spec.directory !== '' && !(await isDirectory(this.spec.directory))) {
        // Whatever appears in a directory that did not exist is new: it is read from its beginning.
        if (this.cursor === null) this.fromBeginning = true;
        this.problem('journal directory does not exist yet: waiting for it', {});
        await this.sleep(this.opts.pollIntervalMs ?? 1000);
        continue;
      }
      const started = Date.now();
      const exit = await this.runOnce();
      if (this.stopping) break;
      this.stats.open = false;
      this.stats.currentFile = null;
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
    const args = journalctlArgs({ units: this.spec.units, directory: this.spec.directory, follow: !lookup, start: lookup ? 'beginning' : start });
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
    if (!lookup) {
      this.stats.open = true;
      this.stats.currentFile = this.name;
    }
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

  /** Hands out the lines of a batch, then moves the cursor; a promise from onPositionChange holds journalctl's output until it settles. */
  private deliver(jsonLines: string[]): void | Promise<void> {
    const out: string[] = [];
    let cursor = this.cursor;
    for (const json of jsonLines) {
      if (json === '' || json.startsWith('-- ')) continue;
      const r = journalEntryToLine(json);
      if (r.kind === 'error') {
        this.stats.readErrors++;
        this.logger.warn('unreadable journal entry skipped', { path: this.name, error: r.error });
        continue;
      }
      if (r.cursor !== null) cursor = r.cursor;
      if (r.kind === 'line') {
        out.push(r.line);
        this.stats.bytes += Buffer.byteLength(r.line) + 1;
      }
    }
    if (this.lastProblem !== null) {
      this.logger.info('reading the journal', { path: this.name });
      this.lastProblem = null;
    }
    this.stats.lines += out.length;
    if (out.length > 0) this.opts.onLines(out);
    if (cursor === this.cursor) return;
    this.cursor = cursor;
    return this.opts.onPositionChange?.();
  }

  /** Logs why journalctl ended, once per distinct problem, and drops a cursor journalctl refused. */
  private report(exit: JournalctlExit): void {
    const kind = exit.error !== null ? 'other' : journalProblem(exit.stderr);
    this.stats.readErrors++;
    const fields = { code: exit.code, signal: exit.signal, error: exit.error ?? (lastLine(exit.stderr) || null) };
    if (kind === 'permission') this.problem(`cannot read the journal: ${JOURNAL_PERMISSION_HINT}`, fields);
    else if (kind === 'cursor') {
      this.logger.warn('journalctl refused the saved cursor: reading from start_at instead', { path: this.name, ...fields, cursor: this.cursor });
      this.cursor = null;
    } else this.problem('journalctl ended; restarting it', fields);
  }

  private problem(msg: string, fields: Record<string, string | number | null>): void {
    if (this.lastProblem === msg) return;
    this.lastProblem = msg;
    this.logger.warn(msg, { path: this.name, ...fields });
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
