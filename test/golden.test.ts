import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { serve, terminate, waitFor, type Served } from './support/cli-process.js';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';
import { find, parseMetrics, type Sample } from './support/metrics-text.js';

/*
 * Golden test in node_exporter's style: the built CLI serves a fixed Postfix log and a fixed MDaemon
 * log (test/golden/) with a fixed DNS zone, and its /metrics text after the logs are read and one
 * probe cycle has run must equal test/golden/metrics.prom, so every change to the exposition shows up
 * in review. `UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts` rewrites that file.
 *
 * Normalisation (normalise() below), and nothing else:
 * - process_* and nodejs_* samples are dropped (their HELP and TYPE lines stay, as on Linux): they
 *   describe the Node.js process and version, not the exporter;
 * - values that come from the clock are checked (a duration within [0, 10) s, a timestamp within the
 *   test's run) and written as <clock>: the probe and cycle durations and end times and the reload time;
 * - ptr_exporter_build_info's version and node_version labels are written as <version>;
 * - samples are sorted within each family: series order carries no meaning, and the two logs are read
 *   concurrently, so series first seen in either may come first.
 * The DNS server's address appears nowhere in the text (the test asserts it). Both logs' Gmail IPv6
 * rejections carry the same time, so the last-rejection gauge does not depend on which log is read first.
 */

const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const EXPECTED = join(GOLDEN, 'metrics.prom');
const LOGS = { 'mail.log': 9, 'mdaemon-smtp-out.log': 22 } as const;

/** Our sending IPs: two configured, two learned from the logs' PTR-related rejections. */
const ZONE = [
  { name: '25.2.0.192.in-addr.arpa', type: 'PTR', data: 'mail.example.com' },
  { name: 'mail.example.com', type: 'A', data: '192.0.2.25' },
  { name: '5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', type: 'PTR', data: 'mail6.example.com' }, // no AAAA
  { name: '26.2.0.192.in-addr.arpa', type: 'PTR', data: 'mail2.example.com' },
  { name: 'mail2.example.com', type: 'A', data: '192.0.2.99' }, // not 192.0.2.26
] as const; // 2001:db8::77 (learned) has no PTR

const CLOCK_VALUES: Record<string, 'duration' | 'timestamp'> = {
  ptr_probe_duration_seconds: 'duration',
  ptr_probe_cycle_duration_seconds: 'duration',
  ptr_probe_timestamp_seconds: 'timestamp',
  ptr_probe_cycle_timestamp_seconds: 'timestamp',
  ptr_exporter_config_last_reload_success_timestamp_seconds: 'timestamp',
};

let dir: string | undefined;
let dns: TestDnsServer | undefined;
let served: Served | undefined;

afterAll(async () => {
  if (served) expect(await terminate(served)).toBe(0);
  await dns?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The metric name a sample line or a HELP/TYPE line is about. */
function nameOf(line: string): string {
  return line.startsWith('#') ? line.split(' ')[2]! : /^[^{ ]+/.exec(line)![0];
}

/** The family a sample belongs to (histogram and summary samples carry suffixes). */
function familyOf(name: string, families: Set<string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix) && families.has(name.slice(0, -suffix.length))) return name.slice(0, -suffix.length);
  }
  return name;
}

/** Applies the normalisation described at the top of this file. */
function normalise(text: string, startedS: number, endedS: number): string {
  const lines = text.split('\n').filter((l) => l !== '');
  const families = new Set(lines.filter((l) => l.startsWith('# TYPE ')).map(nameOf));
  const out: string[] = [];
  let block: string[] = [];
  const flush = (): void => {
    out.push(...block.sort());
    block = [];
  };
  for (const line of lines) {
    if (line.startsWith('#')) {
      flush();
      out.push(line);
      continue;
    }
    const name = nameOf(line);
    if (/^(?:process|nodejs)_/.test(familyOf(name, families))) continue;
    let sample = line;
    const clock = CLOCK_VALUES[name];
    if (clock) {
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (clock === 'duration') expect(value, line).toBeGreaterThanOrEqual(0);
      if (clock === 'duration') expect(value, line).toBeLessThan(10);
      if (clock === 'timestamp') expect(value, line).toBeGreaterThanOrEqual(startedS);
      if (clock === 'timestamp') expect(value, line).toBeLessThanOrEqual(endedS);
      sample = `${line.slice(0, line.lastIndexOf(' '))} <clock>`;
    }
    if (name === 'ptr_exporter_build_info') sample = sample.replace(/\b(version|node_version)="[^"]*"/g, '$1="<version>"');
    block.push(sample);
  }
  flush();
  return `${out.join('\n')}\n`;
}

it('serves the golden /metrics text after reading the logs and one probe cycle', async () => {
  const startedS = Math.floor(Date.now() / 1000);
  dir = mkdtempSync(join(tmpdir(), 'ptr golden '));
  for (const name of Object.keys(LOGS)) copyFileSync(join(GOLDEN, name), join(dir, name));
  dns = await startDnsServer({ records: ZONE });
  // One cycle, a few seconds after the start so that the logs are read first (learned targets join
  // at a cycle's start); the next would come a minute later, long after the scrape.
  const second = Math.floor(Date.now() / 1000 + 6) % 60;
  const config = join(dir, 'ptr-exporter.yml');
  writeFileSync(config, [
    `dns: { servers: ["${dns.address}"], timeout: 500ms, attempts: 1 }`,
    `probe: { schedule: "${second} * * * * *", run_on_start: false }`,
    'targets:',
    '  - { ip: 192.0.2.25, helo: mail.example.com }',
    '  - { ip: 2001:db8::25, helo: mail.example.com }',
    'discover: { interfaces: false, egress: false, from_logs: true }',
    'logs:',
    '  - { path: mail.log, format: auto, start_at: beginning }',
    '  - { path: mdaemon-smtp-out.log, format: mdaemon, start_at: beginning }',
    'web: { listen_address: "127.0.0.1:0" }',
    '',
  ].join('\n'));
  // Relative log paths keep the path labels free of the temporary folder; MDaemon's local times are read as UTC.
  const s = (served = await serve(config, { cwd: dir, env: { ...process.env, TZ: 'UTC' } }));
  const scrape = async (): Promise<string> => (await fetch(`${s.base}/metrics`)).text();
  const samples = (): Promise<Sample[]> => scrape().then(parseMetrics);
  const sum = (all: Sample[], name: string, labels: Record<string, string> = {}): number => find(all, name, labels).reduce((a, x) => a + x.value, 0);

  let seen: Sample[] = [];
  await waitFor('both logs read to their end', s, async () => {
    seen = await samples();
    return Object.entries(LOGS).every(([path, lines]) => sum(seen, 'ptr_log_lines_total', { path }) === lines);
  });
  expect(sum(seen, 'ptr_probe_cycle_timestamp_seconds'), 'the probe cycle ran before the logs were read; the machine is too slow for this test').toBe(0);
  await waitFor('one probe cycle', s, async () => sum(await samples(), 'ptr_probe_cycle_timestamp_seconds') > 0, 15_000);

  const text = await scrape();
  expect(text).not.toContain(dns.address);
  const actual = normalise(text, startedS, Math.ceil(Date.now() / 1000));
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(EXPECTED, actual);
  expect(actual).toBe(readFileSync(EXPECTED, 'utf8'));
}, 40_000);
