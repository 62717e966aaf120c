import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** How to start the test Prometheus. */
export interface PrometheusOptions {
  /** "HOST:PORT" of each exporter scraped by the one job. */
  targets: readonly string[];
  /** Rule files to load (absolute paths). */
  ruleFiles?: readonly string[];
  jobName?: string;
  /** Both scrape and rule evaluation interval; default 1s. */
  interval?: string;
  /** The binary; default $PROMETHEUS or "prometheus" on PATH. */
  binary?: string;
  /** How long to wait for /-/ready; default 20 s. */
  readyTimeoutMs?: number;
}

/** The body of an /api/v1/query answer. */
export interface QueryAnswer {
  status: 'success' | 'error';
  data?: { resultType: string; result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[] };
  errorType?: string;
  error?: string;
}

/** A running Prometheus on a loopback port, with its own data directory. */
export interface TestPrometheus {
  /** "http://127.0.0.1:PORT". */
  url: string;
  /** The job name of the scrape config. */
  job: string;
  /** Everything Prometheus logged so far. */
  log(): string;
  /** An instant query through POST /api/v1/query; an invalid expression is an answer, not a throw. */
  query(expr: string): Promise<QueryAnswer>;
  /** GET /api/v1/PATH; throws unless the status is success. */
  api<T>(path: string): Promise<T>;
  /** Stops Prometheus and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts Prometheus with one scrape job against `targets`, scrape and evaluation every `interval`, the
 * rule files loaded and its TSDB in a temporary directory; resolves once /-/ready answers 200. A missing
 * binary, an early exit or a timeout rejects with Prometheus' log.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<TestPrometheus> {
  const binary = options.binary ?? process.env.PROMETHEUS ?? 'prometheus';
  const job = options.jobName ?? 'ptr-exporter';
  const interval = options.interval ?? '1s';
  const dir = mkdtempSync(join(tmpdir(), 'ptr-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  // JSON is YAML: no quoting questions for Windows paths.
  writeFileSync(configFile, JSON.stringify({
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: options.ruleFiles ?? [],
    scrape_configs: [{ job_name: job, static_configs: [{ targets: options.targets }] }],
  }, null, 2));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(binary, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=info',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (c: Buffer) => void (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => void (output += c.toString('utf8')));
  const exited = new Promise<string>((resolve) => {
    child.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ENOENT'
      ? `${binary} is not installed or not on PATH: install the Debian package "prometheus" (.ci/run does), or set PROMETHEUS`
      : `${binary} could not start: ${e.message}`));
    child.once('exit', (code, signal) => resolve(`${binary} exited with ${code ?? signal}`));
  });
  let gone = null as string | null; // set by the exit callback, which type narrowing cannot see
  void exited.then((why) => { gone = why; });

  const stop = async (): Promise<void> => {
    if (gone === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (gone !== null) {
      await stop();
      throw new Error(`${gone}\n${output}`);
    }
    const ready = await fetch(`${url}/-/ready`).then((r) => r.status === 200, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Prometheus was not ready within ${options.readyTimeoutMs ?? 20_000} ms\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url,
    job,
    log: () => output,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: expr }) });
      return (await res.json()) as QueryAnswer;
    },
    async api<T>(path: string) {
      const body = (await (await fetch(`${url}/api/v1/${path}`)).json()) as { status: string; data: T; error?: string };
      if (body.status !== 'success') throw new Error(`Prometheus /api/v1/${path}: ${body.status} ${body.error ?? ''}`);
      return body.data;
    },
    stop,
  };
}
