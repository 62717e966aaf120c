import { writeFile } from 'node:fs/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../../src/node-flags.js';

/** The built CLI and the resource-usage hook, compiled with the bench into test/.build/. */
export const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const HOOK = new URL('./rusage-hook.js', import.meta.url).href;

/** What a measured CLI run produced. */
export interface MeasuredRun { code: number | null; stdout: string; stderr: string; wallMs: number; maxRssBytes: number; cpuMs: number }

/** Runs the built CLI as a child (with the product's V8 flags) and the hook preloaded and returns its output, wall time and peak RSS. */
export function runMeasured(args: string[]): Promise<MeasuredRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...NODE_FLAGS, '--import', HOOK, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => void (stderr += c.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      const m = /RUSAGE (\{.*\})\s*$/.exec(stderr);
      const usage = m ? (JSON.parse(m[1]!) as { maxRSS: number; userCPUTime: number; systemCPUTime: number }) : { maxRSS: 0, userCPUTime: 0, systemCPUTime: 0 };
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: m ? stderr.slice(0, m.index) : stderr, wallMs, maxRssBytes: usage.maxRSS * 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 });
    });
  });
}

/** A running `ptr-exporter serve` child. */
export interface ServeChild { base: string; pid: number; stop(): Promise<number | null> }

/** Starts `serve --config FILE` and resolves once it logged its listening address. */
export function startServe(configFile: string): Promise<ServeChild> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, CLI, 'serve', '--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
      const m = /msg=listening .*address="?[^\s"]*:(\d+)/.exec(stderr);
      if (m) resolve({ base: `http://127.0.0.1:${m[1]}`, pid: child.pid ?? 0, stop: () => { child.kill('SIGTERM'); return exited; } });
    });
    void exited.then((code) => reject(new Error(`serve exited ${code} before listening: ${stderr}`)));
  });
}

/** Sums the samples of one metric in a /metrics text whose label set contains `match`. */
/** Writes a config that tails one Postfix log on loopback with the prober idle, for the tail and catch-up benches. */
export async function writeTailConfig(config: string, log: string, startAt: 'beginning' | 'end'): Promise<void> {
  await writeFile(config, [
    'web: { listen_address: "127.0.0.1:0" }',
    'dns: { servers: ["127.0.0.1:9"], timeout: 100ms, attempts: 1 }',
    'probe: { schedule: "0 0 1 1 *", run_on_start: false }',
    'discover: { interfaces: false, egress: false, from_logs: false }',
    'logs:',
    `  - { path: ${JSON.stringify(log)}, format: postfix, start_at: ${startAt} }`,
    '',
  ].join('\n'));
}

/** Lines read and rejections counted by a running `serve`, from its /metrics. */
export async function logCounts(served: ServeChild): Promise<{ lines: number; rejections: number }> {
  const text = await (await fetch(`${served.base}/metrics`)).text();
  return { lines: metricSum(text, 'ptr_log_lines_total'), rejections: metricSum(text, 'ptr_smtp_rejections_total') };
}

export function metricSum(text: string, name: string, match = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    if (match !== '' && !line.includes(match)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Waits for the child's next message of a type; rejects when it exits first, reports an error or takes too long. */
export function nextMessage<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => finish(new Error(`no "${type}" message from child process ${child.pid} within ${timeoutMs / 1000} s`)), timeoutMs);
    const onMessage = (m: { type?: string; message?: string }): void => {
      if (m.type === type) finish(null, m as T);
      else if (m.type === 'error') finish(new Error(`child process ${child.pid} failed: ${m.message}`));
    };
    const onExit = (code: number | null, signal: string | null): void => finish(new Error(`child process ${child.pid} exited (${signal ?? code}) before sending "${type}"`));
    function finish(error: Error | null, value?: T): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) fail(error);
      else done(value as T);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}
