import { spawn, type ChildProcess } from 'node:child_process';
import { LineSplitter } from '../line-splitter.js';

/** How a journalctl run ended: its exit code or signal, the tail of its standard error, and a spawn error if it never ran. */
export interface JournalctlExit { code: number | null; signal: NodeJS.Signals | null; stderr: string; error: string | null }

/** What to run and where its output goes. */
export interface JournalctlOptions {
  /** The program and any arguments before journalctl's own, e.g. `['journalctl']`. */
  command: readonly string[];
  args: readonly string[];
  /** Complete lines of standard output, in order; a returned promise pauses the output until it settles. */
  onLines: (lines: string[]) => void | Promise<void>;
  /** Each piece of standard error as it arrives. */
  onStderr?: (text: string) => void;
}

/** Longest JSON line kept whole (journal entries printed with --all can be long); a longer one is cut and fails to parse. */
const MAX_JSON_LINE = 4 * 1024 * 1024;
/** Standard error kept for the exit report. */
const STDERR_KEPT = 8192;
/** Time between SIGTERM and SIGKILL on stop. */
const KILL_AFTER_MS = 2000;

/** One journalctl child process, started at once, with no shell. */
export class JournalctlProcess {
  readonly exited: Promise<JournalctlExit>;
  private readonly child: ChildProcess;
  private done = false;

  constructor(opts: JournalctlOptions) {
    const [program, ...before] = opts.command;
    const splitter = new LineSplitter(MAX_JSON_LINE);
    let stderr = '';
    this.child = spawn(program ?? 'journalctl', [...before, ...opts.args], { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const stdout = this.child.stdout!;
    stdout.on('data', (chunk: Buffer) => {
      const lines = splitter.push(chunk);
      const wait = lines.length > 0 ? opts.onLines(lines) : undefined;
      if (wait) {
        stdout.pause();
        void wait.catch(() => undefined).finally(() => stdout.resume());
      }
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stderr = (stderr + text).slice(-STDERR_KEPT);
      opts.onStderr?.(text);
    });
    this.exited = new Promise<JournalctlExit>((resolve) => {
      this.child.once('error', (e) => {
        if (this.child.pid !== undefined) return;
        this.done = true;
        resolve({ code: null, signal: null, stderr, error: e.message });
      });
      this.child.once('close', (code, signal) => {
        if (this.done) return;
        this.done = true;
        const rest = splitter.flush();
        if (rest.length > 0) void opts.onLines(rest);
        resolve({ code, signal, stderr, error: null });
      });
    });
  }

  /** True until the process has ended. */
  get running(): boolean {
    return !this.done;
  }

  /** Ends the process (SIGTERM, then SIGKILL) and waits for it. */
  async stop(): Promise<JournalctlExit> {
    if (!this.done) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), KILL_AFTER_MS);
      timer.unref();
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }
}
