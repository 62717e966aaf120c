import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cachedLookup } from '../src/auth/dns.js';
import { checkDkim, checkDmarc } from '../src/auth/key-records.js';
import { checkSpf } from '../src/auth/spf.js';
import { createResolver } from '../src/probe/resolver.js';
import { IP4, IP6, REFUSED_NAME, SPF_CASES, authZone, startAuthServers, type AuthServers } from './support/auth-zones.js';

let servers: AuthServers;
const zone = authZone();

beforeAll(async () => {
  // NSD refuses every name of example.com, a zone it does not serve.
  servers = await startAuthServers(zone, [REFUSED_NAME, 's1._domainkey.example.com', '_dmarc.example.com']);
});
afterAll(async () => {
  await servers?.close();
});

const SERVERS = [['the in-process server', () => servers.inProcess.address], ['NSD', () => servers.nsd.address]] as const;

describe.each(SERVERS)('against %s', (_name, address) => {
  /** A fresh cycle cache over the server. */
  const lookup = () => cachedLookup(createResolver({ servers: [address()], timeoutMs: 1000, attempts: 1 })).lookup;
  const spf = (ip: string, domain: string) => checkSpf(ip, domain, lookup());

  test.each(SPF_CASES)('SPF of %s: IPv6 %s, IPv4 %s', async (domain, v6, v4) => {
    expect((await spf(IP6, domain)).result).toBe(v6);
    expect((await spf(IP4, domain)).result).toBe(v4);
  });

  test('SPF keeps the record text, the library explanation and the error', async () => {
    const fail = await spf(IP6, 'ip4only.example.org');
    expect(fail).toMatchObject({ record: 'v=spf1 ip4:192.0.2.0/24 -all', error: null });
    expect(fail.explanation).toContain(`does not designate ${IP6}`);
    expect(await spf(IP6, 'nospf.example.org')).toMatchObject({ record: null });
    expect((await spf(IP6, 'two.example.org')).error).toMatch(/multiple SPF records/);
    expect((await spf(IP6, 'loop.example.org')).error).toMatch(/too many DNS requests/i);
    expect((await spf(IP6, 'syntax.example.org')).error).toMatch(/bogus/);
    const temp = await spf(IP6, 'refused.example.org');
    expect(temp.error).toContain(REFUSED_NAME);
    expect(temp.record).toContain('include:');
  });

  test.each([
    ['s2048', 'valid', 2048, 'rsa'],
    ['ed', 'valid', null, 'ed25519'],
    ['revoked', 'revoked', null, null],
    ['weak', 'weak', 512, 'rsa'],
    ['broken', 'invalid', null, null],
    ['nokey', 'missing', null, null],
  ] as const)('DKIM selector %s is %s', async (selector, status, bits, keyType) => {
    expect(await checkDkim('example.org', selector, lookup())).toMatchObject({ selector, status, bits, key_type: keyType });
  });

  test.each([
    ['ip4only.example.org', 'present', 'reject'],
    ['both.example.org', 'present', 'none'],
    ['soft.example.org', 'present', 'quarantine'],
    ['syntax.example.org', 'invalid', null],
    ['two.example.org', 'invalid', null],
    ['neutral.example.org', 'missing', null],
  ] as const)('DMARC of %s is %s', async (domain, status, policy) => {
    expect(await checkDmarc(domain, lookup())).toMatchObject({ status, policy });
  });

  test('DKIM and DMARC of a refused zone are temperror, not missing', async () => {
    expect(await checkDkim('example.com', 's1', lookup())).toMatchObject({ status: 'temperror' });
    expect(await checkDmarc('example.com', lookup())).toMatchObject({ status: 'temperror' });
  });
});
