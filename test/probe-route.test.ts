import { readdirSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config/config.js';
import { parseConfig } from '../src/config/load.js';
import { ConcurrencyGate } from '../src/server/concurrency-gate.js';
import { MAX_PROBE_MS, MIN_PROBE_MS, parseProbeQuery, probeDeadlineMs, registerProbeRoute } from '../src/server/probe-route.js';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';

let dns: TestDnsServer;
let silent: TestDnsServer;
let app: FastifyInstance;
let config: Config;

function configFor(server: TestDnsServer, probeEndpoint: string, dnsExtra = 'timeout: 300ms, attempts: 1'): Config {
  return parseConfig(`
dns: { servers: ["${server.address}"], ${dnsExtra} }
discover: { interfaces: false, egress: false }
logs: []
probe_endpoint: ${probeEndpoint}
`);
}

const ALLOWED = '{ enabled: true, allowed_networks: ["192.0.2.0/24", "2001:db8::/32"] }';

beforeAll(async () => {
  dns = await startDnsServer({
    records: [
      { name: '25.2.0.192.in-addr.arpa', type: 'PTR', data: 'mail.example.com' },
      { name: 'mail.example.com', type: 'A', data: '192.0.2.25' },
    ],
  });
  silent = await startDnsServer({ records: [] });
  silent.setFault('*', 'drop');
  app = Fastify({ logger: false });
  registerProbeRoute(app, () => config);
});

afterAll(async () => {
  await app.close();
  await dns.close();
  await silent.close();
});

describe('GET /probe', () => {
  it('answers a fresh registry for a passing target', async () => {
    config = configFor(dns, ALLOWED);
    const res = await app.inject('/probe?target=192.0.2.25');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('ptr_probe_success{ip="192.0.2.25",family="ipv4"} 1');
    expect(res.body).toContain('ptr_probe_status{ip="192.0.2.25",family="ipv4",status="pass"} 1');
    expect(res.body).toContain('ptr_probe_status{ip="192.0.2.25",family="ipv4",status="no_ptr"} 0');
    expect(res.body).toMatch(/^ptr_probe_duration_seconds\{ip="192\.0\.2\.25",family="ipv4"\} [\d.e-]+$/m);
    expect(res.body).not.toContain('ptr_probes_total');
  });

  it('reports no_ptr, normalises the target and keeps nothing from earlier requests', async () => {
    config = configFor(dns, ALLOWED);
    const res = await app.inject('/probe?target=2001:DB8:0:0::99');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('ptr_probe_success{ip="2001:db8::99",family="ipv6"} 0');
    expect(res.body).toContain('ptr_probe_status{ip="2001:db8::99",family="ipv6",status="no_ptr"} 1');
    expect(res.body).not.toContain('192.0.2.25');
    const mapped = await app.inject('/probe?target=::ffff:192.0.2.25');
    expect(mapped.body).toContain('ptr_probe_success{ip="192.0.2.25",family="ipv4"} 1');
  });

  it('checks helo', async () => {
    config = configFor(dns, ALLOWED);
    expect((await app.inject('/probe?target=192.0.2.25&helo=MAIL.example.com.')).body).toContain('status="pass"} 1');
    expect((await app.inject('/probe?target=192.0.2.25&helo=other.example.com')).body).toContain('status="helo_mismatch"} 1');
    const bad = await app.inject('/probe?target=192.0.2.25&helo=bad_name!');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toBe('helo "bad_name!" is not a host name\n');
  });

  it('answers 400 with a clear text for a missing, malformed or disallowed target', async () => {
    config = configFor(dns, ALLOWED);
    const queriesBefore = dns.queryCount.udp + dns.queryCount.tcp;
    const malformed = await app.inject('/probe?target=2001:db8::zz');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toContain('text/plain');
    expect(malformed.body).toBe('target "2001:db8::zz" is not an IP address\n');
    const outside = await app.inject('/probe?target=203.0.113.9');
    expect(outside.statusCode).toBe(400);
    expect(outside.body).toBe('target 203.0.113.9 is not in probe_endpoint.allowed_networks\n');
    expect((await app.inject('/probe')).body).toBe('target parameter is missing: use /probe?target=IP\n');
    expect((await app.inject('/probe?target=192.0.2.25&target=192.0.2.26')).body).toBe('target parameter must be given once\n');
    expect(dns.queryCount.udp + dns.queryCount.tcp).toBe(queriesBefore);
  });

  it('answers 400, never a verdict, for a target with an IPv6 zone id', async () => {
    config = configFor(dns, ALLOWED);
    const queriesBefore = dns.queryCount.udp + dns.queryCount.tcp;
    for (const target of ['2001:db8::25%25eth0', '2001:DB8::25%25eth0', 'fe80::1%251']) {
      const res = await app.inject(`/probe?target=${target}`);
      expect(res.statusCode).toBe(400);
      expect(res.body).not.toContain('ptr_probe');
      expect(res.body).toContain('has an IPv6 zone id');
    }
    expect((await app.inject('/probe?target=2001:db8::25%25eth0')).body)
      .toBe('target "2001:db8::25%eth0" has an IPv6 zone id (%eth0): a zone id only names a local interface and means nothing to DNS, so give the address without it\n');
    expect(dns.queryCount.udp + dns.queryCount.tcp).toBe(queriesBefore);
  });

  it('allows nothing while allowed_networks is empty', async () => {
    config = configFor(dns, '{ enabled: true }');
    const res = await app.inject('/probe?target=192.0.2.25');
    expect(res.statusCode).toBe(400);
    expect(res.body).toBe('target 192.0.2.25 is not in probe_endpoint.allowed_networks (the list is empty, so nothing may be probed)\n');
  });

  it('is a 404 while the endpoint is disabled, and follows the config', async () => {
    config = configFor(dns, '{ enabled: false, allowed_networks: ["192.0.2.0/24"] }');
    expect((await app.inject('/probe?target=192.0.2.25')).statusCode).toBe(404);
    config = configFor(dns, ALLOWED);
    expect((await app.inject('/probe?target=192.0.2.25')).statusCode).toBe(200);
  });

  it('answers temperror within the scrape timeout when DNS never answers', async () => {
    config = configFor(silent, ALLOWED, 'timeout: 5s, attempts: 2');
    const res = await app.inject({ url: '/probe?target=192.0.2.25', headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '1' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('ptr_probe_success{ip="192.0.2.25",family="ipv4"} 0');
    expect(res.body).toContain('ptr_probe_status{ip="192.0.2.25",family="ipv4",status="temperror"} 1');
    expect(silent.queryCount.udp).toBeGreaterThan(0);
  });
});

describe('a /probe flood', () => {
  it('keeps probes in flight bounded, answers the excess 503 at once, shares one resolver and stays healthy', async () => {
    const openFiles = (): number => readdirSync('/proc/self/fd').length;
    const gate = new ConcurrencyGate(8, 16);
    const flooded = Fastify({ logger: false });
    flooded.get('/-/healthy', async (_req, reply) => reply.type('text/plain').send('OK\n'));
    registerProbeRoute(flooded, () => config, gate);
    config = configFor(silent, ALLOWED, 'timeout: 1s, attempts: 1'); // every probe waits for its timeout
    const before = openFiles();
    const queriesBefore = silent.queryCount.udp;
    let done = 0;
    const targets = Array.from({ length: 300 }, (_, i) => (i < 250 ? `192.0.2.${i + 1}` : `2001:db8::${i}`));
    const flood = targets.map((t) => flooded.inject(`/probe?target=${t}`).then((res) => {
      done++;
      return res;
    }));
    const healthy = await flooded.inject('/-/healthy');
    expect(healthy.statusCode).toBe(200);
    expect(done).toBeLessThan(targets.length); // answered while the flood is in progress
    expect(gate.inFlight).toBeLessThanOrEqual(8);
    expect(openFiles() - before).toBeLessThan(20);
    const answers = await Promise.all(flood);
    const refused = answers.filter((r) => r.statusCode === 503);
    const probed = answers.filter((r) => r.statusCode === 200);
    expect(refused.length + probed.length).toBe(targets.length);
    expect(refused.length).toBeGreaterThanOrEqual(targets.length - 8 - 16);
    expect(refused[0]!.headers['retry-after']).toBe('1');
    expect(refused[0]!.body).toBe('too many /probe requests: 8 probe at once and 16 may wait; retry later\n');
    expect(probed.every((r) => r.body.includes('status="temperror"} 1'))).toBe(true);
    expect(gate.peakInFlight).toBe(8);
    expect(silent.queryCount.udp - queriesBefore).toBeLessThanOrEqual(8 + 16);
    await flooded.close();
  });
});

describe('probe helpers', () => {
  const dnsSettings = { servers: [], timeoutMs: 2000, attempts: 2 };

  it('derives the deadline from the scrape timeout header within bounds', () => {
    expect(probeDeadlineMs('1', dnsSettings)).toBe(500);
    expect(probeDeadlineMs('2.5', dnsSettings)).toBe(2000);
    expect(probeDeadlineMs('0.1', dnsSettings)).toBe(MIN_PROBE_MS);
    expect(probeDeadlineMs('30', dnsSettings)).toBe(8000);
    expect(probeDeadlineMs(undefined, dnsSettings)).toBe(8000);
    expect(probeDeadlineMs('soon', dnsSettings)).toBe(8000);
    expect(probeDeadlineMs(['1', '2'], dnsSettings)).toBe(8000);
    expect(probeDeadlineMs(undefined, { servers: [], timeoutMs: 60_000, attempts: 10 })).toBe(MAX_PROBE_MS);
  });

  it('parses the query as a value, not an exception', () => {
    expect(parseProbeQuery({ target: ' 192.0.2.7 ', helo: 'Mail.Example.com' }, ['192.0.2.0/24'])).toEqual({ target: { ip: '192.0.2.7', helo: 'mail.example.com' } });
    expect(parseProbeQuery({ target: '2001:db8::7' }, ['192.0.2.0/24'])).toEqual({ error: 'target 2001:db8::7 is not in probe_endpoint.allowed_networks' });
    expect(parseProbeQuery(undefined, ['192.0.2.0/24'])).toEqual({ error: 'target parameter is missing: use /probe?target=IP' });
  });
});
