import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNsd, type NsdServer } from './support/nsd-server.js';
import { runCli, serve, terminate, waitFor, type Served } from './support/cli-process.js';
import { find, parseMetrics, value, type Sample } from './support/metrics-text.js';
import { promtoolCheck } from './support/promtool.js';
import { closedPort } from './support/ports.js';

// End to end: the built CLI (dist/, built by `npm test`'s pretest) against a real NSD, over real HTTP.

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const REV6_25 = '5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.';
const REV6_26 = '6.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.';

/** IP -> what the probe must find. */
const EXPECTED = {
  '192.0.2.25': { family: 'ipv4', status: 'pass', iprev: 'pass', ptr: ['mail.example.com'], confirmed: ['mail.example.com'] },
  '192.0.2.26': { family: 'ipv4', status: 'no_ptr', iprev: 'permerror', ptr: [], confirmed: [] },
  '192.0.2.27': { family: 'ipv4', status: 'mismatch', iprev: 'fail', ptr: ['bad.example.com'], confirmed: [] },
  '2001:db8::25': { family: 'ipv6', status: 'pass', iprev: 'pass', ptr: ['mail6.example.com'], confirmed: ['mail6.example.com'] },
  '2001:db8::26': { family: 'ipv6', status: 'no_forward', iprev: 'fail', ptr: ['nov6.example.com'], confirmed: [] },
} as const;
type Ip = keyof typeof EXPECTED;
const IPS = Object.keys(EXPECTED) as Ip[];
const STATUSES = ['pass', 'no_ptr', 'no_forward', 'mismatch', 'helo_mismatch', 'temperror'];

const get = (served: Served, path: string): Promise<Response> => fetch(`${served.base}${path}`);

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptr e2e '));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('serve against a real NSD', () => {
  let nsd: NsdServer;
  let served: Served;
  let metricsText: string;
  let samples: Sample[];

  beforeAll(async () => {
    nsd = await startNsd({
      zones: [
        { origin: '2.0.192.in-addr.arpa', records: ['25 IN PTR mail.example.com.', '27 IN PTR bad.example.com.'] },
        { origin: '8.b.d.0.1.0.0.2.ip6.arpa', records: [`${REV6_25} IN PTR mail6.example.com.`, `${REV6_26} IN PTR nov6.example.com.`] },
        {
          origin: 'example.com',
          records: ['mail IN A 192.0.2.25', 'bad IN A 198.51.100.1', 'mail6 IN AAAA 2001:db8::25', 'nov6 IN A 192.0.2.200'],
        },
      ],
    });
    const configFile = join(dir, 'good config.yml');
    await writeFile(configFile, [
      'web:',
      '  listen_address: 127.0.0.1:0',
      'dns:',
      `  servers: ["${nsd.address}"]`,
      '  timeout: 1s',
      'probe:',
      '  schedule: "*/10 * * * * *"',
      '  run_on_start: true',
      'discover:',
      '  interfaces: false',
      '  egress: false',
      'logs: []',
      'targets:',
      '  - ip: 192.0.2.25',
      '    helo: mail.example.com',
      '  - ip: 192.0.2.26',
      '  - ip: 192.0.2.27',
      '  - ip: 2001:db8::25',
      '  - ip: 2001:db8::26',
      '',
    ].join('\n'));
    served = await serve(configFile);
    await waitFor('/-/ready answering 200', served, async () => (await get(served, '/-/ready')).status === 200);
    const res = await get(served, '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    metricsText = await res.text();
    samples = parseMetrics(metricsText);
  }, 20_000);

  afterAll(async () => {
    if (served && served.child.exitCode === null) served.child.kill('SIGKILL');
    await nsd?.stop();
  });

  it('reports ptr_probe_success and exactly one ptr_probe_status per IP', () => {
    for (const ip of IPS) {
      const { family, status } = EXPECTED[ip];
      expect(value(samples, 'ptr_probe_success', { ip, family }), ip).toBe(status === 'pass' ? 1 : 0);
      for (const s of STATUSES) expect(value(samples, 'ptr_probe_status', { ip, family, status: s }), `${ip} ${s}`).toBe(s === status ? 1 : 0);
      expect(value(samples, 'ptr_probe_last_definite_status', { ip, family, status })).toBe(1);
      expect(find(samples, 'ptr_probe_last_definite_status', { ip }).reduce((sum, s) => sum + s.value, 0)).toBe(1);
      expect(find(samples, 'ptr_probe_last_definite_status', { ip, status: 'temperror' })).toEqual([]);
      expect(value(samples, 'ptr_probes_total', { ip, family, status })).toBeGreaterThanOrEqual(1);
      expect(value(samples, 'ptr_probe_timestamp_seconds', { ip, family })).toBeGreaterThan(0);
    }
  });

  it('names the PTR hosts in ptr_hostname_info with confirmed true or false', () => {
    expect(value(samples, 'ptr_hostname_info', { ip: '192.0.2.25', hostname: 'mail.example.com', confirmed: 'true' })).toBe(1);
    expect(value(samples, 'ptr_hostname_info', { ip: '192.0.2.27', hostname: 'bad.example.com', confirmed: 'false' })).toBe(1);
    expect(value(samples, 'ptr_hostname_info', { ip: '2001:db8::25', family: 'ipv6', hostname: 'mail6.example.com', confirmed: 'true' })).toBe(1);
    expect(value(samples, 'ptr_hostname_info', { ip: '2001:db8::26', family: 'ipv6', hostname: 'nov6.example.com', confirmed: 'false' })).toBe(1);
    expect(find(samples, 'ptr_hostname_info', { ip: '192.0.2.26' })).toEqual([]);
    expect(find(samples, 'ptr_hostname_info')).toHaveLength(4);
  });

  it('describes the targets and the cycle', () => {
    for (const ip of IPS) {
      const helo = ip === '192.0.2.25' ? 'mail.example.com' : '';
      expect(value(samples, 'ptr_target_info', { ip, family: EXPECTED[ip].family, source: 'config', kind: 'documentation', helo }), ip).toBe(1);
    }
    expect(find(samples, 'ptr_target_info')).toHaveLength(5);
    expect(value(samples, 'ptr_targets')).toBe(5);
    expect(value(samples, 'ptr_probe_cycle_timestamp_seconds')).toBeGreaterThan(0);
    expect(value(samples, 'ptr_exporter_build_info', { version: VERSION, revision: 'unknown', node_version: process.version })).toBe(1);
    expect(value(samples, 'ptr_exporter_config_last_reload_successful')).toBe(1);
    expect(metricsText).toContain('process_cpu_seconds_total');
    expect(metricsText).not.toContain('nodejs_active_handles_total');
    expect(metricsText).not.toMatch(/^nodejs_active_\w+_total\b/m);
  });

  it('passes `promtool check metrics` with nothing reported', async () => {
    const { code, output } = await promtoolCheck(metricsText);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('answers /api/v1/status with the probe results', async () => {
    const res = await get(served, '/api/v1/status');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { targets: Record<string, unknown>[]; logs: unknown[] };
    expect(body.logs).toEqual([]);
    expect(body.targets.map((t) => t.ip)).toEqual(IPS);
    for (const t of body.targets) {
      const want = EXPECTED[t.ip as Ip];
      for (const key of ['ip', 'family', 'status', 'iprev', 'ptr', 'forward', 'confirmed', 'helo', 'duration_seconds', 'error']) expect(t, `${String(t.ip)} ${key}`).toHaveProperty(key);
      expect(t).toMatchObject({ family: want.family, status: want.status, iprev: want.iprev, ptr: want.ptr, confirmed: want.confirmed });
      if (want.status === 'pass') expect(t.error).toBeNull();
      expect(typeof t.duration_seconds).toBe('number');
    }
    const byIp = new Map(body.targets.map((t) => [t.ip, t]));
    expect(byIp.get('192.0.2.25')).toMatchObject({ helo: 'mail.example.com', forward: { 'mail.example.com': ['192.0.2.25'] } });
    expect(byIp.get('192.0.2.26')).toMatchObject({ helo: null, forward: {} });
    expect(byIp.get('192.0.2.27')).toMatchObject({ forward: { 'bad.example.com': ['198.51.100.1'] } });
    expect(byIp.get('2001:db8::25')).toMatchObject({ forward: { 'mail6.example.com': ['2001:db8::25'] } });
    expect((byIp.get('2001:db8::26')!.forward as Record<string, string[]>)['nov6.example.com'] ?? []).toEqual([]);
  });

  it('is healthy and shows every IP on the landing page', async () => {
    expect((await get(served, '/-/healthy')).status).toBe(200);
    const res = await get(served, '/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    for (const ip of IPS) expect(html, ip).toContain(ip);
  });

  it('exits 0 on SIGTERM', async () => {
    expect(served.child.exitCode).toBeNull();
    expect(await terminate(served)).toBe(0);
  }, 15_000);
});

describe('serve with an unreachable DNS server', () => {
  let served: Served;

  afterAll(() => {
    if (served && served.child.exitCode === null) served.child.kill('SIGKILL');
  });

  it('reports temperror, never no_ptr, and keeps running', async () => {
    const port = await closedPort();
    const configFile = join(dir, 'dead dns.yml');
    await writeFile(configFile, [
      'web: { listen_address: "127.0.0.1:0" }',
      `dns: { servers: ["127.0.0.1:${port}"], timeout: 300ms, attempts: 1 }`,
      'probe: { schedule: "*/2 * * * * *", run_on_start: true }',
      'discover: { interfaces: false, egress: false }',
      'logs: []',
      'targets: [{ ip: 192.0.2.25 }, { ip: 192.0.2.26 }, { ip: "2001:db8::26" }]',
      '',
    ].join('\n'));
    served = await serve(configFile);
    await waitFor('/-/ready answering 200', served, async () => (await get(served, '/-/ready')).status === 200);

    const scrape = async (): Promise<Sample[]> => {
      const res = await get(served, '/metrics');
      expect(res.status).toBe(200);
      return parseMetrics(await res.text());
    };
    const check = (samples: Sample[]): void => {
      for (const ip of ['192.0.2.25', '192.0.2.26', '2001:db8::26']) {
        expect(value(samples, 'ptr_probe_status', { ip, status: 'temperror' }), ip).toBe(1);
        expect(value(samples, 'ptr_probe_status', { ip, status: 'no_ptr' }), ip).toBe(0);
        expect(value(samples, 'ptr_probe_success', { ip })).toBe(0);
        expect(find(samples, 'ptr_probes_total', { ip }).map((s) => s.labels.status)).toEqual(['temperror']);
        expect(find(samples, 'ptr_probe_last_definite_status', { ip })).toEqual([]);
      }
      expect(find(samples, 'ptr_hostname_info')).toEqual([]);
    };

    const first = await scrape();
    check(first);
    const firstCycle = value(first, 'ptr_probe_cycle_timestamp_seconds');
    await waitFor('a second probe cycle', served, async () => value(await scrape(), 'ptr_probe_cycle_timestamp_seconds') > firstCycle);
    const second = await scrape();
    check(second);
    expect(value(second, 'ptr_probes_total', { ip: '192.0.2.26', status: 'temperror' })).toBeGreaterThanOrEqual(2);
    expect(served.child.exitCode).toBeNull();

    const status = (await (await get(served, '/api/v1/status')).json()) as { targets: { ip: string; status: string; iprev: string; error: string | null }[] };
    expect(status.targets).toHaveLength(3);
    for (const t of status.targets) {
      expect(t.status, t.ip).toBe('temperror');
      expect(t.iprev, t.ip).toBe('temperror');
      expect(t.error, t.ip).toEqual(expect.any(String));
    }
    expect(await terminate(served)).toBe(0);
  }, 20_000);
});

describe('check-config', () => {
  it('exits 0 on a valid file', async () => {
    const file = join(dir, 'valid config.yml');
    await writeFile(file, 'dns:\n  servers: ["127.0.0.1:5353", "[::1]:53"]\ntargets:\n  - ip: 192.0.2.25\n    helo: mail.example.com\nlogs: []\n');
    const { code, stdout, stderr } = await runCli(['check-config', file]);
    expect(stderr).toBe('');
    expect(stdout).toContain('OK');
    expect(code).toBe(0);
  });

  it('exits 0 on an empty file', async () => {
    const file = join(dir, 'empty.yml');
    await writeFile(file, '');
    expect((await runCli(['check-config', file])).code).toBe(0);
  });

  it('exits 2 naming every bad field', async () => {
    const file = join(dir, 'bad config.yml');
    await writeFile(file, 'dns:\n  timeout: soon\ntargets:\n  - ip: 192.0.2.300\nweb:\n  listen: ":9808"\n');
    const { code, stderr } = await runCli(['check-config', file]);
    expect(code).toBe(2);
    expect(stderr).toContain('dns.timeout');
    expect(stderr).toContain('targets[0].ip');
    expect(stderr).toContain('web.listen');
  });

  it('exits 2 on a missing file, naming it', async () => {
    const file = join(dir, 'no such file.yml');
    const { code, stderr } = await runCli(['check-config', file]);
    expect(code).toBe(2);
    expect(stderr).toContain(file);
  });
});
