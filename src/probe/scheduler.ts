import cron, { type ScheduledTask } from 'node-cron';

/** Runs `cycle` on a cron schedule; a tick that finds the previous cycle still running is skipped and reported. */
export class CycleScheduler {
  private task: ScheduledTask | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly cycle: () => Promise<void>, private readonly onSkip: () => void, private readonly onError: (err: unknown) => void) {}

  /** Starts ticking on the expression (replacing any earlier schedule); optionally runs a cycle now. */
  start(expression: string, runNow: boolean): void {
    void this.task?.destroy();
    this.task = cron.schedule(expression, () => this.tick());
    if (runNow) void this.tick();
  }

  /** Seconds between the next two ticks of the schedule, or null when stopped. */
  intervalSeconds(): number | null {
    const [a, b] = this.task?.getNextRuns(2) ?? [];
    return a && b ? (b.getTime() - a.getTime()) / 1000 : null;
  }

  /** Runs a cycle unless one is running; resolves when that cycle ends (a failed cycle is reported, never thrown). */
  tick(): Promise<void> {
    if (this.running) {
      this.onSkip();
      return this.running;
    }
    this.running = this.cycle().catch((err: unknown) => { this.onError(err); }).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops ticking and waits for a running cycle to end. */
  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = null;
    await this.running;
  }
}
