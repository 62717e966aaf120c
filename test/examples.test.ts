import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';
import { CLI, runCli, serve, terminate, waitFor, type Served } from './support/cli-process.js';
import { freePort } from './support/ports.js';

// The files in examples/ are what users copy: each is checked by the tool that will read it.

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));
const PROMETHEUS_YML = join(EXAMPLES, 'prometheus.yml');
const UNIT = join(EXAMPLES, 'ptr-exporter.service');

/** Runs a program to completion; `missing` when it is not installed. */
function run(cmd: string, args: string[]): Promise<{ code: number | null; output: string } | 'missing'> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => void (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => void (output += c.toString('utf8')));
    child.once('error', () => resolve('missing'));
    child.once('close', (code) => resolve({ code, output }));
  });
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptr examples '));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('examples', () => {
  it('prometheus.yml passes `promtool check config`', async () => {
    const result = await run(process.env.PROMTOOL ?? 'promtool', ['check', 'config', PROMETHEUS_YML]);
    if (result === 'missing') throw new Error('promtool is missing (Debian: apt-get install prometheus, or set PROMTOOL)');
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('ptr-exporter.yml passes `ptr-exporter check-config`', async () => {
    const { code, stdout, stderr } = await runCli(['check-config', join(EXAMPLES, 'ptr-exporter.yml')]);
    expect(stderr).toBe('');
    expect(stdout).toContain('OK');
    expect(code).toBe(0);
  });

  it('ptr-exporter.service reloads with SIGHUP and keeps the sandbox settings', () => {
    const unit = readFileSync(UNIT, 'utf8');
    const settings = new Map<string, string>();
    for (const line of unit.split(/\r?\n/)) {
      const m = /^(\w+)=(.*)$/.exec(line);
      if (m) settings.set(m[1]!, m[2]!);
    }
    expect(settings.get('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(settings.get('ExecStart')).toMatch(/ptr-exporter serve --config \S+/);
    expect(settings.get('DynamicUser')).toBe('yes');
    expect(settings.get('CapabilityBoundingSet')).toBe('');
    expect(settings.get('ProtectSystem')).toBe('strict');
    expect(settings.get('RestrictAddressFamilies')!.split(' ').sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_UNIX']);
    expect(settings.get('MemoryDenyWriteExecute')).toBe('no');
  });

  it('ptr-exporter.service passes `systemd-analyze verify`', async () => {
    // verify insists that ExecStart exists: point it at this checkout's build.
    const unit = readFileSync(UNIT, 'utf8').replace(/^ExecStart=\S+/m, `ExecStart="${process.execPath}" "${CLI}"`);
    const file = join(dir, 'ptr-exporter.service');
    await writeFile(file, unit);
    const result = await run('systemd-analyze', ['verify', file]);
    if (result === 'missing') throw new Error('systemd-analyze is missing');
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});

interface ScrapeConfig { job_name: string; scrape_interval?: string; scrape_timeout?: string; static_configs: { targets: string[] }[]; relabel_configs?: { replacement?: string }[] }

describe('examples/prometheus.yml with a real Prometheus and exporter', () => {
  let dns: TestDnsServer;
  let served: Served;
  let prometheus: ChildProcess | null = null;
  let prometheusLog = '';
  let port = 0;

  const query = async (q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
    // Refused, or 503, while Prometheus is still starting: no samples yet.
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`).catch(() => null);
    if (res === null || res.status !== 200) return [];
    const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    return body.status === 'success' ? body.data.result : [];
  };

  beforeAll(async () => {
    dns = await startDnsServer({
      records: [
        { name: '25.2.0.192.in-addr.arpa', type: 'PTR', data: 'mail.example.com' },
        { name: '5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', type: 'PTR', data: 'mail.example.com' },
        { name: 'mail.example.com', type: 'A', data: '192.0.2.25' },
        { name: 'mail.example.com', type: 'AAAA', data: '2001:db8::25' },
        { name: '25.100.51.198.in-addr.arpa', type: 'PTR', data: 'mx.example.net' },
        { name: 'mx.example.net', type: 'A', data: '198.51.100.25' },
      ],
    });
    const config = join(dir, 'exporter.yml');
    await writeFile(config, [
      'web: { listen_address: "127.0.0.1:0" }',
      `dns: { servers: ["${dns.address}"], timeout: 500ms, attempts: 1 }`,
      'discover: { interfaces: false, egress: false, from_logs: false }',
      'targets: [{ ip: 192.0.2.25, helo: mail.example.com }]',
      'logs: []',
      'probe_endpoint: { enabled: true, allowed_networks: ["192.0.2.0/24", "198.51.100.0/24", "2001:db8::/32"] }',
      '',
    ].join('\n'));
    served = await serve(config);
    const exporter = served.base.replace(/^http:\/\//, '');

    // The example as written, pointed at this exporter and made fast.
    const example = parse(readFileSync(PROMETHEUS_YML, 'utf8')) as { global: Record<string, string>; scrape_configs: ScrapeConfig[] };
    example.global = { scrape_interval: '1s', evaluation_interval: '1s' };
    for (const job of example.scrape_configs) {
      job.scrape_interval = '1s';
      job.scrape_timeout = '1s';
      if (job.job_name === 'ptr-exporter') job.static_configs = [{ targets: [exporter] }];
      for (const r of job.relabel_configs ?? []) if (r.replacement !== undefined) r.replacement = exporter;
    }
    await writeFile(join(dir, 'prometheus.yml'), JSON.stringify(example));
    port = await freePort();
    const child = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`]);
    prometheus = child;
    child.stderr.on('data', (d: Buffer) => void (prometheusLog += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e) => reject(new Error(`prometheus could not start (${e.message}): install the Debian package "prometheus"`)));
    });
  }, 20_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    if (served && served.child.exitCode === null) await terminate(served);
    await dns?.close();
  });

  it('scrapes the per-server exporter and probes each target through /probe with its helo', async () => {
    const withLog = { ...served, stderr: () => `${served.stderr()}\nprometheus:\n${prometheusLog}` };
    await waitFor('Prometheus holding the probe results', withLog, async () => (await query('ptr_probe_success{job="ptr-probe"}')).length === 3, 20_000);
    await waitFor('Prometheus holding the exporter\'s own metrics', withLog, async () => (await query('ptr_probe_success{job="ptr-exporter"}')).length === 1, 20_000);
    const probed = await query('ptr_probe_success{job="ptr-probe"}');
    expect(probed.map((s) => s.metric.instance).sort()).toEqual(['192.0.2.25', '198.51.100.25', '2001:db8::25']);
    for (const s of probed) {
      expect(s.metric.ip, s.metric.instance).toBe(s.metric.instance);
      expect(s.value[1], s.metric.instance).toBe('1'); // 198.51.100.25 passes only with its own helo (mx.example.net)
    }
    const status = await query('ptr_probe_status{job="ptr-probe", instance="198.51.100.25", status="helo_mismatch"}');
    expect(status.map((s) => s.value[1])).toEqual(['0']);
    expect((await query('up{job="ptr-exporter"}')).map((s) => s.value[1])).toEqual(['1']);
    expect((await query('ptr_targets{job="ptr-exporter"}')).map((s) => s.value[1])).toEqual(['1']);
  }, 30_000);
});
