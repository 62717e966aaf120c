import { generateKeyPairSync } from 'node:crypto';
import { startDnsServer, type TestDnsServer, type ZoneRecord } from './dns-server.js';
import { startNsd, type NsdServer, type NsdZone } from './nsd-server.js';
import { reverseName } from '../../src/probe/reverse-name.js';

/** The sending addresses of the auth fixture: both have a forward-confirmed PTR (mx1.example.org). */
export const IP4 = '192.0.2.25';
export const IP6 = '2001:db8::25';

/** Each SPF case of the zone: domain, result for IP6, result for IP4 (RFC 7208). */
export const SPF_CASES = [
  ['ip4only.example.org', 'fail', 'pass'],
  ['both.example.org', 'pass', 'pass'],
  ['soft.example.org', 'softfail', 'softfail'],
  ['neutral.example.org', 'neutral', 'neutral'],
  ['chain.example.org', 'pass', 'pass'],
  ['mx.example.org', 'pass', 'pass'],
  ['ahost.example.org', 'fail', 'pass'],
  ['redirect.example.org', 'pass', 'pass'],
  ['nospf.example.org', 'none', 'none'],
  ['absent.example.org', 'none', 'none'],
  ['two.example.org', 'permerror', 'permerror'],
  ['loop.example.org', 'permerror', 'permerror'],
  ['syntax.example.org', 'permerror', 'permerror'],
  ['refused.example.org', 'temperror', 'temperror'],
] as const;

/** A name whose zone the test server refuses (NSD: a zone it does not serve; in-process: a "refused" fault). */
export const REFUSED_NAME = '_spf.example.com';

/** The base64 SubjectPublicKeyInfo of a fresh key, as a DKIM p= value. */
function spkiBase64(type: 'rsa' | 'ed25519', bits = 2048): string {
  const { publicKey } = type === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: bits })
    : generateKeyPairSync('ed25519');
  const der = publicKey.export({ type: 'spki', format: 'der' });
  // RFC 8463 section 4.2: an ed25519 p= is the raw 32-byte key, the last 32 bytes of its SPKI.
  return (type === 'ed25519' ? der.subarray(der.length - 32) : der).toString('base64');
}

const txt = (name: string, data: string): ZoneRecord => ({ name, type: 'TXT', data });

/**
 * SPF, DKIM and DMARC cases, one domain (or selector) per case, with the PTR/A/AAAA records that make IP4 and IP6
 * forward-confirmed. Keys are generated per run.
 */
export function authZone(): ZoneRecord[] {
  return [
    { name: reverseName(IP4), type: 'PTR', data: 'mx1.example.org.' },
    { name: reverseName(IP6), type: 'PTR', data: 'mx1.example.org.' },
    { name: 'mx1.example.org', type: 'A', data: IP4 },
    { name: 'mx1.example.org', type: 'AAAA', data: IP6 },
    { name: 'relay.example.org', type: 'A', data: IP4 },
    // SPF
    txt('ip4only.example.org', 'v=spf1 ip4:192.0.2.0/24 -all'),
    txt('both.example.org', 'v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/64 -all'),
    txt('soft.example.org', 'v=spf1 ip4:198.51.100.0/24 ~all'),
    txt('neutral.example.org', 'v=spf1 ?all'),
    txt('chain.example.org', 'v=spf1 include:spf1.example.net -all'),
    txt('spf1.example.net', 'v=spf1 ip4:198.51.100.0/24 include:spf2.example.net -all'),
    txt('spf2.example.net', 'v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all'),
    txt('mx.example.org', 'v=spf1 mx -all'),
    { name: 'mx.example.org', type: 'MX', data: '10 mx1.example.org.' },
    txt('ahost.example.org', 'v=spf1 a:relay.example.org -all'),
    txt('redirect.example.org', 'v=spf1 redirect=both.example.org'),
    txt('nospf.example.org', 'google-site-verification=abc123'),
    txt('two.example.org', 'v=spf1 ip4:192.0.2.0/24 -all'),
    txt('two.example.org', 'v=spf1 ip6:2001:db8::/64 -all'),
    txt('loop.example.org', 'v=spf1 include:loop2.example.org -all'),
    txt('loop2.example.org', 'v=spf1 include:loop.example.org -all'),
    txt('syntax.example.org', 'v=spf1 ip4:192.0.2.0/24 bogus:example.org -all'),
    txt('refused.example.org', `v=spf1 include:${REFUSED_NAME} ip4:192.0.2.0/24 ip6:2001:db8::/64 -all`),
    // DKIM (selectors of example.org)
    txt('s2048._domainkey.example.org', `v=DKIM1; k=rsa; p=${spkiBase64('rsa', 2048)}`),
    txt('ed._domainkey.example.org', `v=DKIM1; k=ed25519; p=${spkiBase64('ed25519')}`),
    txt('revoked._domainkey.example.org', 'v=DKIM1; k=rsa; p='),
    txt('weak._domainkey.example.org', `v=DKIM1; k=rsa; p=${spkiBase64('rsa', 512)}`),
    txt('broken._domainkey.example.org', 'v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'),
    // DMARC
    txt('_dmarc.ip4only.example.org', 'v=DMARC1; p=reject; rua=mailto:dmarc@example.org'),
    txt('_dmarc.both.example.org', 'v=DMARC1; p=none'),
    txt('_dmarc.soft.example.org', 'v=DMARC1;p=quarantine;pct=100'),
    txt('_dmarc.syntax.example.org', 'v=DMARC1; p=maybe'),
    txt('_dmarc.two.example.org', 'v=spf1 -all'),
  ];
}

/** The zones NSD serves for authZone() (REFUSED_NAME's zone is left out, so NSD refuses it). */
export const NSD_ORIGINS = ['example.org', 'example.net', '2.0.192.in-addr.arpa', '8.b.d.0.1.0.0.2.ip6.arpa'];

/** Quotes a TXT text as zone-file character-strings of at most 255 bytes (RFC 1035 section 5.1). */
function zoneTxt(text: string): string {
  if (/["\\]/.test(text)) throw new Error(`the fixture's TXT texts need no escaping: ${text}`);
  const parts: string[] = [];
  for (let i = 0; i < text.length || i === 0; i += 255) parts.push(`"${text.slice(i, i + 255)}"`);
  return parts.join(' ');
}

/** The records as NSD zones: each record goes to the longest origin it falls under; others are dropped. */
export function nsdZones(records: readonly ZoneRecord[], origins: readonly string[] = NSD_ORIGINS): NsdZone[] {
  const zones = origins.map((origin) => ({ origin, records: [] as string[] }));
  for (const r of records) {
    const name = r.name.toLowerCase().replace(/\.$/, '');
    const zone = zones.filter((z) => name === z.origin || name.endsWith(`.${z.origin}`))
      .sort((a, b) => b.origin.length - a.origin.length)[0];
    if (!zone) continue;
    const data = r.type === 'TXT'
      ? zoneTxt(r.data)
      : r.type === 'PTR' || r.type === 'CNAME' || r.type === 'MX'
        ? `${r.data.replace(/\.$/, '')}.`
        : r.data;
    zone.records.push(`${name}. ${r.ttl ?? 300} IN ${r.type} ${data}`);
  }
  return zones;
}

/** The auth zone served twice: by the in-process server (REFUSED_NAME and `refused` answered REFUSED) and by NSD. */
export interface AuthServers { inProcess: TestDnsServer; nsd: NsdServer; close(): Promise<void> }

/** Starts both servers on the auth zone; NSD refuses names of zones it does not serve, the in-process server `refused`. */
export async function startAuthServers(zone: readonly ZoneRecord[], refused: readonly string[] = [REFUSED_NAME]): Promise<AuthServers> {
  const inProcess = await startDnsServer({ records: zone });
  for (const name of refused) inProcess.setFault(name, 'refused');
  const nsd = await startNsd({ zones: nsdZones(zone) });
  return { inProcess, nsd, close: async () => { await inProcess.close(); await nsd.stop(); } };
}
