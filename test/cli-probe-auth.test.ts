import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthEntry } from '../src/auth/types.js';
import { IP4, IP6, REFUSED_NAME, SPF_CASES, authZone, startAuthServers, type AuthServers } from './support/auth-zones.js';
import { runCli } from './support/cli-process.js';

// `ptr-exporter probe IP... --domain D --dkim-selector S` through the built CLI, against the in-process DNS server and NSD.

const SELECTORS = ['s2048', 'ed', 'revoked', 'weak', 'broken', 'nokey'];

interface Result { ip: string; status: string; auth: AuthEntry[] }

const zone = authZone();
let servers: AuthServers;
beforeAll(async () => {
  servers = await startAuthServers(zone);
});
afterAll(async () => {
  await servers?.close();
});

async function probe(server: string, ...args: string[]): Promise<{ code: number | null; stdout: string; results: () => Result[] }> {
  const { code, stdout, stderr } = await runCli(['probe', '--dns.server', server, ...args]);
  return {
    code,
    stdout,
    results: () => {
      try {
        return JSON.parse(stdout) as Result[];
      } catch {
        throw new Error(`no JSON (exit ${code}); stdout:\n${stdout}\nstderr:\n${stderr}`);
      }
    },
  };
}

describe.concurrent.each([
  ['the in-process server', () => servers.inProcess.address],
  ['NSD', () => servers.nsd.address],
])('probe --json --domain against %s', (_name, server) => {
  it('gives every SPF, DKIM and DMARC case its RFC result, readiness and advice, and exits 1', { timeout: 30_000 }, async () => {
    const domains = [...SPF_CASES.map(([d]) => d), 'example.org'];
    const run = await probe(server(), '--json', IP6, IP4, ...domains.flatMap((d) => ['--domain', d]), ...SELECTORS.flatMap((s) => ['--dkim-selector', s]));
    const [v6, v4] = run.results();
    expect([v6!.ip, v6!.status, v4!.ip, v4!.status]).toEqual([IP6, 'pass', IP4, 'pass']);
    for (const r of [v6!, v4!]) expect(r.auth.map((e) => e.domain)).toEqual(domains);
    const spf = (r: Result) => Object.fromEntries(r.auth.map((e) => [e.domain, e.spf.result]));
    expect(spf(v6!)).toEqual({ ...Object.fromEntries(SPF_CASES.map(([d, six]) => [d, six])), 'example.org': 'none' });
    expect(spf(v4!)).toEqual({ ...Object.fromEntries(SPF_CASES.map(([d, , four]) => [d, four])), 'example.org': 'none' });

    const org = v6!.auth.find((e) => e.domain === 'example.org')!;
    expect(org.dkim.map((d) => [d.selector, d.status, d.bits])).toEqual([
      ['s2048', 'valid', 2048], ['ed', 'valid', null], ['revoked', 'revoked', null], ['weak', 'weak', 512], ['broken', 'invalid', null], ['nokey', 'missing', null],
    ]);
    expect(org.ready).toBe(true); // SPF none, but valid DKIM keys

    const dmarc = Object.fromEntries(v6!.auth.map((e) => [e.domain, [e.dmarc.status, e.dmarc.policy]]));
    expect(dmarc).toMatchObject({
      'ip4only.example.org': ['present', 'reject'], 'both.example.org': ['present', 'none'], 'soft.example.org': ['present', 'quarantine'],
      'syntax.example.org': ['invalid', null], 'neutral.example.org': ['missing', null],
    });

    const ip4only = v6!.auth.find((e) => e.domain === 'ip4only.example.org')!;
    expect(ip4only).toMatchObject({ spf: { result: 'fail', record: 'v=spf1 ip4:192.0.2.0/24 -all', error: null }, ready: false });
    expect(ip4only.advice).toContain('add ip6:2001:db8::/64');
    const refused = v6!.auth.find((e) => e.domain === 'refused.example.org')!;
    expect(refused.spf.error).toContain(REFUSED_NAME);
    expect(refused.advice).toContain('not an SPF failure');
    expect(run.code).toBe(1);
  });
});

describe.concurrent('probe --domain exit codes and table', { timeout: 20_000 }, () => {
  it('exits 0 when FCrDNS and SPF pass and no selector is given', async () => {
    const run = await probe(servers.inProcess.address, '--json', IP6, IP4, '--domain', 'both.example.org');
    expect(run.results().map((r) => r.auth.map((e) => [e.spf.result, e.ready]))).toEqual([[['pass', true]], [['pass', true]]]);
    expect(run.code).toBe(0);
  });

  it('exits 1 when a given selector is not valid, even with SPF pass', async () => {
    const run = await probe(servers.inProcess.address, '--json', IP6, '--domain', 'both.example.org', '--dkim-selector', 's2048');
    expect(run.results()[0]!.auth[0]).toMatchObject({ spf: { result: 'pass' }, dkim: [{ selector: 's2048', status: 'missing' }], ready: true });
    expect(run.code).toBe(1);
  });

  it('without --domain the auth array is empty', async () => {
    const run = await probe(servers.inProcess.address, '--json', IP6);
    expect(run.results()[0]!.auth).toEqual([]);
    expect(run.code).toBe(0);
  });

  it('tells the user the exact ip6: mechanism to add for an IPv4-only SPF record', async () => {
    const run = await probe(servers.inProcess.address, IP6, '--domain', 'ip4only.example.org', '--domain', 'example.org', '--dkim-selector', 'weak');
    const lines = run.stdout.split('\n');
    const row = lines.findIndex((l) => /^2001:db8::25\s+ip4only\.example\.org\s+fail\s+weak=missing\s+present\/reject\s+no$/.test(l));
    expect(row, run.stdout).toBeGreaterThan(0);
    expect(lines[row + 1]).toBe('  spf: v=spf1 ip4:192.0.2.0/24 -all');
    expect(lines[row + 2]).toBe('  fix: 2001:db8::25 sends for ip4only.example.org, whose SPF record lists only IPv4: add ip6:2001:db8::/64 '
      + '(the record becomes "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/64 -all").');
    expect(run.stdout).toContain('fix: The DKIM key at weak._domainkey.example.org has 512 bits; Gmail requires at least 1024');
    expect(run.code).toBe(1);
  });

  it('rejects a bad --domain, a bad selector and a selector without a domain with exit 2', async () => {
    for (const args of [['--domain', 'not a domain'], ['--domain', 'example.org', '--dkim-selector', 'bad selector'], ['--dkim-selector', 's1']]) {
      const { code, stderr } = await runCli(['probe', IP6, ...args]);
      expect(stderr, args.join(' ')).toMatch(/--domain|--dkim-selector/);
      expect(code, args.join(' ')).toBe(2);
    }
  });
});
