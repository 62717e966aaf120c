/**
 * The auth benchmark: one cycle of SPF, DKIM and DMARC checks for 100 IPs x 10 domains (1,000 pairs, the default
 * limits.max_auth_pairs) against the test DNS server on loopback, each domain's SPF record with a two-level include
 * chain and an mx term. Prints the cycle time, the DNS queries sent (the per-cycle cache should ask each record
 * once) and the time to render the series.
 */
import { renderAuthSeries } from '../../src/auth-series.js';
import { runAuthChecks } from '../../src/auth/check.js';
import { cachedLookup } from '../../src/auth/dns.js';
import { nextSnapshot } from '../../src/auth/snapshot.js';
import type { AuthTarget } from '../../src/auth/types.js';
import { createResolver } from '../../src/probe/resolver.js';
import { startDnsServer, type ZoneRecord } from '../support/dns-server.js';
import { figure, median, ms, note, timeMs } from './report.js';

const IPS = 100;
const DOMAINS = 10;
const RUNS = 3;
const GOAL_MS = 5000;

/** A zone where every domain includes a shared chain and names its MX. */
function zone(): ZoneRecord[] {
  const records: ZoneRecord[] = [
    { name: 'spf1.example.net', type: 'TXT', data: 'v=spf1 ip4:198.51.100.0/24 include:spf2.example.net -all' },
    { name: 'spf2.example.net', type: 'TXT', data: 'v=spf1 ip4:192.0.2.0/24 ip6:2001:db8:1::/48 -all' },
    { name: 'mx.example.net', type: 'AAAA', data: '2001:db8::1' },
  ];
  for (let d = 0; d < DOMAINS; d++) {
    const name = `d${d}.example.org`;
    records.push({ name, type: 'TXT', data: 'v=spf1 mx include:spf1.example.net ~all' }, { name, type: 'MX', data: '10 mx.example.net' },
      { name: `s1._domainkey.${name}`, type: 'TXT', data: 'v=DKIM1; k=rsa; p=' }, { name: `_dmarc.${name}`, type: 'TXT', data: 'v=DMARC1; p=none' });
  }
  return records;
}

export async function authBench(): Promise<void> {
  const server = await startDnsServer({ records: zone() });
  try {
    const resolver = createResolver({ servers: [server.address], timeoutMs: 2000, attempts: 2 });
    const targets: AuthTarget[] = Array.from({ length: IPS }, (_, i) => (i % 2 === 0
      ? { ip: `2001:db8::${(i + 1).toString(16)}`, family: 'ipv6', fcrdnsPass: true }
      : { ip: `192.0.2.${i + 1}`, family: 'ipv4', fcrdnsPass: true }));
    const domains = Array.from({ length: DOMAINS }, (_, d) => ({ name: `d${d}.example.org`, dkimSelectors: ['s1'] }));
    const cycles: number[] = [];
    const queries: number[] = [];
    let snapshot = null;
    for (let run = 0; run < RUNS; run++) {
      const before = server.queryCount.udp + server.queryCount.tcp;
      const { ms: took, value } = await timeMs(() => runAuthChecks(targets, domains, cachedLookup(resolver).lookup, { maxPairs: 1000, concurrency: 32 }));
      if (value.pairs.length !== IPS * DOMAINS || value.skipped !== 0) throw new Error(`expected ${IPS * DOMAINS} pairs, got ${value.pairs.length}`);
      if (value.pairs.some((p) => p.spf.result === 'temperror')) throw new Error('a pair ended in temperror');
      snapshot = nextSnapshot(snapshot, value);
      cycles.push(took);
      queries.push(server.queryCount.udp + server.queryCount.tcp - before);
    }
    const render = await timeMs(() => Promise.resolve(renderAuthSeries(snapshot)));
    figure(`one cycle of ${IPS * DOMAINS} (IP, domain) pairs: median ${ms(median(cycles))} over ${RUNS} runs`, `under ${ms(GOAL_MS)}`, median(cycles) < GOAL_MS);
    note(`DNS queries per cycle: ${queries.join(', ')} (${DOMAINS} domains x 4 records: SPF, MX, DKIM, DMARC; plus 4 shared: two included SPF records, the MX host's A and AAAA; each asked once per cycle)`);
    note(`rendering the auth series (${renderAuthSeries(snapshot).length} bytes): ${ms(render.ms)}`);
  } finally {
    await server.close();
  }
}
