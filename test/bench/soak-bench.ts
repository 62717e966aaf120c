/**
 * The soak benchmark: the exporter (Exporter and its HTTP server, in this process) probes 1,000 targets
 * every 10 s and tails a Postfix log that grows steadily and is rotated (rename and recreate) every minute,
 * while Prometheus-like scrapes arrive every 15 s. The DNS server, the log writer and the scraper run in
 * a child process forked from this file ("load"), so that only the exporter's work runs on the event loop
 * being watched. Figures: RSS at start, after the first minute and at the end (the goal is growth under
 * 10% from the first minute to the end) and event-loop stalls over 100 ms (the goal is none).
 * SOAK_SECONDS sets the duration (default 600); below 120 the reference point moves to half the run.
 * By hand, the load role only serves the zone and prints its address: node test/.build/test/bench/soak-bench.js load LOGFILE SECONDS.
 */
import { fork } from 'node:child_process';
import { mkdtemp, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { reverseName } from '../../src/probe/reverse-name.js';
import type { ProbeStatus } from '../../src/probe/types.js';
import type { ZoneRecord } from '../support/dns-server.js';
import { generatePostfixLog } from './gen-postfix-log.js';
import { nextMessage } from './child.js';
import { figure, mib, ms, note } from './report.js';

const TARGETS = 1000;
const SCHEDULE = '*/10 * * * * *';
const LINES_PER_SECOND = 100;
const ROTATE_EVERY_MS = 60_000;
const SCRAPE_EVERY_MS = 15_000;
const LOG_SEED = 20251127;
const STALL_MS = 100;
const TICK_MS = 10;
const GOAL_RSS_GROWTH = 0.1;
const MESSAGE_TIMEOUT_MS = 30_000;

/** One soak target and the status its zone entries give it. */
interface SoakTarget { ip: string; expected: ProbeStatus }

/** 1,000 targets: IPv6 in 2001:db8:50::/64 and every 4th IPv4 in 198.51.100.0/24 and 203.0.113.0/24; 90% pass, 5% no_ptr, 5% mismatch. */
function soakTargets(): SoakTarget[] {
  const out: SoakTarget[] = [];
  for (let i = 0; i < TARGETS; i++) {
    const ip = i % 4 === 0 && i < 2048 ? `${i < 1024 ? '198.51.100' : '203.0.113'}.${(i / 4) % 256}` : `2001:db8:50::${i.toString(16)}`;
    const k = i % 20;
    out.push({ ip, expected: k === 0 ? 'no_ptr' : k === 1 ? 'mismatch' : 'pass' });
  }
  return out;
}

function soakZone(targets: readonly SoakTarget[]): ZoneRecord[] {
  const records: ZoneRecord[] = [];
  targets.forEach((t, i) => {
    if (t.expected === 'no_ptr') return;
    const name = `mta-${i}.soak.example.com`;
    const type = t.ip.includes(':') ? 'AAAA' : 'A';
    records.push({ name: reverseName(t.ip), type: 'PTR', data: name });
    records.push({ name, type, data: t.expected === 'pass' ? t.ip : type === 'A' ? '192.0.2.254' : '2001:db8:ffff::1' });
  });
  return records;
}

/** What the load child did. */
interface LoadFigures {
  linesWritten: number;
  expectedRejections: number;
  rotations: number;
  scrapes: number;
  scrapeErrors: string[];
  scrapeMaxMs: number;
  scrapeMaxBytes: number;
  dnsQueries: number;
  cpuMs: number;
}

/** Runs the soak benchmark; prints the figures; throws when the exporter's results are wrong. */
export async function runSoak(): Promise<void> {
  const seconds = Number(process.env.SOAK_SECONDS ?? 600);
  if (!Number.isFinite(seconds) || seconds < 20) throw new Error(`SOAK_SECONDS must be a number of seconds, at least 20 (got ${process.env.SOAK_SECONDS})`);
  const referenceS = seconds >= 120 ? 60 : Math.round(seconds / 2);
  const dir = await mkdtemp(join(tmpdir(), 'ptr-soak-'));
  const logPath = join(dir, 'mail.log');
  const targets = soakTargets();
  const load = fork(fileURLToPath(import.meta.url), ['load', logPath, String(seconds)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [{ parseConfig }, { Exporter }, { buildServer }, { createLogger }, { VERSION }] = await Promise.all([
    import('../../src/config/load.js'), import('../../src/exporter/exporter.js'), import('../../src/server/app.js'), import('../../src/logger.js'), import('../../src/version.js'),
  ]);
  let exporter: InstanceType<typeof Exporter> | null = null;
  let app: ReturnType<typeof buildServer> | null = null;
  try {
    const { address } = await nextMessage<{ address: string }>(load, 'ready', MESSAGE_TIMEOUT_MS);
    const yaml = [
      'web: { listen_address: "127.0.0.1:0" }',
      `dns: { servers: [${JSON.stringify(address)}], timeout: 2s, attempts: 2 }`,
      `probe: { schedule: "${SCHEDULE}", concurrency: 32, run_on_start: true }`,
      'discover: { interfaces: false, egress: false, from_logs: false }',
      `logs: [{ path: ${JSON.stringify(logPath)}, format: postfix, start_at: beginning }]`,
      'targets:',
      ...targets.map((t) => `  - ip: ${JSON.stringify(t.ip)}`),
      '',
    ].join('\n');
    const config = parseConfig(yaml, 'soak config');
    console.log(`soak: ${seconds} s; ${TARGETS} targets probed on "${SCHEDULE}"; a Postfix log growing by ${LINES_PER_SECOND} lines/s, rotated every ${ROTATE_EVERY_MS / 1000} s; /metrics scraped every ${SCRAPE_EVERY_MS / 1000} s`);
    note(`DNS server, log writer and scraper: child process ${load.pid}; DNS at ${address}; log ${logPath}`);

    const origin = performance.now();
    const at = (): number => (performance.now() - origin) / 1000;
    const rss: { atS: number; rss: number; heap: number }[] = [];
    const windows: Window[] = [];
    let lastCycleEnd = 0;
    const sample = (): void => {
      const m = process.memoryUsage();
      rss.push({ atS: at(), rss: m.rss, heap: m.heapUsed });
      if (!exporter) return;
      const end = exporter.metrics.cycleTimestamp.get();
      const duration = exporter.metrics.cycleDuration.get();
      void Promise.all([end, duration]).then(([e, d]) => {
        const endS = e.values[0]?.value ?? 0;
        if (endS === lastCycleEnd) return;
        lastCycleEnd = endS;
        const toS = (endS * 1000 - performance.timeOrigin - origin) / 1000;
        windows.push({ what: 'probe cycle', fromS: toS - (d.values[0]?.value ?? 0), toS });
      });
    };
    sample();
    const timer = setInterval(sample, 1000);
    // With --expose-gc (npm run bench), the two RSS points are taken right after a full GC, so that garbage
    // waiting for collection does not count as growth; stalls overlapping those GCs are not counted.
    const gc = (globalThis as { gc?: () => void }).gc;
    const point = (): { atS: number; rss: number; heap: number } => {
      if (gc) {
        const fromS = at();
        gc();
        windows.push({ what: 'forced GC', fromS, toS: at() });
      }
      const m = process.memoryUsage();
      return { atS: at(), rss: m.rss, heap: m.heapUsed };
    };
    let ref: { atS: number; rss: number; heap: number } | null = null;

    exporter = new Exporter(config, VERSION, createLogger('warn', 'logfmt'));
    app = buildServer({ exporter });
    const scrapeStarts = new WeakMap<object, number>();
    app.addHook('onRequest', async (req) => void scrapeStarts.set(req, at()));
    app.addHook('onResponse', async (req) => void windows.push({ what: 'scrape', fromS: scrapeStarts.get(req) ?? at(), toS: at() }));
    await exporter.start();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const startupMs = performance.now() - origin;
    const watch = watchEventLoop(origin);
    const refTimer = setTimeout(() => void (ref = point()), referenceS * 1000 - (performance.now() - origin));
    const port = (app.server.address() as { port: number }).port;
    load.send({ type: 'go', url: `http://127.0.0.1:${port}${config.web.telemetryPath}` });

    const figures = await nextMessage<{ figures: LoadFigures }>(load, 'done', (seconds + 60) * 1000).then((m) => m.figures);
    clearInterval(timer);
    clearTimeout(refTimer);
    const end = point();
    sample();
    const loop = watch.stop();
    tagStalls(loop.stalls, windows);
    const counted = loop.stalls.filter((x) => !x.during.includes('forced GC'));

    // The log is complete: let the tailer catch up, then compare counts with what was written.
    const deadline = Date.now() + 10_000;
    const lines = (): number => exporter!.logs.stats().get(logPath)?.lines ?? 0;
    while (lines() < figures.linesWritten && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
    const stats = exporter.logs.stats().get(logPath)!;
    const rejections = exporter.tally.list().reduce((sum, r) => sum + r.count, 0);
    const statuses = new Map(exporter.probes.list().map((s) => [s.target.ip, s.result?.status ?? null]));
    const skipped = (await exporter.metrics.cyclesSkipped.get()).values[0]?.value ?? 0;
    const cycleSeconds = (await exporter.metrics.cycleDuration.get()).values[0]?.value ?? 0;

    const refPoint = ref ?? end;
    const peakAfterRef = Math.max(...rss.filter((x) => x.atS >= refPoint.atS).map((x) => x.rss));
    const growth = (end.rss - refPoint.rss) / refPoint.rss;
    const after = gc ? ', after a full GC' : ' (no --expose-gc: without a full GC first)';
    figure(`RSS: ${mib(rss[0]!.rss)} at start, ${mib(refPoint.rss)} at ${refPoint.atS.toFixed(0)} s, ${mib(end.rss)} at the end (${end.atS.toFixed(0)} s): ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%`,
      `< +${GOAL_RSS_GROWTH * 100}% after ${referenceS} s`, growth < GOAL_RSS_GROWTH);
    const longest = Math.max(0, ...counted.map((x) => x.ms));
    figure(`event-loop stalls over ${STALL_MS} ms: ${counted.length} (longest ${ms(longest)})`, '0', counted.length === 0);
    const starved = counted.filter((x) => x.cpuMs < x.ms / 2).length;
    if (counted.length > 0) {
      note(`stalls (start s: length, process CPU meanwhile, overlapping): ${counted.slice(0, 20).map((x) => `${x.atS.toFixed(1)}: ${ms(x.ms)} ${ms(x.cpuMs)} CPU${x.during.length > 0 ? ` ${x.during.join('+')}` : ''}`).join('; ')}${counted.length > 20 ? '; ...' : ''}`);
      if (starved > 0) note(`${starved} of the stalls used less CPU than half their length: the process was waiting for a CPU (a busy host), not working`);
    }
    const scrapeStalls = counted.filter((x) => x.during.includes('scrape'));
    if (scrapeStalls.length > 0) note(`${scrapeStalls.length} of the stalls overlap a scrape: /metrics is rendered in one piece (prom-client's Registry.metrics() yields only to microtasks)`);
    if (gc) note(`the forced GCs took ${windows.filter((w) => w.what === 'forced GC').map((w) => ms((w.toS - w.fromS) * 1000)).join(' and ')}; stalls overlapping them are not counted`);
    note(`startup (Exporter, first cycle started, listening): ${ms(startupMs)}, not watched; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${availableParallelism()} CPUs at the end`);
    note(`RSS points taken${after}; RSS peak after ${refPoint.atS.toFixed(0)} s ${mib(peakAfterRef)}; V8 heap used ${mib(refPoint.heap)} at ${refPoint.atS.toFixed(0)} s, ${mib(end.heap)} at the end`);
    note(`event-loop delay (perf_hooks, 10 ms resolution): p50 ${ms(loop.p50Ms)}, p99 ${ms(loop.p99Ms)}, max ${ms(loop.histMaxMs)}`);
    note(`probe cycles: ${exporter.probes.cyclesDone} done, ${skipped} skipped, last took ${(cycleSeconds * 1000).toFixed(0)} ms; DNS server answered ${figures.dnsQueries} queries`);
    note(`log: ${figures.linesWritten} lines written, ${stats.lines} read, ${(stats.bytes / 1048576).toFixed(1)} MiB; ${figures.rotations} rotations written, ${stats.rotations} seen; ${rejections} rejections counted, ${figures.expectedRejections} in the log`);
    note(`scrapes: ${figures.scrapes}, slowest ${ms(figures.scrapeMaxMs)}, largest ${mib(figures.scrapeMaxBytes)}; load process CPU ${ms(figures.cpuMs)}`);

    const problems: string[] = [];
    const wrong = targets.filter((t) => statuses.get(t.ip) !== t.expected);
    if (wrong.length > 0) problems.push(`${wrong.length} targets have a wrong status, e.g. ${wrong.slice(0, 3).map((t) => `${t.ip} ${statuses.get(t.ip) ?? 'unprobed'} (expected ${t.expected})`).join(', ')}`);
    if (stats.lines !== figures.linesWritten) problems.push(`the tailer read ${stats.lines} lines of the ${figures.linesWritten} written`);
    if (stats.rotations !== figures.rotations) problems.push(`the tailer saw ${stats.rotations} rotations of the ${figures.rotations} made`);
    if (stats.readErrors > 0 || stats.truncations > 0) problems.push(`the tailer counted ${stats.readErrors} read errors and ${stats.truncations} truncations`);
    if (rejections !== figures.expectedRejections) problems.push(`${rejections} rejections counted, the log holds ${figures.expectedRejections}`);
    if (figures.scrapeErrors.length > 0) problems.push(`scrapes failed: ${figures.scrapeErrors.slice(0, 3).join('; ')}`);
    if (exporter.probes.cyclesDone < Math.floor(seconds / 10) - 1) problems.push(`only ${exporter.probes.cyclesDone} probe cycles in ${seconds} s`);
    if (problems.length > 0) throw new Error(`soak results are wrong:\n  ${problems.join('\n  ')}`);
  } finally {
    if (load.exitCode === null) load.kill();
    await app?.close();
    await exporter?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Counts event-loop stalls with a timer drift probe (with the process's CPU time during each), and keeps perf_hooks' delay histogram. */
function watchEventLoop(origin: number): { stop(): LoopFigures } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const stalls: Stall[] = [];
  let maxMs = 0;
  let last = performance.now();
  let cpu = process.cpuUsage();
  const timer = setInterval(() => {
    const now = performance.now();
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const late = now - last - TICK_MS;
    last = now;
    if (late > maxMs) maxMs = late;
    if (late > STALL_MS) stalls.push({ atS: (now - late - TICK_MS - origin) / 1000, ms: late, cpuMs: (used.user + used.system) / 1000, during: [] });
  }, TICK_MS);
  return {
    stop() {
      clearInterval(timer);
      histogram.disable();
      return { stalls, maxMs, p50Ms: histogram.percentile(50) / 1e6, p99Ms: histogram.percentile(99) / 1e6, histMaxMs: histogram.max / 1e6 };
    },
  };
}

/** One stall: when it began (seconds from the origin), its length, the CPU time the process used meanwhile (all threads), what overlapped it. */
interface Stall { atS: number; ms: number; cpuMs: number; during: string[] }

/** What the event-loop watch saw. */
interface LoopFigures { stalls: Stall[]; maxMs: number; p50Ms: number; p99Ms: number; histMaxMs: number }

/** A time window of some activity, in seconds from the origin. */
interface Window { what: string; fromS: number; toS: number }

/** Tags each stall with the windows it overlaps. */
function tagStalls(stalls: Stall[], windows: readonly Window[]): void {
  for (const st of stalls) {
    const to = st.atS + st.ms / 1000;
    st.during = [...new Set(windows.filter((w) => w.fromS <= to && w.toS >= st.atS).map((w) => w.what))];
  }
}

/**
 * Child role: serves the zone, then on "go" writes the log at a steady pace for `seconds` (rename and recreate
 * every minute) and scrapes the exporter every 15 s; sends "done" with its figures when the log is complete.
 */
async function runLoad(logPath: string, seconds: number): Promise<void> {
  const { startDnsServer } = await import('../support/dns-server.js');
  const server = await startDnsServer({ records: soakZone(soakTargets()) });
  const total = Math.round(seconds * LINES_PER_SECOND);
  const log = generatePostfixLog(total, LOG_SEED);
  if (!process.send) {
    console.log(server.address);
  } else {
    let file: FileHandle = await open(logPath, 'a');
    process.send({ type: 'ready', address: server.address });
    const { url } = await new Promise<{ url: string }>((done) => process.once('message', (m: { url: string }) => done(m)));
    process.on('disconnect', () => process.exit(0));
    const figures: LoadFigures = {
      linesWritten: 0, expectedRejections: log.expected.rejections, rotations: 0, scrapes: 0, scrapeErrors: [], scrapeMaxMs: 0, scrapeMaxBytes: 0, dnsQueries: 0, cpuMs: 0,
    };
    const scraper = setInterval(() => {
      const t = performance.now();
      void fetch(url).then(async (res) => {
        const body = await res.text();
        figures.scrapes++;
        figures.scrapeMaxMs = Math.max(figures.scrapeMaxMs, performance.now() - t);
        figures.scrapeMaxBytes = Math.max(figures.scrapeMaxBytes, body.length);
        if (res.status !== 200) figures.scrapeErrors.push(`HTTP ${res.status}`);
      }, (error: unknown) => void figures.scrapeErrors.push(String(error)));
    }, SCRAPE_EVERY_MS);
    const start = Date.now();
    let nextRotation = start + ROTATE_EVERY_MS;
    const lines = log.lines();
    while (figures.linesWritten < total) {
      const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * LINES_PER_SECOND));
      if (due > figures.linesWritten) {
        const batch: string[] = [];
        for (; figures.linesWritten < due; figures.linesWritten++) batch.push(lines.next().value as string, '\n');
        await file.write(batch.join(''));
      }
      if (Date.now() >= nextRotation && figures.linesWritten < total) {
        await file.close();
        await rename(logPath, `${logPath}.1`);
        file = await open(logPath, 'a');
        figures.rotations++;
        nextRotation += ROTATE_EVERY_MS;
      }
      await new Promise((done) => setTimeout(done, 100));
    }
    await file.close();
    clearInterval(scraper);
    const cpu = process.cpuUsage();
    figures.cpuMs = (cpu.user + cpu.system) / 1000;
    figures.dnsQueries = server.queryCount.udp + server.queryCount.tcp;
    process.send({ type: 'done', figures });
  }
}

const entry = process.argv[1];
if (entry !== undefined && pathToFileURL(resolve(entry)).href === import.meta.url) {
  const [role, logPath, seconds] = process.argv.slice(2);
  if (role !== 'load' || logPath === undefined) {
    console.error('usage: node test/.build/test/bench/soak-bench.js load LOGFILE SECONDS');
    process.exit(2);
  }
  runLoad(logPath, Number(seconds ?? 600)).catch((error: unknown) => {
    const message = error instanceof Error ? error.stack ?? error.message : String(error);
    if (process.send) process.send({ type: 'error', message }, () => process.exit(1));
    else {
      console.error(message);
      process.exit(1);
    }
  });
}
