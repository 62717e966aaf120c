import { codeLabel } from '../code-label.js';
import { SenderIpCap } from '../sender-ip-cap.js';
import type { Rejection } from '../logs/types.js';

/** One row of the landing page's rejection summary. */
export interface TallyRow { provider: string; reason: string; code: string; count: number; lastSeenMs: number }

/** One row of the landing page's sender-IP view: our IP as the remote named it (or "other" beyond the cap). */
export interface SenderRow extends TallyRow { senderIp: string }

/**
 * Counts rejections by provider, reason and code label (see codeLabel) since start, and by the sender
 * IP the reply named, for the landing page; rows are bounded like the metrics' series (sender IPs by
 * limits.max_sender_ips, the rest as "other").
 */
export class RejectionTally {
  private readonly rows = new Map<string, TallyRow>();
  private readonly senders = new Map<string, SenderRow>();
  private readonly senderIps: SenderIpCap;

  constructor(maxSenderIps = 64) {
    this.senderIps = new SenderIpCap(maxSenderIps);
  }

  /** Changes the sender-IP cap (on reload); IPs already counted stay. */
  setMaxSenderIps(max: number): void {
    this.senderIps.setMax(max);
  }

  /** Adds one rejection. */
  add(r: Rejection): void {
    const code = codeLabel(r.code);
    const key = `${r.provider}\u0000${r.reason}\u0000${code}`;
    const row = this.rows.get(key) ?? { provider: r.provider, reason: r.reason, code, count: 0, lastSeenMs: 0 };
    row.count++;
    row.lastSeenMs = Math.max(row.lastSeenMs, r.time ?? Date.now());
    this.rows.set(key, row);
    if (r.senderIp === null) return;
    const ip = this.senderIps.label(r.senderIp);
    const skey = `${ip}\u0000${key}`;
    const srow = this.senders.get(skey) ?? { senderIp: ip, provider: r.provider, reason: r.reason, code, count: 0, lastSeenMs: 0 };
    srow.count++;
    srow.lastSeenMs = Math.max(srow.lastSeenMs, r.time ?? Date.now());
    this.senders.set(skey, srow);
  }

  /** Sender-IP rows, most frequent first. */
  senderList(): SenderRow[] {
    return [...this.senders.values()].sort((a, b) => b.count - a.count || b.lastSeenMs - a.lastSeenMs);
  }

  /** Rows, most frequent first. */
  list(): TallyRow[] {
    return [...this.rows.values()].sort((a, b) => b.count - a.count || b.lastSeenMs - a.lastSeenMs);
  }
}
