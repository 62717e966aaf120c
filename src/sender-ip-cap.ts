/** The `sender_ip` label values: the first `max` distinct IPs keep their own value, later ones are "other". */
export class SenderIpCap {
  private readonly seen = new Set<string>();

  constructor(private max: number) {}

  /** Changes the cap (on reload); IPs already given their own value keep it. */
  setMax(max: number): void {
    this.max = max;
  }

  /** The label value for an IP. */
  label(ip: string): string {
    if (this.seen.has(ip)) return ip;
    if (this.seen.size >= this.max) return 'other';
    this.seen.add(ip);
    return ip;
  }
}
