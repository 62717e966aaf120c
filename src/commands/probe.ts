import { authEntries, runAuthChecks } from '../auth/check.js';
import { cachedLookup } from '../auth/dns.js';
import type { AuthDomain, AuthEntry } from '../auth/types.js';
import { addressKind, normalizeIp, zoneIdOf, zoneIdProblem } from '../targets/address.js';
import { adviceFor } from '../probe/advice.js';
import { mapConcurrent } from '../probe/pool.js';
import { probeIp } from '../probe/probe.js';
import { createResolver } from '../probe/resolver.js';
import type { DnsSettings, ProbeResult } from '../probe/types.js';
import { formatAuthTable } from './auth-table.js';
import { UsageError } from './usage-error.js';

/** Options of `probe`; `domains` adds the SPF, DKIM and DMARC checks. */
export interface ProbeOptions { dns: DnsSettings; helo: string | null; json: boolean; domains: AuthDomain[] }

/** Concurrency of probes and of SPF checks. */
const CONCURRENCY = 32;

/**
 * `probe IP...`: probes once, prints a table or JSON. Exit 0 when every IP passes FCrDNS and, with domains, every
 * SPF result is pass and every given DKIM selector is valid; 1 otherwise.
 */
export async function probeCommand(ips: string[], opts: ProbeOptions, out: (s: string) => void): Promise<number> {
  const targets = ips.map((ip) => {
    const zone = zoneIdOf(ip);
    if (zone !== null) throw new UsageError(`argument ${JSON.stringify(ip)} ${zoneIdProblem(zone)}`);
    const n = normalizeIp(ip);
    if (!n) throw new UsageError(`argument ${JSON.stringify(ip)} is not an IP address`);
    return n.ip;
  });
  const resolver = createResolver(opts.dns);
  const results = await mapConcurrent(targets, CONCURRENCY, (ip) => probeIp({ ip, helo: opts.helo }, resolver));
  const cycle = await runAuthChecks(results.map((r) => ({ ip: r.ip, family: r.family, fcrdnsPass: r.status === 'pass' })), opts.domains,
    cachedLookup(resolver).lookup, { maxPairs: Number.MAX_SAFE_INTEGER, concurrency: CONCURRENCY });
  const withAuth = results.map((r) => ({ ...r, auth: authEntries(r.ip, cycle) }));
  if (opts.json) out(`${JSON.stringify(withAuth, null, 2)}\n`);
  else out(formatProbeTable(results) + (opts.domains.length > 0 ? `\n${formatAuthTable(withAuth)}` : ''));
  return results.every((r) => r.status === 'pass') && withAuth.every((r) => r.auth.every(authPasses)) ? 0 : 1;
}

/** SPF passes and every given DKIM selector is valid. */
function authPasses(entry: AuthEntry): boolean {
  return entry.spf.result === 'pass' && entry.dkim.every((d) => d.status === 'valid');
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
