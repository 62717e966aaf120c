/** Sender IPs learned from PTR-related rejections; bounded, the least recently seen evicted first. */
export class LearnedTargets {
  private readonly seen = new Map<string, number>();

  constructor(private max: number) {}

  /** Records an IP; returns true when it was not known before. */
  add(ip: string, atMs = Date.now()): boolean {
    const known = this.seen.delete(ip);
    this.seen.set(ip, atMs);
    while (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value!);
    return !known;
  }

  /** Changes the bound (on reload). */
  setMax(max: number): void {
    this.max = max;
    while (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value!);
  }

  /** The learned IPs, oldest first. */
  list(): string[] {
    return [...this.seen.keys()];
  }
}
