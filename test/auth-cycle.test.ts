import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authEntries, isReady, runAuthChecks } from '../src/auth/check.js';
import { cachedLookup } from '../src/auth/dns.js';
import { createResolver } from '../src/probe/resolver.js';
import type { AuthTarget } from '../src/auth/types.js';
import { IP4, IP6, authZone } from './support/auth-zones.js';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';

let server: TestDnsServer;
beforeAll(async () => {
  server = await startDnsServer({ records: authZone() });
});
afterAll(() => server?.close());

const lookup = () => cachedLookup(createResolver({ servers: [server.address], timeoutMs: 1000, attempts: 1 }));
const targets: AuthTarget[] = [
  { ip: IP6, family: 'ipv6', fcrdnsPass: true },
  { ip: IP4, family: 'ipv4', fcrdnsPass: true },
  { ip: '2001:db8::26', family: 'ipv6', fcrdnsPass: false },
];
const domains = [
  { name: 'ip4only.example.org', dkimSelectors: [] },
  { name: 'chain.example.org', dkimSelectors: ['nokey'] },
  { name: 'example.org', dkimSelectors: ['s2048'] },
];

describe('runAuthChecks', () => {
  test('N IPs x M domains fetch each record once per cycle', async () => {
    server.questions.length = 0;
    const cycle = await runAuthChecks(targets, domains, lookup().lookup, { maxPairs: 100, concurrency: 4 });
    expect(cycle.pairs).toHaveLength(9);
    expect(cycle.skipped).toBe(0);
    const asked = (q: string) => server.questions.filter((x) => x === q).length;
    expect(asked('TXT ip4only.example.org')).toBe(1);
    expect(asked('TXT chain.example.org')).toBe(1);
    expect(asked('TXT spf1.example.net')).toBe(1);
    expect(asked('TXT spf2.example.net')).toBe(1);
    expect(asked('TXT s2048._domainkey.example.org')).toBe(1);
    expect(asked('TXT nokey._domainkey.chain.example.org')).toBe(1);
    expect(asked('TXT _dmarc.chain.example.org')).toBe(1);
    expect(new Set(server.questions).size).toBe(server.questions.length);
  });

  test('a new cycle cache asks again', async () => {
    server.questions.length = 0;
    await runAuthChecks(targets.slice(0, 1), domains.slice(0, 1), lookup().lookup, { maxPairs: 100, concurrency: 1 });
    await runAuthChecks(targets.slice(0, 1), domains.slice(0, 1), lookup().lookup, { maxPairs: 100, concurrency: 1 });
    expect(server.questions.filter((q) => q === 'TXT ip4only.example.org')).toHaveLength(2);
  });

  test('pairs beyond maxPairs are skipped and counted, in target order', async () => {
    const cycle = await runAuthChecks(targets, domains, lookup().lookup, { maxPairs: 4, concurrency: 2 });
    expect(cycle.pairs.map((p) => `${p.ip} ${p.domain}`)).toEqual([
      `${IP6} ip4only.example.org`, `${IP6} chain.example.org`, `${IP6} example.org`, `${IP4} ip4only.example.org`,
    ]);
    expect(cycle.skipped).toBe(5);
  });

  test('ready needs FCrDNS and (SPF pass or a valid DKIM key)', async () => {
    const cycle = await runAuthChecks(targets, domains, lookup().lookup, { maxPairs: 100, concurrency: 4 });
    const ready = Object.fromEntries(cycle.pairs.map((p) => [`${p.ip} ${p.domain}`, p.ready]));
    expect(ready).toEqual({
      [`${IP6} ip4only.example.org`]: false,
      [`${IP6} chain.example.org`]: true,
      [`${IP6} example.org`]: true, // SPF none, but a valid DKIM key
      [`${IP4} ip4only.example.org`]: true,
      [`${IP4} chain.example.org`]: true,
      [`${IP4} example.org`]: true,
      ['2001:db8::26 ip4only.example.org']: false, // no FCrDNS
      ['2001:db8::26 chain.example.org']: false,
      ['2001:db8::26 example.org']: false,
    });
    expect(cycle.pairs.find((p) => p.ip === IP6 && p.domain === 'example.org')?.spf.result).toBe('none');
    const spfFail = { result: 'fail', record: null, error: null, explanation: '' } as const;
    expect(isReady(true, spfFail, [{ selector: 's', status: 'valid', bits: 2048, key_type: 'rsa', error: null }])).toBe(true);
    expect(isReady(true, spfFail, [{ selector: 's', status: 'weak', bits: 512, key_type: 'rsa', error: null }])).toBe(false);
  });

  test('authEntries gives one IP its domains with DKIM, DMARC and advice', async () => {
    const cycle = await runAuthChecks(targets, domains, lookup().lookup, { maxPairs: 100, concurrency: 4 });
    const entries = authEntries(IP6, cycle);
    expect(entries.map((e) => e.domain)).toEqual(['ip4only.example.org', 'chain.example.org', 'example.org']);
    expect(entries[0]).toMatchObject({
      spf: { result: 'fail', record: 'v=spf1 ip4:192.0.2.0/24 -all' },
      dkim: [],
      dmarc: { status: 'present', policy: 'reject' },
      ready: false,
      advice: expect.stringContaining('add ip6:2001:db8::/64'),
    });
    expect(entries[1]).toMatchObject({ spf: { result: 'pass' }, dkim: [{ selector: 'nokey', status: 'missing' }], dmarc: { status: 'missing' }, ready: true, advice: null });
    expect(entries[2]).toMatchObject({ spf: { result: 'none' }, dkim: [{ selector: 's2048', status: 'valid', bits: 2048 }], ready: true });
  });

  test('no domains: no checks, no queries', async () => {
    server.questions.length = 0;
    expect(await runAuthChecks(targets, [], lookup().lookup, { maxPairs: 100, concurrency: 4 })).toEqual({ pairs: [], domains: [], skipped: 0 });
    expect(server.questions).toEqual([]);
  });
});
