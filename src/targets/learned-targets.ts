/** One learned sender IP and when a rejection last named it (ms since the epoch). */
export interface LearnedEntry { ip: string; lastSeenMs: number }

/** Sender IPs learned from PTR-related rejections; bounded, the least recently seen evicted first. */
export class LearnedTargets {
  private readonly seen = new Map<string, number>();

  constructor(private max: number) {}

  /** Records an IP; returns true when it was not known before. */
  add(ip: string, atMs = Date.now()): boolean {
    const known = this.seen.delete(ip);
    this.seen.set(ip, Math.max(atMs, 0));
    this.trim();
    return !known;
  }

  /** Takes entries read back after a restart, oldest first, dropping those not seen within ttlMs of nowMs. */
  restore(entries: readonly LearnedEntry[], nowMs: number, ttlMs: number): void {
    const sorted = [...entries].sort((a, b) => a.lastSeenMs - b.lastSeenMs);
    for (const e of sorted) if (nowMs - e.lastSeenMs <= ttlMs && !this.seen.has(e.ip)) this.seen.set(e.ip, e.lastSeenMs);
    this.trim();
  }

  /** Drops IPs not named within ttlMs of nowMs; returns how many were dropped. */
  expire(nowMs: number, ttlMs: number): number {
    let dropped = 0;
    for (const [ip, at] of this.seen) {
      if (nowMs - at > ttlMs) {
        this.seen.delete(ip);
        dropped++;
      }
    }
    return dropped;
  }

  /** Changes the bound (on reload). */
  setMax(max: number): void {
    this.max = max;
    this.trim();
  }

  /** The learned IPs, least recently seen first. */
  list(): string[] {
    return [...this.seen.keys()];
  }

  /** The learned IPs with their last-seen times, least recently seen first. */
  entries(): LearnedEntry[] {
    return [...this.seen].map(([ip, lastSeenMs]) => ({ ip, lastSeenMs }));
  }

  private trim(): void {
    while (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value!);
  }
}
