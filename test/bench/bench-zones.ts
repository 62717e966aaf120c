import type { NsdZone } from '../support/nsd-server.js';
import type { ZoneRecord } from '../support/dns-server.js';

/** The zone origins a record name can fall in, longest first: the benchmark's reverse /24s and /32, and its forward domain. */
const ORIGINS = ['2.0.192.in-addr.arpa', '100.51.198.in-addr.arpa', '113.0.203.in-addr.arpa', '8.b.d.0.1.0.0.2.ip6.arpa', 'bench.example.com'];

/** Groups the benchmark's records into NSD zones (absolute names); throws on a record outside every origin. */
export function nsdZones(records: readonly ZoneRecord[]): NsdZone[] {
  const zones = new Map<string, string[]>(ORIGINS.map((o) => [o, []]));
  for (const r of records) {
    const name = r.name.toLowerCase().replace(/\.$/, '');
    const origin = ORIGINS.find((o) => name === o || name.endsWith(`.${o}`));
    if (origin === undefined) throw new Error(`benchmark record ${r.name} is in no benchmark zone`);
    const data = r.type === 'PTR' || r.type === 'CNAME' ? `${r.data.replace(/\.$/, '')}.` : r.data;
    zones.get(origin)!.push(`${name}. IN ${r.type} ${data}`);
  }
  return [...zones].filter(([, lines]) => lines.length > 0).map(([origin, lines]) => ({ origin, records: lines }));
}
