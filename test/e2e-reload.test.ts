import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type TestDnsServer, type ZoneRecord } from './support/dns-server.js';
import { serve, terminate, waitFor, type Served } from './support/cli-process.js';
import { find, parseMetrics, value, type Sample } from './support/metrics-text.js';
import { reverseName } from '../src/probe/reverse-name.js';

// End to end: config reload of the built CLI (dist/) by SIGHUP and POST /-/reload, against test DNS servers on loopback.

/** Server A: .25, .26 and .27 all pass. */
const ZONE_A: ZoneRecord[] = [
  { name: reverseName('192.0.2.25'), type: 'PTR', data: 'mail.example.com' },
  { name: 'mail.example.com', type: 'A', data: '192.0.2.25' },
  { name: reverseName('192.0.2.26'), type: 'PTR', data: 'mx26.example.com' },
  { name: 'mx26.example.com', type: 'A', data: '192.0.2.26' },
  { name: reverseName('192.0.2.27'), type: 'PTR', data: 'mx27.example.com' },
  { name: 'mx27.example.com', type: 'A', data: '192.0.2.27' },
];
/** Server B: .25 has another PTR name that does not resolve back (mismatch); .27 passes. */
const ZONE_B: ZoneRecord[] = [
  { name: reverseName('192.0.2.25'), type: 'PTR', data: 'other.example.net' },
  { name: 'other.example.net', type: 'A', data: '198.51.100.1' },
  { name: reverseName('192.0.2.27'), type: 'PTR', data: 'mx27.example.com' },
  { name: 'mx27.example.com', type: 'A', data: '192.0.2.27' },
];

/** Every per-target series that must vanish with the target. */
const TARGET_SERIES = ['ptr_probe_success', 'ptr_probe_status', 'ptr_target_info', 'ptr_hostname_info', 'ptr_probes_total', 'ptr_probe_last_definite_status', 'ptr_probe_duration_seconds', 'ptr_probe_timestamp_seconds'];
const LOG_SERIES = ['ptr_log_lines_total', 'ptr_log_bytes_total', 'ptr_log_rotations_total', 'ptr_log_truncations_total', 'ptr_log_read_errors_total', 'ptr_log_open'];
const SIGHUP = process.platform !== 'win32';

interface ConfigParts { dns: string; targets: string[]; logs: string[]; timeout?: string; telemetryPath?: string }

/** A config probing every second, with no discovery. */
function configText({ dns, targets, logs, timeout = '1s', telemetryPath = '/metrics' }: ConfigParts): string {
  return [
    `web: { listen_address: "127.0.0.1:0", telemetry_path: ${telemetryPath} }`,
    `dns: { servers: ["${dns}"], timeout: ${timeout}, attempts: 1 }`,
    'probe: { schedule: "*/1 * * * * *", run_on_start: true }',
    'discover: { interfaces: false, egress: false, from_logs: false }',
    `targets: [${targets.join(', ')}]`,
    `logs: [${logs.map((p) => `{ path: ${JSON.stringify(p)}, format: postfix, start_at: beginning }`).join(', ')}]`,
    '',
  ].join('\n');
}

const lines = (n: number, tag: string): string => Array.from({ length: n }, (_, i) => `Nov 27 10:00:0${i} mx postfix/qmgr[7]: ${tag}${i}: removed\n`).join('');

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptr reload '));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('config reload', () => {
  let a: TestDnsServer;
  let b: TestDnsServer;
  let served: Served;
  let configFile: string;
  let log1: string;
  let log2: string;

  const scrape = async (): Promise<Sample[]> => {
    const res = await fetch(`${served.base}/metrics`);
    expect(res.status).toBe(200);
    return parseMetrics(await res.text());
  };
  const reloadTimestamp = async (): Promise<number> => value(await scrape(), 'ptr_exporter_config_last_reload_success_timestamp_seconds');
  const reloadOk = async (): Promise<number> => value(await scrape(), 'ptr_exporter_config_last_reload_successful');
  const has = (s: Sample[], name: string, labels: Record<string, string>): boolean => find(s, name, labels).length > 0;
  const postReload = async (): Promise<{ status: number; text: string }> => {
    const res = await fetch(`${served.base}/-/reload`, { method: 'POST' });
    return { status: res.status, text: await res.text() };
  };
  const logPaths = async (): Promise<string[]> => {
    const body = (await (await fetch(`${served.base}/api/v1/status`)).json()) as { logs: { path: string }[] };
    return body.logs.map((l) => l.path).sort();
  };
  const v1 = (): ConfigParts => ({ dns: a.address, targets: ['{ ip: 192.0.2.25 }', '{ ip: 192.0.2.26 }'], logs: [log1, log2] });
  const v2 = (helo = ''): ConfigParts => ({ dns: b.address, targets: ['{ ip: 192.0.2.25 }', `{ ip: 192.0.2.27${helo ? `, helo: ${helo}` : ''} }`], logs: [log1] });

  beforeAll(async () => {
    [a, b] = await Promise.all([startDnsServer({ records: ZONE_A }), startDnsServer({ records: ZONE_B })]);
    log1 = join(dir, 'mail one.log');
    log2 = join(dir, 'mail two.log');
    await writeFile(log1, lines(2, 'A'));
    await writeFile(log2, lines(3, 'B'));
    configFile = join(dir, 'reload.yml');
    await writeFile(configFile, configText(v1()));
    served = await serve(configFile);
    await waitFor('both targets passing and both logs read', served, async () => {
      const s = await scrape();
      return find(s, 'ptr_probe_success', { ip: '192.0.2.25' })[0]?.value === 1 && find(s, 'ptr_probe_success', { ip: '192.0.2.26' })[0]?.value === 1
        && find(s, 'ptr_log_lines_total', { path: log1 })[0]?.value === 2 && find(s, 'ptr_log_lines_total', { path: log2 })[0]?.value === 3;
    });
  }, 20_000);

  afterAll(async () => {
    if (served && served.child.exitCode === null) served.child.kill('SIGKILL');
    await Promise.all([a?.close(), b?.close()]);
  });

  it.skipIf(!SIGHUP)('SIGHUP with a good config: removed target and log vanish, the added target and the new DNS server take effect', async () => {
    const before = await scrape();
    for (const name of ['ptr_probe_success', 'ptr_probe_status', 'ptr_target_info', 'ptr_hostname_info', 'ptr_probes_total']) {
      expect(has(before, name, { ip: '192.0.2.26' }), `${name} before the reload`).toBe(true);
    }
    for (const name of LOG_SERIES) expect(has(before, name, { path: log2 }), `${name} before the reload`).toBe(true);
    const stamp = value(before, 'ptr_exporter_config_last_reload_success_timestamp_seconds');
    const bQueries = b.queryCount.udp + b.queryCount.tcp;

    await writeFile(configFile, configText(v2()));
    served.child.kill('SIGHUP');
    // .25 turning mismatch proves a cycle ran on the new config (server B), and that cycle first replaced the target list.
    await waitFor('192.0.2.25 probed through server B', served, async () => find(await scrape(), 'ptr_probe_status', { ip: '192.0.2.25', status: 'mismatch' })[0]?.value === 1);
    const after = await scrape();
    for (const name of TARGET_SERIES) expect(find(after, name, { ip: '192.0.2.26' }), `${name} of the removed target`).toEqual([]);
    for (const name of LOG_SERIES) expect(find(after, name, { path: log2 }), `${name} of the removed log`).toEqual([]);
    expect(value(after, 'ptr_log_lines_total', { path: log1 })).toBe(2);
    expect(value(after, 'ptr_target_info', { ip: '192.0.2.27', source: 'config' })).toBe(1);
    expect(find(after, 'ptr_target_info').map((s) => s.labels.ip).sort()).toEqual(['192.0.2.25', '192.0.2.27']);
    expect(value(after, 'ptr_targets')).toBe(2);
    expect(value(after, 'ptr_hostname_info', { ip: '192.0.2.25', hostname: 'other.example.net', confirmed: 'false' })).toBe(1);
    expect(find(after, 'ptr_hostname_info', { ip: '192.0.2.25', hostname: 'mail.example.com' })).toEqual([]);
    expect(value(after, 'ptr_probe_last_definite_status', { ip: '192.0.2.25', status: 'mismatch' })).toBe(1);
    expect(b.queryCount.udp + b.queryCount.tcp).toBeGreaterThan(bQueries);
    expect(value(after, 'ptr_exporter_config_last_reload_successful')).toBe(1);
    expect(value(after, 'ptr_exporter_config_last_reload_success_timestamp_seconds')).toBeGreaterThan(stamp);
    await waitFor('192.0.2.27 probed', served, async () => find(await scrape(), 'ptr_probe_success', { ip: '192.0.2.27' })[0]?.value === 1);
    expect(served.stderr()).toMatch(/msg="config reloaded"/);

    // The removed log is no longer followed; the kept one still is, and its count stays exact.
    await appendFile(log2, lines(2, 'C'));
    await appendFile(log1, lines(4, 'D'));
    await waitFor('the kept log read on', served, async () => find(await scrape(), 'ptr_log_lines_total', { path: log1 })[0]?.value === 6);
    expect(await logPaths()).toEqual([log1]);
    expect(find(await scrape(), 'ptr_log_lines_total', { path: log2 })).toEqual([]);
  }, 15_000);

  it.skipIf(!SIGHUP)('SIGHUP with a bad config keeps the running one; a good config then brings success back', async () => {
    const stamp = await reloadTimestamp();
    await writeFile(configFile, configText({ ...v2(), timeout: 'soon' }));
    served.child.kill('SIGHUP');
    await waitFor('ptr_exporter_config_last_reload_successful 0', served, async () => (await reloadOk()) === 0);
    expect(served.stderr()).toMatch(/msg="config reload failed; keeping the running config".*dns\.timeout/);
    // The running config (server B, targets .25 and .27) still probes.
    const probes = value(await scrape(), 'ptr_probes_total', { ip: '192.0.2.27', status: 'pass' });
    await waitFor('another probe of 192.0.2.27', served, async () => value(await scrape(), 'ptr_probes_total', { ip: '192.0.2.27', status: 'pass' }) > probes);
    const during = await scrape();
    expect(value(during, 'ptr_probe_status', { ip: '192.0.2.25', status: 'mismatch' })).toBe(1);
    expect(find(during, 'ptr_target_info').map((s) => s.labels.ip).sort()).toEqual(['192.0.2.25', '192.0.2.27']);
    expect(value(during, 'ptr_exporter_config_last_reload_success_timestamp_seconds')).toBe(stamp);
    expect(served.child.exitCode).toBeNull();

    await writeFile(configFile, configText(v2('mx27.example.com')));
    served.child.kill('SIGHUP');
    await waitFor('ptr_exporter_config_last_reload_successful 1', served, async () => (await reloadOk()) === 1);
    expect(await reloadTimestamp()).toBeGreaterThan(stamp);
    await waitFor('the new helo in ptr_target_info', served, async () => has(await scrape(), 'ptr_target_info', { ip: '192.0.2.27', helo: 'mx27.example.com' }));
    expect(find(await scrape(), 'ptr_target_info', { ip: '192.0.2.27' })).toHaveLength(1);
  }, 15_000);

  it('POST /-/reload with a bad config answers 500 naming the field and keeps the running config', async () => {
    const stamp = await reloadTimestamp();
    await writeFile(configFile, configText({ ...v1(), targets: ['{ ip: 192.0.2.25 }', '{ ip: 192.0.2.300 }'] }));
    const res = await postReload();
    expect(res.status).toBe(500);
    expect(res.text).toContain('targets[1].ip');
    expect(res.text).toContain('the running one stays');
    const s = await scrape();
    expect(value(s, 'ptr_exporter_config_last_reload_successful')).toBe(0);
    expect(value(s, 'ptr_exporter_config_last_reload_success_timestamp_seconds')).toBe(stamp);
    expect(find(s, 'ptr_target_info').map((t) => t.labels.ip).sort()).toEqual(['192.0.2.25', '192.0.2.27']);
    const probes = value(s, 'ptr_probes_total', { ip: '192.0.2.25', status: 'mismatch' });
    await waitFor('another probe of 192.0.2.25 on the running config', served, async () => value(await scrape(), 'ptr_probes_total', { ip: '192.0.2.25', status: 'mismatch' }) > probes);
    expect(await logPaths()).toEqual([log1]);
    expect(served.child.exitCode).toBeNull();
  }, 15_000);

  it('POST /-/reload refuses alias bombs, other endpoints\' paths, unbounded durations, zone ids and a positions file over the log, in one line', async () => {
    const good = configText(v2('mx27.example.com'));
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [${'*a, '.repeat(9)}*a]\nc: &c [${'*b, '.repeat(9)}*b]\nd: [${'*c, '.repeat(9)}*c]\n`;
    for (const [text, message] of [
      [bomb, 'b[0]: YAML: Excessive alias count indicates a resource exhaustion attack'],
      [`${good}limits: { max_targets: *n }\n`, 'limits.max_targets: YAML: Unresolved alias (the anchor must be set before the alias): n'],
      [configText({ ...v2(), telemetryPath: '/probe' }), 'web.telemetry_path: "/probe" is taken by another endpoint'],
      [configText({ ...v2(), timeout: '25d' }), 'dns.timeout: "25d" must be at most 30s'],
      [configText({ ...v2(), targets: ['{ ip: "2001:db8::25%eth0" }'] }), 'targets[0].ip: "2001:db8::25%eth0" has an IPv6 zone id (%eth0)'],
      [good.replace(`{ path: ${JSON.stringify(log1)},`, `{ path: ${JSON.stringify(log1)}, positions_file: ${JSON.stringify(log1)},`), 'logs[0].positions_file: '],
    ] as const) {
      await writeFile(configFile, text);
      const res = await postReload();
      expect(res.status).toBe(500);
      expect(res.text).toContain(`the running one stays: ${configFile}: ${message}`);
      expect(res.text.trimEnd().split('\n')).toHaveLength(1);
      expect(res.text).not.toMatch(/ReferenceError/);
    }
    expect(await reloadOk()).toBe(0);
    expect(served.child.exitCode).toBeNull();
    expect(find(await scrape(), 'ptr_target_info').map((t) => t.labels.ip).sort()).toEqual(['192.0.2.25', '192.0.2.27']);
  }, 15_000);

  it('POST /-/reload with a changed telemetry path applies the rest and says the path needs a restart', async () => {
    await writeFile(configFile, configText({ ...v2('mx27.example.com'), telemetryPath: '/other' }));
    expect((await postReload()).status).toBe(200);
    expect(served.stderr()).toMatch(/msg="web.telemetry_path changed: that needs a restart; the running value stays" running=\/metrics configured=\/other/);
    expect(await reloadOk()).toBe(1);
    expect((await fetch(`${served.base}/other`)).status).toBe(404);
  }, 15_000);

  it('POST /-/reload with a good config answers 200 and applies it', async () => {
    const stamp = await reloadTimestamp();
    await writeFile(configFile, configText(v1()));
    const res = await postReload();
    expect(res).toEqual({ status: 200, text: 'config reloaded\n' });
    const s = await scrape();
    expect(value(s, 'ptr_exporter_config_last_reload_successful')).toBe(1);
    expect(value(s, 'ptr_exporter_config_last_reload_success_timestamp_seconds')).toBeGreaterThan(stamp);
    // The log is followed again from the beginning (start_at: beginning): 3 + 2 lines.
    await waitFor('192.0.2.25 back to pass through server A, 192.0.2.26 back', served, async () => {
      const m = await scrape();
      return find(m, 'ptr_probe_success', { ip: '192.0.2.25' })[0]?.value === 1 && find(m, 'ptr_probe_success', { ip: '192.0.2.26' })[0]?.value === 1;
    });
    await waitFor('the re-added log read', served, async () => find(await scrape(), 'ptr_log_lines_total', { path: log2 })[0]?.value === 5);
    const after = await scrape();
    for (const name of TARGET_SERIES) expect(find(after, name, { ip: '192.0.2.27' }), `${name} of the removed target`).toEqual([]);
    expect(find(after, 'ptr_hostname_info', { ip: '192.0.2.25' }).map((h) => h.labels.hostname)).toEqual(['mail.example.com']);
    expect(await logPaths()).toEqual([log1, log2].sort());
    expect(await terminate(served)).toBe(0);
  }, 15_000);
});

describe('overlapping cycles', () => {
  let dns: TestDnsServer;
  let served: Served;

  afterAll(async () => {
    if (served && served.child.exitCode === null) served.child.kill('SIGKILL');
    await dns?.close();
  });

  it('counts skipped ticks in ptr_probe_cycles_skipped_total while a slow cycle runs', async () => {
    dns = await startDnsServer({ records: ZONE_A });
    dns.setFault('*', 'drop');
    const file = join(dir, 'slow.yml');
    await writeFile(file, configText({ dns: dns.address, targets: ['{ ip: 192.0.2.25 }'], logs: [], timeout: '4s' }));
    served = await serve(file);
    const skipped = async (): Promise<number> => value(parseMetrics(await (await fetch(`${served.base}/metrics`)).text()), 'ptr_probe_cycles_skipped_total');
    await waitFor('two skipped ticks', served, async () => (await skipped()) >= 2);
    // The first cycle (one PTR query that times out after 4 s) is still running: nothing was probed yet.
    expect(find(parseMetrics(await (await fetch(`${served.base}/metrics`)).text()), 'ptr_probes_total')).toEqual([]);
    expect(served.stderr()).toMatch(/probe cycle skipped/);
    expect(await terminate(served)).toBe(0);
  }, 20_000);
});
