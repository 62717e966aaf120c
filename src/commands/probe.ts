import { addressKind, normalizeIp, zoneIdOf, zoneIdProblem } from '../targets/address.js';
import { adviceFor } from '../probe/advice.js';
import { mapConcurrent } from '../probe/pool.js';
import { probeIp } from '../probe/probe.js';
import { createResolver } from '../probe/resolver.js';
import type { DnsSettings, ProbeResult } from '../probe/types.js';
import { UsageError } from './usage-error.js';

/** Options of `probe`. */
export interface ProbeOptions { dns: DnsSettings; helo: string | null; json: boolean }

/** `probe IP...`: probes once, prints a table or JSON; 0 when every IP passes, 1 otherwise. */
export async function probeCommand(ips: string[], opts: ProbeOptions, out: (s: string) => void): Promise<number> {
  const targets = ips.map((ip) => {
    const zone = zoneIdOf(ip);
    if (zone !== null) throw new UsageError(`argument ${JSON.stringify(ip)} ${zoneIdProblem(zone)}`);
    const n = normalizeIp(ip);
    if (!n) throw new UsageError(`argument ${JSON.stringify(ip)} is not an IP address`);
    return n.ip;
  });
  const resolver = createResolver(opts.dns);
  const results = await mapConcurrent(targets, 32, (ip) => probeIp({ ip, helo: opts.helo }, resolver));
  out(opts.json ? `${JSON.stringify(results, null, 2)}\n` : formatProbeTable(results));
  return results.every((r) => r.status === 'pass') ? 0 : 1;
}

/** A plain table of results with one line of advice under each failing IP. */
export function formatProbeTable(results: readonly ProbeResult[]): string {
  const rows = results.map((r) => [r.ip, r.status, r.iprev, r.ptr.join(',') || '-', r.confirmed.join(',') || '-']);
  const head = ['IP', 'STATUS', 'IPREV', 'PTR', 'CONFIRMED'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(head)];
  results.forEach((r, i) => {
    out.push(line(rows[i]!));
    const advice = adviceFor(r, addressKind(r.ip));
    if (r.error) out.push(`  error: ${r.error}`);
    if (advice) out.push(`  fix: ${advice}`);
  });
  return `${out.join('\n')}\n`;
}
