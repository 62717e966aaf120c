import type { Waker } from './source.js';

/**
 * Runs a source's step: once per poll() call, and in a loop after start() with the waker's sleep
 * between polls. Steps never overlap; a failing step is swallowed (sources count their errors).
 */
export class PollLoop {
  private running: Promise<void> = Promise.resolve();
  private started = false;
  private stopping: Promise<void> | null = null;

  constructor(private readonly step: () => Promise<void>, private readonly waker: Waker, private readonly intervalMs: number) {}

  /** True once stop() was called. */
  get stopped(): boolean {
    return this.stopping !== null;
  }

  /** Polls now and then after every sleep of the waker. */
  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    void this.loop();
  }

  /** Asks for the next poll at once (a step that stopped at its read bound, or an event). */
  soon(): void {
    this.waker.wake();
  }

  poll(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    const run = this.running.then(() => (this.stopping ? undefined : this.step()));
    this.running = run.catch(() => undefined);
    return run;
  }

  /** Ends the loop, waits for a running step, then runs `release` once. */
  stop(release: () => Promise<void>): Promise<void> {
    this.stopping ??= (async () => {
      this.waker.close();
      await this.running;
      await release();
    })();
    return this.stopping;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      await this.poll().catch(() => undefined);
      if (this.stopping) return;
      await this.waker.sleep(this.intervalMs);
    }
  }
}
