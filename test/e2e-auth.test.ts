import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IP4, IP6, authZone, startAuthServers, type AuthServers } from './support/auth-zones.js';
import { serve, waitFor, type Served } from './support/cli-process.js';
import { find, parseMetrics, value, type Sample } from './support/metrics-text.js';
import { promtoolCheck } from './support/promtool.js';

// `serve` with domains: SPF, DKIM, DMARC and readiness on /metrics, /api/v1/status and the status page, through the
// built CLI against the in-process DNS server and NSD.

/** Domain -> SPF result for IP6 and IP4. */
const SPF: Record<string, [string, string]> = {
  'ip4only.example.org': ['fail', 'pass'],
  'both.example.org': ['pass', 'pass'],
  'soft.example.org': ['softfail', 'softfail'],
  'neutral.example.org': ['neutral', 'neutral'],
  'chain.example.org': ['pass', 'pass'],
  'mx.example.org': ['pass', 'pass'],
  'ahost.example.org': ['fail', 'pass'],
  'nospf.example.org': ['none', 'none'],
  'two.example.org': ['permerror', 'permerror'],
  'loop.example.org': ['permerror', 'permerror'],
  'syntax.example.org': ['permerror', 'permerror'],
  'refused.example.org': ['temperror', 'temperror'],
  'example.org': ['none', 'none'],
};
const SPF_RESULTS = ['pass', 'fail', 'softfail', 'neutral', 'none', 'permerror', 'temperror'];
const DKIM = { s2048: 'valid', ed: 'valid', revoked: 'revoked', weak: 'weak', broken: 'invalid', nokey: 'missing' };
const DMARC: Record<string, [string, string]> = {
  'ip4only.example.org': ['present', 'reject'], 'both.example.org': ['present', 'none'], 'soft.example.org': ['present', 'quarantine'],
  'syntax.example.org': ['invalid', ''], 'two.example.org': ['invalid', ''], 'neutral.example.org': ['missing', ''],
};

const zone = authZone();
let dir: string;
let servers: AuthServers;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptr e2e auth '));
  servers = await startAuthServers(zone);
});
afterAll(async () => {
  await servers?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Starts serve on a config with IP4 and IP6 as targets and `domains`, and waits for the first cycle. */
async function start(name: string, dnsServer: string, domains: string[], extra: string[] = []): Promise<Served & { file: string }> {
  const file = join(dir, `${name}.yml`);
  await writeFile(file, [
    'web:', '  listen_address: 127.0.0.1:0',
    'dns:', `  servers: ["${dnsServer}"]`, '  timeout: 1s', '  attempts: 1',
    'probe:', '  schedule: "0 0 1 1 *"',
    'discover:', '  interfaces: false', '  egress: false', '  from_logs: false',
    'logs: []',
    'targets:', `  - ip: ${IP4}`, `  - ip: ${IP6}`,
    'domains:', ...domains,
    ...extra, '',
  ].join('\n'));
  const served = await serve(file);
  await waitFor('/-/ready answering 200', served, async () => (await fetch(`${served.base}/-/ready`)).status === 200, 20_000);
  return Object.assign(served, { file });
}

/** The samples of a running serve's /metrics. */
async function scrape(served: Served): Promise<Sample[]> {
  return parseMetrics(await (await fetch(`${served.base}/metrics`)).text());
}

describe.each([
  ['the in-process server', () => servers.inProcess.address],
  ['NSD', () => servers.nsd.address],
])('serve with domains against %s', (name, address) => {
  let served: Served;
  let text: string;
  let samples: Sample[];

  beforeAll(async () => {
    const domains = Object.keys(SPF).map((d) => (d === 'example.org' ? `  - { name: ${d}, dkim_selectors: [${Object.keys(DKIM).join(', ')}] }` : `  - name: ${d}`));
    served = await start(name.replace(/\W/g, '-'), address(), domains);
    text = await (await fetch(`${served.base}/metrics`)).text();
    samples = parseMetrics(text);
  }, 30_000);
  afterAll(() => {
    if (served && served.child.exitCode === null) served.child.kill('SIGKILL');
  });

  it('gives every (IP, domain) exactly its RFC 7208 result in ptr_spf_status', () => {
    for (const [domain, [v6, v4]] of Object.entries(SPF)) {
      for (const [ip, family, expected] of [[IP6, 'ipv6', v6], [IP4, 'ipv4', v4]] as const) {
        for (const result of SPF_RESULTS) {
          expect(value(samples, 'ptr_spf_status', { ip, family, domain, result }), `${ip} ${domain} ${result}`).toBe(result === expected ? 1 : 0);
        }
      }
    }
  });

  it('keeps temperror out of ptr_spf_last_definite_status', () => {
    for (const [domain, [v6, v4]] of Object.entries(SPF)) {
      for (const [ip, expected] of [[IP6, v6], [IP4, v4]] as const) {
        const definite = find(samples, 'ptr_spf_last_definite_status', { ip, domain });
        if (expected === 'temperror') expect(definite, `${ip} ${domain}`).toEqual([]);
        else expect(definite.filter((s) => s.value === 1).map((s) => s.labels.result), `${ip} ${domain}`).toEqual([expected]);
        expect(definite.some((s) => s.labels.result === 'temperror')).toBe(false);
      }
    }
  });

  it('reports DKIM keys, DMARC records and readiness', () => {
    for (const [selector, status] of Object.entries(DKIM)) {
      expect(find(samples, 'ptr_dkim_key_status', { domain: 'example.org', selector }).filter((s) => s.value === 1).map((s) => s.labels.status), selector).toEqual([status]);
    }
    for (const [domain, [status, policy]] of Object.entries(DMARC)) expect(value(samples, 'ptr_dmarc_status', { domain, status, policy }), domain).toBe(1);
    expect(find(samples, 'ptr_dmarc_status', { domain: 'ip4only.example.org' }).filter((s) => s.value === 1)).toHaveLength(1);
    expect(value(samples, 'ptr_sending_ready', { ip: IP6, domain: 'ip4only.example.org' })).toBe(0);
    expect(value(samples, 'ptr_sending_ready', { ip: IP4, domain: 'ip4only.example.org' })).toBe(1);
    expect(value(samples, 'ptr_sending_ready', { ip: IP6, domain: 'both.example.org' })).toBe(1);
    expect(value(samples, 'ptr_sending_ready', { ip: IP6, domain: 'example.org' })).toBe(1); // SPF none, valid DKIM key
    expect(value(samples, 'ptr_sending_ready', { ip: IP6, domain: 'refused.example.org' })).toBe(0);
    expect(value(samples, 'ptr_auth_pairs_skipped_total')).toBe(0);
  });

  it('passes `promtool check metrics` with nothing reported', async () => {
    const { code, output } = await promtoolCheck(text);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('shows the pairs in /api/v1/status and the IPv4-only SPF record in the status page banner', async () => {
    const status = await (await fetch(`${served.base}/api/v1/status`)).json() as { auth: { ip: string; domain: string; spf: { result: string }; spf_last_definite: string | null; ready: boolean; advice: string | null }[] };
    expect(status.auth).toHaveLength(2 * Object.keys(SPF).length);
    expect(status.auth.find((a) => a.ip === IP6 && a.domain === 'refused.example.org')).toMatchObject({ spf: { result: 'temperror' }, spf_last_definite: null, ready: false });
    const html = await (await fetch(`${served.base}/`)).text();
    const banner = /<div class="verdict fail" id="verdict"[\s\S]*?<\/div>/.exec(html)?.[0] ?? '';
    expect(banner).toContain('2001:db8::25 sends for ip4only.example.org, whose SPF record lists only IPv4: add ip6:2001:db8::/64');
    expect(banner).toContain('passes reverse DNS but neither SPF nor DKIM');
    expect(banner).not.toContain('refused.example.org'); // temperror is unknown, not a failure
    expect(banner).not.toContain('for example.org<'); // a valid DKIM key makes it ready
  });
});

describe('serve with more pairs than limits.max_auth_pairs', () => {
  it('checks the first pairs in target order and counts the rest as skipped', async () => {
    const served = await start('limit', servers.inProcess.address, ['  - name: ip4only.example.org', '  - name: both.example.org'], ['limits:', '  max_auth_pairs: 3']);
    try {
      const samples = parseMetrics(await (await fetch(`${served.base}/metrics`)).text());
      expect(value(samples, 'ptr_auth_pairs_skipped_total')).toBe(1);
      const pairs = [...new Set(find(samples, 'ptr_spf_status').map((s) => `${s.labels.ip} ${s.labels.domain}`))];
      expect(pairs).toEqual([`${IP4} ip4only.example.org`, `${IP4} both.example.org`, `${IP6} ip4only.example.org`]);
    } finally {
      served.child.kill('SIGKILL');
    }
  }, 30_000);
});

describe('serve reloading a config with other domains', () => {
  it('checks the new domains in the next cycle and drops the series of the old ones', async () => {
    const served = await start('reload', servers.inProcess.address, ['  - name: ip4only.example.org'], []);
    try {
      expect(value(await scrape(served), 'ptr_spf_status', { ip: IP6, domain: 'ip4only.example.org', result: 'fail' })).toBe(1);
      const text = await readFile(served.file, 'utf8');
      await writeFile(served.file, text.replace('schedule: "0 0 1 1 *"', 'schedule: "* * * * * *"').replace('  - name: ip4only.example.org', '  - { name: both.example.org, dkim_selectors: [s1] }'));
      expect((await fetch(`${served.base}/-/reload`, { method: 'POST' })).status).toBe(200);
      await waitFor('both.example.org checked', served, async () => find(await scrape(served), 'ptr_spf_status', { domain: 'both.example.org' }).length > 0, 15_000);
      const samples = await scrape(served);
      expect(find(samples, 'ptr_spf_status', { domain: 'ip4only.example.org' })).toEqual([]);
      expect(find(samples, 'ptr_dmarc_status', { domain: 'ip4only.example.org' })).toEqual([]);
      expect(value(samples, 'ptr_spf_status', { ip: IP6, domain: 'both.example.org', result: 'pass' })).toBe(1);
      expect(value(samples, 'ptr_dkim_key_status', { domain: 'both.example.org', selector: 's1', status: 'missing' })).toBe(1);
    } finally {
      served.child.kill('SIGKILL');
    }
  }, 40_000);
});
