/** Gives back the slot taken by acquire; calling it twice frees one slot only. */
export type Release = () => void;

interface Waiter { grant: (release: Release | null) => void; timer: NodeJS.Timeout }

/**
 * Lets at most `maxInFlight` tasks run at once and `maxQueued` more wait (first come, first served).
 * A caller beyond both, or one that waited `waitMs` without a slot, gets null at once: the HTTP layer
 * answers it 429 or 503 instead of letting work pile up.
 */
export class ConcurrencyGate {
  private running = 0;
  private maxSeen = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly maxInFlight: number, readonly maxQueued: number) {}

  /** Tasks running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Tasks waiting now. */
  get queued(): number {
    return this.queue.length;
  }

  /** The most tasks that ever ran at once. */
  get peakInFlight(): number {
    return this.maxSeen;
  }

  /** A slot (resolves to its release function), or null when the queue is full or waitMs passes first. */
  acquire(waitMs: number): Promise<Release | null> {
    if (this.running < this.maxInFlight) return Promise.resolve(this.take());
    if (this.queue.length >= this.maxQueued || waitMs <= 0) return Promise.resolve(null);
    return new Promise((grant) => {
      const waiter: Waiter = {
        grant,
        timer: setTimeout(() => {
          this.queue.splice(this.queue.indexOf(waiter), 1);
          grant(null);
        }, waitMs),
      };
      this.queue.push(waiter);
    });
  }

  private take(): Release {
    this.running++;
    this.maxSeen = Math.max(this.maxSeen, this.running);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      const next = this.queue.shift();
      if (next) {
        clearTimeout(next.timer);
        next.grant(this.take());
      }
    };
  }
}
