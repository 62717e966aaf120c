/**
 * The probe benchmark: 10,000 targets served by 1, 2 or 4 real authoritative NSD servers on loopback, one
 * probe cycle through the Exporter (the product's path), then /metrics rendering and peak RSS. Every measured
 * run lives in a process of its own, forked from this file: "prober" runs one Exporter (and the product's
 * HTTP app, which the parent scrapes once the RSS figures are taken) with one concurrency and reports its
 * figures, so RSS is the prober's alone and each run starts from a fresh process. The first run is the
 * default configuration (one server, probe.concurrency 32); the rest draw the curve. Run a role by hand
 * (no IPC, no scrape) to profile it:
 *   node test/.build/test/bench/probe-bench.js nsd 10000 1                       prints the server addresses, serves until killed
 *   node --max-semi-space-size=2 --expose-gc --cpu-prof test/.build/test/bench/probe-bench.js prober 127.0.0.1:PORT 32 10000   prints the figures as JSON
 * (the "dns-server" role serves the zone with the test DNS server written in JS instead).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { promises as dns } from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { reverseName } from '../../src/probe/reverse-name.js';
import { STATUSES, type ProbeStatus } from '../../src/probe/types.js';
import { normalizeIp } from '../../src/targets/address.js';
import type { ZoneRecord } from '../support/dns-server.js';
import { nextMessage } from './child.js';
import { figure, median, mib, ms, note, sampleRss, timeMs, type RssFigures } from './report.js';
import { nsdZones } from './bench-zones.js';
import { readFileSync } from 'node:fs';
import { startNsd, type NsdServer } from '../support/nsd-server.js';
import { NODE_FLAGS } from '../../src/node-flags.js';

const TARGETS = 10_000;
/** Runs as [DNS servers, concurrency]; the first is the default configuration, the one the goals are judged on. */
const RUNS: [number, number][] = [[1, 32], [1, 64], [1, 128], [1, 256], [1, 512], [2, 32], [2, 256], [4, 32], [4, 256]];
/** Separate prober processes measured on the default configuration; the median cycle is judged. */
const DEFAULT_CONFIG_RUNS = 3;
const RENDER_RUNS = 7;
const HTTP_RUNS = 3;
const CHILD_TIMEOUT_MS = 300_000;
const GOAL_TARGETS_PER_SECOND = 10_000;
const GOAL_RENDER_MS = 250;
const GOAL_RSS_BYTES = 150 * 1048576;

/** One benchmark target with the verdict its zone entries imply. */
export interface BenchTarget {
  ip: string;
  helo: string | null;
  /** The PTR name served for it, or null for no_ptr. */
  name: string | null;
  expected: ProbeStatus;
}

/** What a prober process measured. */
interface ProberFigures {
  concurrency: number;
  targets: number;
  configParseMs: number;
  cycleMs: number;
  secondCycleMs: number;
  renderMs: number[];
  renderBytes: number;
  /** GET /metrics of the product's fastify app, by the parent over loopback; not part of the RSS figures. */
  httpMs: number[];
  rss: RssFigures;
  /** Memory and CPU after each step, in order. */
  steps: StepFigures[];
  /** Broken results: wrong statuses, missing series. Empty when the run is right. */
  problems: string[];
}

/** Where one step of the prober left its process. */
interface StepFigures { step: string; cpuMs: number; rss: number; heapUsed: number }

const OTHER_V4 = '198.51.100.254';
const OTHER_V6 = '2001:db8:ffff::1';
const V4_NETS = ['192.0.2', '198.51.100', '203.0.113'];

/**
 * The deterministic target list: every 13th target IPv4 from the three documentation /24s (768 at most),
 * the rest IPv6 in 2001:db8::/32. Of each 100: 5 no_ptr, 5 mismatch, 2 no_forward, 2 helo_mismatch, 86 pass
 * (a quarter of those with a matching helo).
 */
export function benchTargets(count: number): BenchTarget[] {
  const targets: BenchTarget[] = [];
  let v4 = 0;
  let v6 = 0;
  for (let i = 0; i < count; i++) {
    let raw: string;
    if (i % 13 === 0 && v4 < 256 * V4_NETS.length) {
      raw = `${V4_NETS[Math.floor(v4 / 256)]}.${v4 % 256}`;
      v4++;
    } else {
      raw = `2001:db8:0:${(v6 >> 8).toString(16)}::${(v6 & 255).toString(16)}`;
      v6++;
    }
    const ip = normalizeIp(raw)!.ip;
    const k = i % 100;
    const expected: ProbeStatus = k < 5 ? 'no_ptr' : k < 10 ? 'mismatch' : k < 12 ? 'no_forward' : k < 14 ? 'helo_mismatch' : 'pass';
    const name = expected === 'no_ptr' ? null : `mta-${i}.${expected.replace('_', '-')}.bench.example.com`;
    const helo = expected === 'helo_mismatch' ? `other-${i}.bench.example.com` : expected === 'pass' && k % 4 === 0 ? name : null;
    targets.push({ ip, helo, name, expected });
  }
  return targets;
}

/** The zone that gives each target its expected verdict. */
export function zoneRecords(targets: readonly BenchTarget[]): ZoneRecord[] {
  const records: ZoneRecord[] = [];
  for (const t of targets) {
    if (t.name === null) continue;
    records.push({ name: reverseName(t.ip), type: 'PTR', data: t.name });
    const type = t.ip.includes(':') ? 'AAAA' : 'A';
    if (t.expected === 'pass' || t.expected === 'helo_mismatch') records.push({ name: t.name, type, data: t.ip });
    else if (t.expected === 'mismatch') records.push({ name: t.name, type, data: type === 'A' ? OTHER_V4 : OTHER_V6 });
  }
  return records;
}

/** Count of targets per expected status. */
function tally(statuses: Iterable<ProbeStatus | null>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of statuses) counts[s ?? 'none'] = (counts[s ?? 'none'] ?? 0) + 1;
  return counts;
}

const describeCounts = (counts: Record<string, number>): string =>
  STATUSES.filter((s) => counts[s] !== undefined).map((s) => `${counts[s]} ${s}`).join(', ');

/** Runs the probe benchmark: prints figures for each run; throws when a run breaks or its results are wrong. */
export async function probeBench(): Promise<void> {
  const targets = benchTargets(TARGETS);
  const v4 = targets.filter((t) => !t.ip.includes(':')).length;
  const queriesPerCycle = targets.length + targets.filter((t) => t.name !== null).length;
  const zones = nsdZones(zoneRecords(targets));
  const servers: NsdServer[] = [];
  console.log(`probe: ${targets.length} targets (${v4} IPv4, ${targets.length - v4} IPv6; ${describeCounts(tally(targets.map((t) => t.expected)))}); ${queriesPerCycle} queries per cycle`);
  const problems: string[] = [];
  const curve: string[] = [];
  try {
    for (let i = 0; i < Math.max(...RUNS.map(([n]) => n)); i++) servers.push(await startNsd({ zones }));
    console.log(`  DNS servers: NSD (authoritative, C) at ${servers.map((s) => s.address).join(', ')}`);
    await warmUp(servers[0]!.address, targets);
    for (const [count, concurrency] of RUNS) {
      const addresses = servers.slice(0, count).map((s) => s.address);
      const isDefault = count === 1 && concurrency === 32;
      const drops = udpReceiveErrors();
      const runs: ProberFigures[] = [];
      for (let k = 0; k < (isDefault ? DEFAULT_CONFIG_RUNS : 1); k++) runs.push(await runProberChild(addresses, concurrency, targets));
      const dropped = udpReceiveErrors() - drops;
      const r = judgedRun(runs);
      console.log(`${count} DNS server${count > 1 ? 's' : ''}, concurrency ${concurrency}${isDefault ? ' (the default configuration)' : ''}:`);
      if (runs.length > 1) {
        note(`${runs.length} prober processes: ${runs.map((x) => (x.targets / (x.cycleMs / 1000)).toFixed(0)).join(', ')} targets/s; judged: the median cycle, the highest peak RSS and render time`);
      }
      printFigures(r, isDefault);
      const lost = `UDP receive errors on this host during the run (lost replies, /proc/net/snmp): ${dropped}`;
      if (isDefault) figure(lost, '0', dropped === 0);
      else note(`${lost}${dropped > 0 ? ' (asked again after dns.timeout; verdicts stay exact)' : ''}`);
      curve.push(`${count}x${concurrency}: ${(r.targets / (r.cycleMs / 1000)).toFixed(0)}/s (CPU ${(r.steps.find((s) => s.step === 'cycle 1')?.cpuMs ?? 0).toFixed(0)} ms)`);
      const where = `${count} servers, concurrency ${concurrency}`;
      // Beyond the default, replies the kernel dropped (counted above) may end as temperror after every try: noted, not a broken run.
      const found = runs.flatMap((x) => x.problems);
      if (dropped > 0 && !isDefault) found.forEach((p) => note(`after ${dropped} lost replies: ${p}`));
      else problems.push(...found.map((p) => `${where}: ${p}`));
    }
    note(`curve (servers x concurrency: first cycle targets/s): ${curve.join('; ')}`);
  } finally {
    for (const s of servers) await s.stop();
  }
  if (problems.length > 0) throw new Error(`probe benchmark results are wrong:\n  ${problems.slice(0, 20).join('\n  ')}`);
}

/** The run with the median cycle time, carrying the highest peak RSS and the slowest renders of all runs. */
function judgedRun(runs: readonly ProberFigures[]): ProberFigures {
  const byCycle = [...runs].sort((a, b) => a.cycleMs - b.cycleMs);
  const middle = byCycle[Math.floor((byCycle.length - 1) / 2)]!;
  const peak = (x: ProberFigures): number => Math.max(x.rss.sampledPeak, x.rss.kernelPeak);
  const slowest = (x: ProberFigures): number => Math.max(...x.renderMs);
  const rss = runs.reduce((a, b) => (peak(b) > peak(a) ? b : a)).rss;
  const renderMs = runs.reduce((a, b) => (slowest(b) > slowest(a) ? b : a)).renderMs;
  return { ...middle, rss, renderMs };
}

/** UDP receive errors of the whole host so far (Linux; 0 elsewhere): a reply dropped for a full buffer counts here. */
function udpReceiveErrors(): number {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    const [head, values] = [lines[0]?.split(/\s+/) ?? [], lines[1]?.split(/\s+/) ?? []];
    return Number(values[head.indexOf('InErrors')] ?? 0);
  } catch {
    return 0;
  }
}

/** Sends every PTR query once, unmeasured, so the server's code is compiled before the first measured run. */
async function warmUp(address: string, targets: readonly BenchTarget[]): Promise<void> {
  const resolver = new dns.Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([address]);
  let next = 0;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < targets.length) await resolver.resolvePtr(reverseName(targets[next++]!.ip)).catch(() => []);
  }));
}

/** Prints one prober's figure block, each goal with PASS or MISS. */
function printFigures(r: ProberFigures, judged: boolean): void {
  const seconds = r.cycleMs / 1000;
  const rate = r.targets / seconds;
  const renderMax = Math.max(...r.renderMs);
  const rssPeak = Math.max(r.rss.sampledPeak, r.rss.kernelPeak);
  const cpu = r.steps.find((s) => s.step === 'cycle 1')?.cpuMs ?? 0;
  const line = `probe: ${r.targets} targets in ${seconds.toFixed(2)} s = ${rate.toFixed(0)} targets/s`;
  if (judged) figure(line, `>= ${GOAL_TARGETS_PER_SECOND} targets/s`, rate >= GOAL_TARGETS_PER_SECOND);
  else note(line);
  note(`prober CPU for the cycle: ${ms(cpu)} = ${(r.targets / (cpu / 1000)).toFixed(0)} targets per CPU-second (what an idle core would reach)`);
  if (!judged) return;
  figure(`/metrics render: median ${ms(median(r.renderMs))}, max ${ms(renderMax)} (${r.renderMs.length} runs), ${mib(r.renderBytes)}`, `< ${GOAL_RENDER_MS} ms (max)`, renderMax < GOAL_RENDER_MS);
  figure(`peak RSS: ${mib(rssPeak)} (sampled every 50 ms ${mib(r.rss.sampledPeak)}, kernel maxrss ${mib(r.rss.kernelPeak)})`, `< ${mib(GOAL_RSS_BYTES)}`, rssPeak < GOAL_RSS_BYTES);
  note(`RSS at the end ${mib(r.rss.final)}; config parse ${ms(r.configParseMs)}; second cycle ${(r.secondCycleMs / 1000).toFixed(2)} s = ${(r.targets / (r.secondCycleMs / 1000)).toFixed(0)} targets/s`);
  note(`render times: ${r.renderMs.map((t) => t.toFixed(0)).join(', ')} ms; GET /metrics from another process: ${r.httpMs.map((t) => t.toFixed(0)).join(', ')} ms`);
  note(`after each step (CPU, RSS, V8 heap used): ${r.steps.map((s) => `${s.step} ${ms(s.cpuMs)} ${mib(s.rss)} ${mib(s.heapUsed)}`).join('; ')}`);
}

/** Forks this file in a role, with the V8 flags the product runs with; the child talks back over IPC. */
function forkRole(args: string[]): ChildProcess {
  return fork(fileURLToPath(import.meta.url), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, ...NODE_FLAGS] });
}

/** Forks one prober role, scrapes it when it asks (checking the body), and returns its figures. */
async function runProberChild(addresses: string[], concurrency: number, targets: readonly BenchTarget[]): Promise<ProberFigures> {
  const count = targets.length;
  const child = forkRole(['prober', addresses.join(','), String(concurrency), String(count)]);
  child.on('message', (m: { type?: string; port?: number; path?: string; bytes?: number }) => {
    if (m.type !== 'scrape') return;
    const problems: string[] = [];
    void timeGets(m.port ?? 0, m.path ?? '/metrics', m.bytes ?? 0, targets, problems)
      .catch((error: unknown) => {
        problems.push(`GET /metrics failed: ${String(error)}`);
        return [];
      })
      .then((times) => {
        if (child.connected) child.send({ type: 'scraped', times, problems });
      });
  });
  try {
    const { figures } = await nextMessage<{ figures: ProberFigures }>(child, 'figures', CHILD_TIMEOUT_MS);
    return figures;
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

/** Child role: serves the benchmark zone until the parent disconnects. */
async function serveZone(count: number): Promise<void> {
  const { startDnsServer } = await import('../support/dns-server.js');
  const server = await startDnsServer({ records: zoneRecords(benchTargets(count)) });
  if (!process.send) {
    console.log(server.address);
    return;
  }
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'count') {
      const cpu = process.cpuUsage();
      process.send!({ type: 'count', ...server.queryCount, cpuMs: (cpu.user + cpu.system) / 1000 });
    }
  });
  process.on('disconnect', () => void server.close());
  process.send({ type: 'ready', address: server.address });
}

/** The config the prober runs on, as a user would write it. */
function configYaml(targets: readonly BenchTarget[], server: string, concurrency: number): string {
  const lines = [
    'dns:', `  servers: [${server.split(',').map((a) => JSON.stringify(a)).join(', ')}]`, '  timeout: 2s', '  attempts: 2',
    'probe:', `  concurrency: ${concurrency}`, '  run_on_start: false',
    'discover:', '  interfaces: false', '  egress: false', '  from_logs: false',
    'logs: []',
    'limits:', `  max_targets: ${Math.max(10_000, targets.length)}`,
    'targets:',
  ];
  for (const t of targets) lines.push(`  - { ip: ${JSON.stringify(t.ip)}${t.helo === null ? '' : `, helo: ${t.helo}`} }`);
  return `${lines.join('\n')}\n`;
}

/**
 * Child role: one Exporter, a probe cycle (the figure), RENDER_RUNS renders of /metrics, a second cycle.
 * The checks only keep small values, so they weigh little on the RSS being measured.
 */
async function measureProber(server: string, concurrency: number, count: number): Promise<ProberFigures> {
  const rss = sampleRss(50);
  const steps: StepFigures[] = [];
  let cpu = process.cpuUsage();
  const step = (name: string): void => {
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    steps.push({ step: name, cpuMs: (used.user + used.system) / 1000, rss: mem.rss, heapUsed: mem.heapUsed });
  };
  const [{ parseConfig }, { Exporter }, { silentLogger }, { VERSION }, { buildServer }] = await Promise.all([
    import('../../src/config/load.js'), import('../../src/exporter/exporter.js'), import('../../src/logger.js'), import('../../src/version.js'), import('../../src/server/app.js'),
  ]);
  const targets = benchTargets(count);
  const yaml = configYaml(targets, server, concurrency);
  step('start');
  const parsed = await timeMs(async () => parseConfig(yaml, 'bench config'));
  const exporter = new Exporter(parsed.value, VERSION, silentLogger);
  const app = buildServer({ exporter });
  await app.ready();
  step('config');
  const problems: string[] = [];
  const check = (cycle: string): void => {
    const byIp = new Map(exporter.probes.list().map((s) => [s.target.ip, s.result?.status ?? null]));
    const wrong = targets.filter((t) => byIp.get(t.ip) !== t.expected);
    if (wrong.length > 0) {
      const got = describeCounts(tally(targets.map((t) => byIp.get(t.ip) ?? null)));
      const first = wrong.slice(0, 3).map((t) => `${t.ip} is ${byIp.get(t.ip) ?? 'unprobed'}, expected ${t.expected}`).join('; ');
      problems.push(`${cycle}: ${wrong.length} wrong statuses (got ${got}); e.g. ${first}`);
    }
  };
  const cycle = await timeMs(() => exporter.probes.runNow());
  step('cycle 1');
  check('first cycle');
  const renders: number[] = [];
  let renderBytes = 0;
  for (let i = 0; i < RENDER_RUNS; i++) {
    const r = await timeMs(() => exporter.metrics.renderParts());
    renders.push(r.ms);
    if (i === RENDER_RUNS - 1) renderBytes = r.value.reduce((n, b) => n + b.length, 0);
  }
  step(`${RENDER_RUNS} renders`);
  const second = await timeMs(() => exporter.probes.runNow());
  step('cycle 2');
  check('second cycle');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    step('forced GC');
  }
  const rssFigures = rss.stop();
  const served = await scrapedByParent(app, parsed.value.web.telemetryPath, renderBytes, problems);
  if (!process.send) checkMetrics(Buffer.concat(await exporter.metrics.renderParts()).toString('utf8'), targets, problems);
  const figures = {
    concurrency, targets: targets.length, configParseMs: parsed.ms, cycleMs: cycle.ms, secondCycleMs: second.ms,
    renderMs: renders, renderBytes, httpMs: served, rss: rssFigures, steps, problems,
  };
  await app.close();
  await exporter.stop();
  return figures;
}

/**
 * Times GET path on 127.0.0.1:port HTTP_RUNS times and checks the first body against the targets (in this
 * process, so the check weighs nothing on the prober's RSS); notes a wrong answer.
 */
async function timeGets(port: number, path: string, expectedBytes: number, targets: readonly BenchTarget[], problems: string[]): Promise<number[]> {
  const get = (keep: boolean): Promise<{ status: number; bytes: number; body: Buffer[] }> => new Promise((done, fail) => {
    http.get({ host: '127.0.0.1', port, path }, (res) => {
      let bytes = 0;
      const body: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (keep) body.push(chunk);
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, bytes, body }));
      res.on('error', fail);
    }).on('error', fail);
  });
  const times: number[] = [];
  for (let i = 0; i < HTTP_RUNS; i++) {
    const r = await timeMs(() => get(i === 0));
    times.push(r.ms);
    if (r.value.status !== 200 || Math.abs(r.value.bytes - expectedBytes) > 4096) {
      problems.push(`GET ${path} answered ${r.value.status} with ${r.value.bytes} bytes, expected 200 with about ${expectedBytes}`);
    }
    if (i === 0) checkMetrics(Buffer.concat(r.value.body).toString('utf8'), targets, problems);
  }
  return times;
}

/**
 * Lets the parent scrape the product's HTTP app like Prometheus would, from another process; resolves to
 * the parent's timings (none when run by hand).
 */
async function scrapedByParent(app: FastifyInstance, path: string, bytes: number, problems: string[]): Promise<number[]> {
  if (!process.send) return [];
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const answer = new Promise<{ times: number[]; problems: string[] }>((done) => {
    const onMessage = (m: { type?: string; times?: number[]; problems?: string[] }): void => {
      if (m.type !== 'scraped') return;
      process.off('message', onMessage);
      done({ times: m.times ?? [], problems: m.problems ?? [] });
    };
    process.on('message', onMessage);
  });
  process.send({ type: 'scrape', port, path, bytes });
  const { times, problems: found } = await answer;
  problems.push(...found);
  return times;
}

/** Checks a /metrics body has one success and one target_info series per target, with the right sum. */
function checkMetrics(body: string, targets: readonly BenchTarget[], problems: string[]): void {
  const count = (re: RegExp): number => {
    let n = 0;
    while (re.exec(body) !== null) n++;
    return n;
  };
  const success = count(/^ptr_probe_success\{[^\n]*$/gm);
  const passing = count(/^ptr_probe_success\{[^\n]*\} 1$/gm);
  const info = count(/^ptr_target_info\{/gm);
  const pass = targets.filter((t) => t.expected === 'pass').length;
  if (success !== targets.length) problems.push(`/metrics has ${success} ptr_probe_success series, expected ${targets.length}`);
  if (passing !== pass) problems.push(`/metrics has ${passing} ptr_probe_success series at 1, expected ${pass}`);
  if (info !== targets.length) problems.push(`/metrics has ${info} ptr_target_info series, expected ${targets.length}`);
}

/** Entry point of a forked role; reports its outcome over IPC, or on stdout when run by hand. */
async function childMain(args: string[]): Promise<void> {
  const [role, ...rest] = args;
  try {
    if (role === 'dns-server') {
      await serveZone(Number(rest[0] ?? TARGETS));
    } else if (role === 'nsd') {
      const zones = nsdZones(zoneRecords(benchTargets(Number(rest[0] ?? TARGETS))));
      const started = await Promise.all(Array.from({ length: Number(rest[1] ?? 1) }, () => startNsd({ zones })));
      console.log(started.map((s) => s.address).join(','));
      const stop = (): void => void Promise.all(started.map((s) => s.stop())).then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    } else if (role === 'prober') {
      const figures = await measureProber(rest[0] ?? '', Number(rest[1] ?? 32), Number(rest[2] ?? TARGETS));
      if (process.send) process.send({ type: 'figures', figures }, () => process.disconnect());
      else console.log(JSON.stringify(figures, null, 2));
    } else {
      throw new Error(`unknown role ${JSON.stringify(role)}: use dns-server COUNT, nsd COUNT SERVERS or prober SERVER CONCURRENCY COUNT`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.stack ?? error.message : String(error);
    if (process.send) process.send({ type: 'error', message }, () => process.exit(1));
    else {
      console.error(message);
      process.exit(1);
    }
  }
}

const entry = process.argv[1];
if (entry !== undefined && pathToFileURL(resolve(entry)).href === import.meta.url) void childMain(process.argv.slice(2));
