/** What to do with one log line: write it, write a note that further lines are held back, or drop it. */
export type ThrottleVerdict = 'write' | 'hold_back' | 'drop';

/**
 * Lets at most `perWindow` lines of one kind through per window of `windowMs`; the first line over the
 * limit becomes a single note, the rest of the window is dropped. Input (a log naming new IPs) cannot flood the log.
 */
export class LogThrottle {
  private windowStart = Number.NEGATIVE_INFINITY;
  private written = 0;

  constructor(readonly perWindow: number, readonly windowMs: number, private readonly now: () => number = Date.now) {}

  /** The verdict for the next line. */
  take(): ThrottleVerdict {
    const t = this.now();
    if (t - this.windowStart >= this.windowMs) {
      this.windowStart = t;
      this.written = 0;
    }
    this.written++;
    if (this.written <= this.perWindow) return 'write';
    return this.written === this.perWindow + 1 ? 'hold_back' : 'drop';
  }
}
