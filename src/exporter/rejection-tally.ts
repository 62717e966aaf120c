import { codeLabel } from '../code-label.js';
import type { Rejection } from '../logs/types.js';

/** One row of the landing page's rejection summary. */
export interface TallyRow { provider: string; reason: string; code: string; count: number; lastSeenMs: number }

/** Counts rejections by provider, reason and code label (see codeLabel) since start, for the landing page; rows are bounded like the metric's series. */
export class RejectionTally {
  private readonly rows = new Map<string, TallyRow>();

  /** Adds one rejection. */
  add(r: Rejection): void {
    const code = codeLabel(r.code);
    const key = `${r.provider}\u0000${r.reason}\u0000${code}`;
    const row = this.rows.get(key) ?? { provider: r.provider, reason: r.reason, code, count: 0, lastSeenMs: 0 };
    row.count++;
    row.lastSeenMs = Math.max(row.lastSeenMs, r.time ?? Date.now());
    this.rows.set(key, row);
  }

  /** Rows, most frequent first. */
  list(): TallyRow[] {
    return [...this.rows.values()].sort((a, b) => b.count - a.count || b.lastSeenMs - a.lastSeenMs);
  }
}
