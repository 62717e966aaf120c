import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../src/node-flags.js';
import { runCli, serve, terminate, waitFor, type Served } from './support/cli-process.js';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';
import { ensureRelease, headRevision, LINUX_ARCHIVE, RELEASE_DIR, RELEASE_NODE, VERSION, WINDOWS_ARCHIVE } from './support/release-build.js';

// The release archives as a user gets them (`npm run release`, built once and reused while its inputs are
// unchanged): the Linux executable runs from an unpacked archive with no Node.js on PATH; the Windows zip
// is checked for its files, and its config by the Linux executable.

const GMAIL = 'gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1a]';
const IPV6_RULE = '550-5.7.1 [2001:db8::77] Gmail has detected that this message does not meet IPv6 sending guidelines regarding PTR records and authentication. 550-5.7.1 For more information, go to 550 5.7.1 https://support.google.com/mail/?p=IPv6AuthError d2e1a72fcca58-7 - gsmtp';
const POSTFIX_LINE = `Nov 27 10:00:01 mx postfix/smtp[1234]: 4ABC00001: to=<a@gmail.com>, relay=${GMAIL}:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host ${GMAIL} said: ${IPV6_RULE} (in reply to end of DATA command))\n`;
/** postject flips the fuse's last character from 0 to 1 when it injects the blob. */
const FUSE_SET = Buffer.from('NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1');

let dir: string;
let exe: string;
let noNodePath: string;
let env: NodeJS.ProcessEnv;
let dns: TestDnsServer;
let zip: Record<string, Uint8Array>;

/** Runs the unpacked Linux executable with a PATH that holds no node. */
function run(args: string[]): ReturnType<typeof runCli> {
  return runCli(args, { command: [exe], env });
}

/** The value of ptr_probe_status{ip="192.0.2.25",status="pass"} in a scrape, or null. */
function metricsProbeStatus(text: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith('ptr_probe_status{') && l.includes('ip="192.0.2.25"') && l.includes('status="pass"'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : null;
}

/** The COFF machine and optional-header subsystem of a PE file, or a reason it is not one. */
function peHeader(bytes: Uint8Array): { machine: number; subsystem: number } | string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.toString('latin1', 0, 2) !== 'MZ') return 'no MZ signature';
  const pe = b.readUInt32LE(0x3c);
  if (b.toString('latin1', pe, pe + 4) !== 'PE\0\0') return `no PE signature at ${pe}`;
  return { machine: b.readUInt16LE(pe + 4), subsystem: b.readUInt16LE(pe + 24 + 68) };
}

beforeAll(async () => {
  await ensureRelease();
  dir = await mkdtemp(join(tmpdir(), 'ptr-release-'));
  noNodePath = join(dir, 'empty-bin');
  await mkdir(noNodePath);
  await promisify(execFile)('tar', ['-xzf', LINUX_ARCHIVE, '-C', dir]);
  exe = join(dir, `ptr-exporter-${VERSION}-linux-x64`, 'ptr-exporter');
  env = { PATH: noNodePath, HOME: dir, LANG: 'C' };
  zip = unzipSync(readFileSync(WINDOWS_ARCHIVE));
  dns = await startDnsServer({
    records: [
      { name: '25.2.0.192.in-addr.arpa', type: 'PTR', data: 'mail.example.com' },
      { name: 'mail.example.com', type: 'A', data: '192.0.2.25' },
    ],
  });
}, 15 * 60_000);

afterAll(async () => {
  await dns?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('release/ after npm run release', () => {
  it('lists both archives in SHA256SUMS with their digests', () => {
    const sums = readFileSync(join(RELEASE_DIR, 'SHA256SUMS'), 'utf8');
    const expected = [LINUX_ARCHIVE, WINDOWS_ARCHIVE]
      .map((f) => `${createHash('sha256').update(readFileSync(f)).digest('hex')}  ${f.slice(RELEASE_DIR.length + 1)}\n`).join('');
    expect(sums).toBe(expected);
  });
});

describe('the Linux archive', { timeout: 60_000 }, () => {
  it('holds the executable with the SEA blob injected, LICENSE, README, examples and dashboards', () => {
    const top = join(dir, `ptr-exporter-${VERSION}-linux-x64`);
    for (const f of ['LICENSE', 'README.md', 'THIRD-PARTY-NOTICES.txt', 'examples/ptr-exporter.yml', 'examples/ptr-exporter.service', 'dashboards/ptr-exporter.json', 'dashboards/prometheus-alerts.yml']) {
      expect(existsSync(join(top, f)), f).toBe(true);
    }
    expect(statSync(exe).mode & 0o111).toBe(0o111);
    expect(readFileSync(exe).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(readFileSync(exe).includes(FUSE_SET)).toBe(true);
    // The SEA config's execArgv travels in the blob.
    for (const flag of NODE_FLAGS) expect(readFileSync(exe).includes(Buffer.from(flag)), flag).toBe(true);
  });

  it('runs with no node on PATH and prints its version, the git revision and the Node.js inside', async () => {
    expect(existsSync(join(noNodePath, 'node'))).toBe(false);
    const r = await run(['--version']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = /^ptr-exporter (\S+) \(revision ([0-9a-f]{7})(-dirty)?, node (v[\d.]+)\)\n$/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(m![1]).toBe(VERSION);
    expect(m![4]).toBe(`v${RELEASE_NODE}`);
    expect(m![2]).toBe(headRevision());
  });

  it('probes an IP against the loopback DNS server', async () => {
    const r = await run(['probe', '--dns.server', dns.address, '--json', '192.0.2.25']);
    expect(r.code, r.stderr).toBe(0);
    const [result] = JSON.parse(r.stdout) as { ip: string; status: string; confirmed: string[] }[];
    expect(result).toMatchObject({ ip: '192.0.2.25', status: 'pass', confirmed: ['mail.example.com'] });
  });

  it('scans a Postfix log and counts the Gmail IPv6 PTR rejection', async () => {
    const log = join(dir, 'mail.log');
    await writeFile(log, POSTFIX_LINE);
    const r = await run(['scan', '--json', log]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { rejections: { provider: string; reason: string; sender_ip: string; count: number }[] };
    expect(report.rejections).toEqual([expect.objectContaining({ provider: 'gmail', reason: 'ipv6_ptr_auth', sender_ip: '2001:db8::77', count: 1 })]);
  });

  it('serves /metrics with build_info and /-/ready, and exits 0 on SIGTERM', async () => {
    const config = join(dir, 'serve.yml');
    await writeFile(config, [
      'web:', '  listen_address: "127.0.0.1:0"',
      'dns:', `  servers: ["${dns.address}"]`,
      'probe:', '  run_on_start: true',
      'targets:', '  - ip: 192.0.2.25',
      'discover:', '  interfaces: false', '  egress: false',
      'logs: []', '',
    ].join('\n'));
    let served: Served | undefined;
    try {
      served = await serve(config, { command: [exe], env });
      const base = served.base;
      // Ready once the first probe cycle has finished (503 until then).
      await waitFor('/-/ready answering 200', served, async () => (await fetch(`${base}/-/ready`)).status === 200);
      expect(metricsProbeStatus(await (await fetch(`${base}/metrics`)).text())).toBe(1);
      const metrics = await (await fetch(`${served.base}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`^ptr_exporter_build_info\\{version="${VERSION.replaceAll('.', '\\.')}",revision="[0-9a-f]{7}(-dirty)?",node_version="v${RELEASE_NODE.replaceAll('.', '\\.')}"\\} 1$`, 'm'));
      expect(await terminate(served)).toBe(0);
    } finally {
      if (served && served.child.exitCode === null) served.child.kill('SIGKILL');
    }
  });
});

describe('the Windows zip', { timeout: 60_000 }, () => {
  it('holds an x64 console PE executable with the SEA blob injected', () => {
    const bytes = zip['ptr-exporter.exe']!;
    expect(bytes, 'ptr-exporter.exe').toBeDefined();
    expect(peHeader(bytes)).toEqual({ machine: 0x8664, subsystem: 3 });
    expect(Buffer.from(bytes).includes(FUSE_SET)).toBe(true);
  });

  it('holds the WinSW wrapper with its .exe.config and an XML that runs the exporter as the issue describes', () => {
    expect(typeof peHeader(zip['ptr-exporter-service.exe']!)).toBe('object');
    expect(Buffer.from(zip['ptr-exporter-service.exe.config']!).toString('utf8')).toContain('supportedRuntime version="v4.0"');
    const xml = Buffer.from(zip['ptr-exporter-service.xml']!).toString('utf8');
    expect(xml).toContain('<executable>%BASE%\\ptr-exporter.exe</executable>');
    expect(xml).toContain('<arguments>serve --config "%BASE%\\ptr-exporter.yml"</arguments>');
    expect(xml).toMatch(/<onfailure action="restart" delay="\d+ sec"\/>/);
    expect(xml).toContain('<logpath>%BASE%</logpath>');
    // Every element closes: no stray tag that would stop WinSW's XML reader.
    const opened = [...xml.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)];
    const stack: string[] = [];
    for (const [, close, name, self] of opened) {
      if (self) continue;
      if (close) expect(stack.pop()).toBe(name);
      else stack.push(name!);
    }
    expect(stack).toEqual([]);
  });

  it('holds README-windows.md with the install steps, the dashboards, README and LICENSE', () => {
    for (const f of ['README-windows.md', 'README.md', 'LICENSE', 'THIRD-PARTY-NOTICES.txt', 'dashboards/ptr-exporter.json', 'dashboards/prometheus-alerts.yml']) {
      expect(zip[f], f).toBeDefined();
    }
    const readme = Buffer.from(zip['README-windows.md']!).toString('utf8');
    for (const step of ['C:\\Program Files\\ptr-exporter', 'ptr-exporter-service.exe install', 'ptr-exporter-service.exe start', '-LocalPort 9808', 'MDaemon\\Logs', '/-/reload']) {
      expect(readme).toContain(step);
    }
    expect(readme).toContain(`ptr-exporter-${VERSION}-windows-x64.zip`);
  });

  it('has a config for MDaemon\'s logs that passes check-config by the Linux executable', async () => {
    const yml = Buffer.from(zip['ptr-exporter.yml']!).toString('utf8');
    expect(yml).toContain(String.raw`path: 'C:\MDaemon\Logs\MDaemon-*-SMTP (out).log'`);
    const file = join(dir, 'windows.yml');
    await writeFile(file, yml);
    const r = await run(['check-config', file]);
    expect(r.code, r.stderr).toBe(0);
  });
});
