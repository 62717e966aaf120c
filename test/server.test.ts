import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { Exporter } from '../src/exporter/exporter.js';
import { silentLogger } from '../src/logger.js';
import { buildServer } from '../src/server/app.js';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';

let dns: TestDnsServer;
let exporter: Exporter;
let app: ReturnType<typeof buildServer>;
let reloadAnswer: string | null = null;

function config(extraTargets = '') {
  return parseConfig(`
dns: { servers: ["${dns.address}"], timeout: 300ms, attempts: 1 }
probe: { schedule: "0 0 1 1 *", run_on_start: false }
discover: { interfaces: false, egress: false }
logs: []
targets:
  - ip: 192.0.2.25
    helo: mail.example.com
  - ip: 2001:db8::26
  - ip: 192.0.2.66
${extraTargets}`);
}

beforeAll(async () => {
  dns = await startDnsServer({
    records: [
      { name: '25.2.0.192.in-addr.arpa', type: 'PTR', data: 'mail.example.com' },
      { name: 'mail.example.com', type: 'A', data: '192.0.2.25' },
      { name: '6.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', type: 'PTR', data: 'x<script>alert</script>.example.com' },
      { name: '66.2.0.192.in-addr.arpa', type: 'PTR', data: 'slow.example.com' },
    ],
  });
  exporter = new Exporter(config(), '9.9.9', silentLogger);
  app = buildServer({ exporter, reload: async () => reloadAnswer });
  await exporter.start();
});

afterAll(async () => {
  await app.close();
  await exporter.stop();
  await dns.close();
});

describe('HTTP endpoints', () => {
  it('is healthy at once and ready only after the first cycle', async () => {
    expect((await app.inject('/-/healthy')).statusCode).toBe(200);
    const before = await app.inject('/-/ready');
    expect(before.statusCode).toBe(503);
    expect(before.body).toContain('first probe cycle');
    dns.setFault('slow.example.com', 'servfail');
    await exporter.probes.runNow();
    expect((await app.inject('/-/ready')).statusCode).toBe(200);
  });

  it('serves the prober metrics', async () => {
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const body = res.body;
    expect(body).toContain('ptr_probe_success{ip="192.0.2.25",family="ipv4"} 1');
    expect(body).toContain('ptr_probe_status{ip="2001:db8::26",family="ipv6",status="no_forward"} 1');
    expect(body).toContain('ptr_probe_status{ip="192.0.2.66",family="ipv4",status="temperror"} 1');
    expect(body).toContain('ptr_probes_total{ip="192.0.2.25",family="ipv4",status="pass"} 1');
    expect(body).toContain('ptr_hostname_info{ip="192.0.2.25",family="ipv4",hostname="mail.example.com",confirmed="true"} 1');
    expect(body).toContain('ptr_target_info{ip="192.0.2.25",family="ipv4",source="config",kind="documentation",helo="mail.example.com"} 1');
    expect(body).toContain('ptr_targets 3');
    expect(body).toContain('ptr_exporter_build_info{version="9.9.9",revision="unknown",node_version="' + process.version + '"} 1');
    expect(body).toContain('ptr_exporter_config_last_reload_successful 1');
    expect(body).toMatch(/# HELP ptr_probe_success .*cached between scrapes/);
    expect(body).not.toContain('nodejs_active_handles_total');
    // temperror with no earlier verdict publishes no last definite status
    expect(body).not.toContain('ptr_probe_last_definite_status{ip="192.0.2.66"');
  });

  it('keeps the last definite status through a temperror', async () => {
    dns.setFault('25.2.0.192.in-addr.arpa', 'servfail');
    await exporter.probes.runNow();
    dns.setFault('25.2.0.192.in-addr.arpa', null);
    const body = (await app.inject('/metrics')).body;
    expect(body).toContain('ptr_probe_status{ip="192.0.2.25",family="ipv4",status="temperror"} 1');
    expect(body).toContain('ptr_probe_success{ip="192.0.2.25",family="ipv4"} 0');
    expect(body).toContain('ptr_probe_last_definite_status{ip="192.0.2.25",family="ipv4",status="pass"} 1');
    expect(body).toContain('ptr_hostname_info{ip="192.0.2.25",family="ipv4",hostname="mail.example.com",confirmed="true"} 1');
  });

  it('answers the status JSON: targets with their probe results, logs with path, open and lines', async () => {
    const res = await app.inject('/api/v1/status');
    expect(res.statusCode).toBe(200);
    const json = res.json<{ targets: Record<string, unknown>[]; logs: unknown[] }>();
    expect(json.logs).toEqual([]);
    const t = json.targets.find((x) => x.ip === '2001:db8::26')!;
    expect(t).toMatchObject({ family: 'ipv6', status: 'no_forward', iprev: 'fail', ptr: ['x<script>alert</script>.example.com'], confirmed: [], source: 'config', kind: 'documentation' });
    expect(typeof t.last_checked).toBe('string');
  });

  it('escapes DNS-derived text on the landing page', async () => {
    const res = await app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).not.toContain('<script>');
    expect(res.body).toContain('x&lt;script&gt;alert&lt;/script&gt;.example.com');
    expect(res.body).toContain('data-ip="192.0.2.66"');
    expect(res.body).toContain('9.9.9');
  });

  it('removes every series of a target that disappears', async () => {
    await exporter.reload(parseConfig(`
dns: { servers: ["${dns.address}"], timeout: 300ms, attempts: 1 }
probe: { schedule: "0 0 1 1 *", run_on_start: false }
discover: { interfaces: false, egress: false }
logs: []
targets: [{ ip: 192.0.2.25 }]
`));
    await exporter.probes.runNow();
    const body = (await app.inject('/metrics')).body;
    expect(body).not.toContain('2001:db8::26');
    expect(body).not.toContain('192.0.2.66');
    expect(body).toContain('ptr_targets 1');
    expect(body).toContain('ptr_target_info{ip="192.0.2.25",family="ipv4",source="config",kind="documentation",helo=""} 1');
    expect(body).not.toContain('helo="mail.example.com"');
  });

  it('answers POST /-/reload with the outcome', async () => {
    reloadAnswer = null;
    expect((await app.inject({ method: 'POST', url: '/-/reload' })).statusCode).toBe(200);
    reloadAnswer = 'bad.yml: dns.attempts: 0 must be at least 1';
    const res = await app.inject({ method: 'POST', url: '/-/reload' });
    expect(res.statusCode).toBe(500);
    expect(res.body).toContain('dns.attempts: 0 must be at least 1');
    expect((await app.inject('/-/reload')).statusCode).toBe(404);
  });
});
