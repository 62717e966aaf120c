import dgram from 'node:dgram';
import { appendFile, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type TestDnsServer, type ZoneRecord } from './support/dns-server.js';
import { serve, terminate, waitFor, type Served } from './support/cli-process.js';
import { find, parseMetrics, value, type Sample } from './support/metrics-text.js';
import { reverseName } from '../src/probe/reverse-name.js';

// End to end: the built CLI (dist/) while its DNS server goes away and comes back, its log is deleted
// and recreated, and SIGTERM arrives in the middle of a probe cycle.

const TARGETS = Array.from({ length: 40 }, (_, i) => `192.0.2.${i + 1}`);
const ZONE: ZoneRecord[] = TARGETS.flatMap((ip, i) => [
  { name: reverseName(ip), type: 'PTR' as const, data: `mx${i + 1}.example.com` },
  { name: `mx${i + 1}.example.com`, type: 'A' as const, data: ip },
]);

/**
 * The DNS server as the exporter sees it: a UDP port on 127.0.0.1 that relays to a test DNS server.
 * Closing it closes the port, queries in flight included; start() binds the same port again.
 */
class DnsFrontend {
  private socket: dgram.Socket | null = null;
  port = 0;

  constructor(private readonly backend: TestDnsServer) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((done, fail) => {
      socket.once('error', fail);
      socket.bind(this.port, '127.0.0.1', () => {
        socket.off('error', fail);
        done();
      });
    });
    socket.on('error', () => undefined);
    this.port = socket.address().port;
    // One upstream socket per client address and port, so the answer finds its way back.
    const upstreams = new Map<string, dgram.Socket>();
    socket.on('message', (msg, client) => {
      const key = `${client.address}:${client.port}`;
      let up = upstreams.get(key);
      if (!up) {
        up = dgram.createSocket('udp4');
        up.on('error', () => undefined);
        up.on('message', (answer) => {
          if (this.socket === socket) socket.send(answer, client.port, client.address);
        });
        upstreams.set(key, up);
      }
      up.send(msg, this.backend.port, this.backend.host);
    });
    socket.once('close', () => {
      for (const up of upstreams.values()) up.close();
    });
    this.socket = socket;
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    if (socket) await new Promise<void>((done) => socket.close(() => done()));
  }
}

const config = (dns: string, timeout: string, targets: readonly string[], extra: string[] = [], concurrency = Math.max(1, targets.length)): string => [
  'web: { listen_address: "127.0.0.1:0" }',
  `dns: { servers: ["${dns}"], timeout: ${timeout}, attempts: 1 }`,
  `probe: { schedule: "*/1 * * * * *", run_on_start: true, concurrency: ${concurrency} }`,
  'discover: { interfaces: false, egress: false, from_logs: false }',
  `targets: [${targets.map((ip) => `{ ip: ${ip} }`).join(', ')}]`,
  ...extra,
  '',
].join('\n');

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptr faults '));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const scrape = async (served: Served): Promise<Sample[]> => {
  const res = await fetch(`${served.base}/metrics`);
  expect(res.status).toBe(200);
  return parseMetrics(await res.text());
};

describe('the DNS server stops in the middle of a cycle and comes back', () => {
  let backend: TestDnsServer;
  let frontend: DnsFrontend;
  let served: Served;

  afterAll(async () => {
    if (served && served.child.exitCode === null) served.child.kill('SIGKILL');
    await frontend?.close();
    await backend?.close();
  });

  it('shows temperror while it is gone, keeps the last definite pass, and recovers to pass', async () => {
    backend = await startDnsServer({ records: ZONE });
    frontend = new DnsFrontend(backend);
    await frontend.start();
    const port = frontend.port;
    const file = join(dir, 'flaky dns.yml');
    await writeFile(file, config(frontend.address, '1s', TARGETS, ['logs: []']));
    served = await serve(file);
    const allStatus = (s: Sample[], status: string): boolean => TARGETS.every((ip) => find(s, 'ptr_probe_status', { ip, status })[0]?.value === 1);
    await waitFor('every target passing', served, async () => allStatus(await scrape(served), 'pass'));

    // Queries of the next cycle reach the server and get no answer; then the server goes away under them.
    backend.setFault('*', 'drop');
    const seen = backend.queryCount.udp;
    await waitFor('queries of a cycle in flight', served, async () => backend.queryCount.udp >= seen + TARGETS.length);
    await frontend.close();

    await waitFor('every target temperror', served, async () => allStatus(await scrape(served), 'temperror'), 15_000);
    const down = await scrape(served);
    for (const ip of TARGETS) {
      expect(value(down, 'ptr_probe_success', { ip }), ip).toBe(0);
      expect(value(down, 'ptr_probe_status', { ip, status: 'pass' }), ip).toBe(0);
      expect(value(down, 'ptr_probe_last_definite_status', { ip, status: 'pass' }), ip).toBe(1);
      expect(find(down, 'ptr_probe_last_definite_status', { ip, status: 'temperror' }), ip).toEqual([]);
      expect(value(down, 'ptr_hostname_info', { ip, confirmed: 'true' }), ip).toBe(1);
    }
    // A whole cycle against the closed port (refused, not timed out) also ends in temperror.
    const cycleEnd = value(down, 'ptr_probe_cycle_timestamp_seconds');
    await waitFor('a cycle while the port is closed', served, async () => value(await scrape(served), 'ptr_probe_cycle_timestamp_seconds') > cycleEnd);
    expect(allStatus(await scrape(served), 'temperror')).toBe(true);

    // The server comes back on the same port.
    backend.setFault('*', null);
    await frontend.start();
    expect(frontend.port).toBe(port);
    await waitFor('every target passing again', served, async () => allStatus(await scrape(served), 'pass'), 15_000);
    const up = await scrape(served);
    for (const ip of TARGETS) {
      expect(value(up, 'ptr_probe_success', { ip }), ip).toBe(1);
      expect(value(up, 'ptr_probes_total', { ip, status: 'temperror' }), ip).toBeGreaterThanOrEqual(1);
      expect(value(up, 'ptr_probes_total', { ip, status: 'pass' }), ip).toBeGreaterThanOrEqual(2);
    }
    expect(served.child.exitCode).toBeNull();
    expect(served.stderr()).not.toMatch(/fatal|level=error/);
    expect(await terminate(served)).toBe(0);
  }, 30_000);
});

describe('the log file is deleted and recreated while tailing', () => {
  let served: Served;

  afterAll(() => {
    if (served && served.child.exitCode === null) served.child.kill('SIGKILL');
  });

  it('follows the new file and counts every line exactly once', async () => {
    const log = join(dir, 'mail.log');
    const line = (tag: string): string => `Nov 27 10:00:00 mx postfix/qmgr[7]: ${tag}: removed\n`;
    const rejection = 'Nov 27 10:00:01 mx postfix/smtp[8]: 3F2A11234: host mx1.free.fr[212.27.48.6] refused to talk to me: 421 Refused. Your reverse DNS entry does not resolve to an IP.\n';
    await writeFile(log, line('A1') + line('A2') + line('A3'));
    const file = join(dir, 'log.yml');
    // No targets: nothing is probed; the DNS server is never asked.
    await writeFile(file, config('127.0.0.1:9', '1s', [], [`logs: [{ path: ${JSON.stringify(log)}, format: postfix, start_at: beginning }]`]));
    served = await serve(file);
    const stat = async (name: string): Promise<number | undefined> => find(await scrape(served), name, { path: log })[0]?.value;

    await waitFor('3 lines read', served, async () => (await stat('ptr_log_lines_total')) === 3);
    await unlink(log);
    await waitFor('ptr_log_open 0 after the delete', served, async () => (await stat('ptr_log_open')) === 0);
    expect(served.child.exitCode).toBeNull();

    await writeFile(log, line('B1') + rejection + line('B2') + line('B3'));
    await waitFor('the recreated file read', served, async () => (await stat('ptr_log_lines_total')) === 7);
    await appendFile(log, line('B4') + line('B5'));
    await waitFor('the appended lines read', served, async () => (await stat('ptr_log_lines_total')) === 9);
    const s = await scrape(served);
    expect(value(s, 'ptr_log_open', { path: log })).toBe(1);
    expect(value(s, 'ptr_log_rotations_total', { path: log })).toBe(1);
    expect(value(s, 'ptr_log_truncations_total', { path: log })).toBe(0);
    expect(value(s, 'ptr_log_read_errors_total', { path: log })).toBe(0);
    expect(value(s, 'ptr_smtp_rejections_total', { provider: 'free', reason: 'ptr' })).toBe(1);
    const status = (await (await fetch(`${served.base}/api/v1/status`)).json()) as { logs: unknown[] };
    expect(status.logs).toEqual([{ path: log, open: true, lines: 9 }]);
    expect(await terminate(served)).toBe(0);
  }, 20_000);
});

describe('SIGTERM in the middle of a probe cycle', () => {
  let dns: TestDnsServer;
  let served: Served;

  afterAll(async () => {
    if (served && served.child.exitCode === null) served.child.kill('SIGKILL');
    await dns?.close();
  });

  it('exits 0 while queries wait for their 5 s timeout', async () => {
    dns = await startDnsServer({ records: ZONE });
    dns.setFault('*', 'drop');
    const file = join(dir, 'stuck.yml');
    // More targets than probes in flight: stopping also has to end the cycle's queue.
    await writeFile(file, config(dns.address, '5s', TARGETS.slice(0, 8), ['logs: []'], 4));
    served = await serve(file);
    await waitFor('the first cycle asking the server', served, async () => dns.queryCount.udp >= 4);
    const ready = await fetch(`${served.base}/-/ready`);
    expect(ready.status).toBe(503);
    // terminate() fails with a clear message if the process is not gone 10 s after SIGTERM.
    expect(await terminate(served)).toBe(0);
    expect(served.stderr()).toMatch(/msg="shutting down" signal=SIGTERM/);
    expect(served.stderr()).not.toMatch(/fatal|Unhandled|AbortError/i);
  }, 20_000);
});
