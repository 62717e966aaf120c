import type { Family } from '../targets/address.js';
import type { ScanFormat } from './formats/index.js';
import { isPtrRelated, type Provider, type Reason, type Rejection } from './types.js';

/** One input of a scan, as `scan --json` prints it. */
export interface ScanFileReport { path: string; format: ScanFormat | null; lines: number; bytes: number }

/** One aggregated row of a scan, as `scan --json` prints it. */
export interface ScanRow {
  provider: Provider;
  reason: Reason;
  code: string;
  reply_code: string;
  family: Family;
  sender_ip: string | null;
  count: number;
  first_seen: string | null;
  last_seen: string | null;
}

/** The `scan --json` object. */
export interface ScanReport {
  files: ScanFileReport[];
  rejections: ScanRow[];
  totals: { rejections: number; ptr_related: number };
}

/** Counts rejections per (provider, reason, code, reply code, family, sender IP); with sinceMs, those logged earlier are left out (those without a time are kept). */
export class Aggregator {
  private readonly map = new Map<string, { row: ScanRow; first: number | null; last: number | null }>();

  constructor(private readonly sinceMs: number | null = null) {}

  add(r: Rejection): void {
    if (this.sinceMs !== null && r.time !== null && r.time < this.sinceMs) return;
    const key = `${r.provider}|${r.reason}|${r.code}|${r.replyCode}|${r.family}|${r.senderIp ?? ''}`;
    let e = this.map.get(key);
    if (!e) {
      e = {
        row: { provider: r.provider, reason: r.reason, code: r.code, reply_code: r.replyCode, family: r.family,
          sender_ip: r.senderIp, count: 0, first_seen: null, last_seen: null },
        first: null,
        last: null,
      };
      this.map.set(key, e);
    }
    e.row.count++;
    if (r.time !== null) {
      if (e.first === null || r.time < e.first) e.first = r.time;
      if (e.last === null || r.time > e.last) e.last = r.time;
    }
  }

  /** The rows, sorted, with totals. */
  report(files: ScanFileReport[]): ScanReport {
    const rejections = this.rows();
    let sum = 0;
    let ptr = 0;
    for (const r of rejections) {
      sum += r.count;
      if (isPtrRelated(r.reason)) ptr += r.count;
    }
    return { files, rejections, totals: { rejections: sum, ptr_related: ptr } };
  }

  private rows(): ScanRow[] {
    const rows = [...this.map.values()].map(({ row, first, last }) => ({ ...row, first_seen: iso(first), last_seen: iso(last) }));
    return rows.sort(compareRows);
  }
}

/** Count descending, then the label values, so equal inputs always print the same order. */
function compareRows(a: ScanRow, b: ScanRow): number {
  return b.count - a.count
    || cmp(a.provider, b.provider) || cmp(a.reason, b.reason) || cmp(a.code, b.code)
    || cmp(a.reply_code, b.reply_code) || cmp(a.family, b.family) || cmp(a.sender_ip ?? '', b.sender_ip ?? '');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** ISO 8601 UTC to the second. */
function iso(t: number | null): string | null {
  return t === null ? null : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A plain text summary: the files, then counts grouped by provider, reason, code, family and sender IP. */
export function formatScanTable(report: ScanReport): string {
  const out: string[] = [];
  out.push(...table(['FILE', 'FORMAT', 'LINES', 'BYTES'],
    report.files.map((f) => [f.path, f.format ?? '-', String(f.lines), String(f.bytes)])));
  out.push('');
  const groups = new Map<string, { cells: string[]; count: number }>();
  for (const r of report.rejections) {
    const cells = [r.provider, r.reason, r.code, r.family, r.sender_ip ?? '-'];
    const key = cells.join('\u0000');
    const g = groups.get(key);
    if (g) g.count += r.count;
    else groups.set(key, { cells, count: r.count });
  }
  const rows = [...groups.values()]
    .sort((a, b) => b.count - a.count || cmp(a.cells.join('\u0000'), b.cells.join('\u0000')))
    .map((g) => [...g.cells, String(g.count)]);
  if (rows.length === 0) out.push('no rejections found');
  else out.push(...table(['PROVIDER', 'REASON', 'CODE', 'FAMILY', 'SENDER IP', 'COUNT'], rows));
  out.push('');
  out.push(`total: ${report.totals.rejections} rejections, ${report.totals.ptr_related} PTR-related`);
  return `${out.join('\n')}\n`;
}

/** Left-aligned columns separated by two spaces. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}
