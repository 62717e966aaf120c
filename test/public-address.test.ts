import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { Exporter, type StatusReport, type TargetStatus } from '../src/exporter/exporter.js';
import { createLogger } from '../src/logger.js';
import { buildServer } from '../src/server/app.js';
import { renderLandingPage } from '../src/server/landing-page.js';
import { addressKind, isRoutableKind } from '../src/targets/address.js';
import { interfaceAddresses } from '../src/targets/interfaces.js';
import { describeAddresses, noPublicAddress, notOnInternetWords } from '../src/targets/public-address.js';
import { mergeTargets, type SourceAddresses } from '../src/targets/target-set.js';
import { serve, terminate, waitFor, type Served } from './support/cli-process.js';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';

// A first run behind NAT: the host's own addresses are private (or loopback, ULA, ...), receivers see the
// router's public address instead, and nothing is probed until that address is configured. The global
// literals below (8.8.4.4, 2a00:1450:4001::1b) are only classified, never contacted.

const verdict = (s: Partial<SourceAddresses>): boolean =>
  noPublicAddress(mergeTargets({ config: [], interface: [], egress: [], log: [], ...s }, 100).targets);

describe('the "no public address" verdict', () => {
  it('is true when discovery finds only addresses not used on the Internet', () => {
    expect(verdict({ interface: ['127.0.0.1', '::1', '192.168.1.25', 'fe80::1'] })).toBe(true);
    expect(verdict({ interface: ['10.0.0.25', 'fd00::25'], egress: ['10.0.0.25', 'fd00::25'] })).toBe(true);
    expect(verdict({ egress: ['100.64.0.25'] })).toBe(true);
    expect(verdict({ interface: ['172.16.0.25', '169.254.0.25', '192.0.2.25', '2001:db8::25'] })).toBe(true);
  });

  it('is false when discovery finds a global, Teredo or 6to4 address', () => {
    expect(verdict({ interface: ['127.0.0.1', '10.0.0.25', '8.8.4.4'] })).toBe(false);
    expect(verdict({ egress: ['2a00:1450:4001::1b'], interface: ['192.168.1.25'] })).toBe(false);
    expect(verdict({ interface: ['10.0.0.25', '2001:0:5ef5:79fb:34e1:18ed:adbb:2299'] })).toBe(false);
    expect(verdict({ interface: ['10.0.0.25', '2002:c000:204::1'] })).toBe(false);
  });

  it('is false when a target is configured or learned, whatever its kind', () => {
    expect(verdict({ config: [{ ip: '192.0.2.25', family: 'ipv4', helo: null }], interface: ['10.0.0.25'] })).toBe(false);
    expect(verdict({ config: [{ ip: '10.0.0.25', family: 'ipv4', helo: null }], interface: ['10.0.0.25'] })).toBe(false);
    expect(verdict({ log: ['2001:db8::77'], interface: ['127.0.0.1'] })).toBe(false);
  });

  it('is false when discovery found nothing at all (discovery off)', () => {
    expect(verdict({})).toBe(false);
  });

  it('names each kind in words, and none for kinds used on the Internet', () => {
    expect(notOnInternetWords('private')).toBe('a private address (RFC 1918)');
    expect(notOnInternetWords('cgnat')).toContain('100.64.0.0/10');
    expect(notOnInternetWords('ula')).toContain('fc00::/7');
    for (const kind of ['global', 'teredo', '6to4'] as const) expect(notOnInternetWords(kind)).toBeNull();
  });

  it('lists at most 8 addresses in the log line', () => {
    const { targets } = mergeTargets({ config: [], egress: [], log: [], interface: Array.from({ length: 11 }, (_, i) => `10.0.0.${i + 1}`) }, 100);
    expect(describeAddresses(targets)).toBe('10.0.0.1 (private), 10.0.0.2 (private), 10.0.0.3 (private), 10.0.0.4 (private), 10.0.0.5 (private), '
      + '10.0.0.6 (private), 10.0.0.7 (private), 10.0.0.8 (private) and 3 more');
  });
});

const target = (ip: string, more: Partial<TargetStatus> = {}): TargetStatus => ({
  ip, family: ip.includes(':') ? 'ipv6' : 'ipv4', status: null, iprev: null, ptr: [], forward: {}, confirmed: [], helo: null, duration_seconds: 0,
  error: null, source: 'interface', kind: addressKind(ip), probed: false, last_definite_status: null, last_checked: null, ...more,
});
const page = (status: Pick<StatusReport, 'targets' | 'logs'>): string =>
  renderLandingPage({ version: 't', telemetryPath: 'metrics', status: { ...status, auth: [] }, rejections: [], senders: [], advice: () => null });
const SNIPPET = '<pre><code>targets:\n  - ip: 203.0.113.25</code></pre>';

describe('the status page banner', () => {
  it('says in plain words that no public address was found and shows the targets: snippet', () => {
    const html = page({ targets: [target('127.0.0.1'), target('192.168.1.25'), target('fd00::25', { source: 'egress' })], logs: [] });
    const banner = /<div class="verdict warn" id="verdict">[\s\S]*?<\/div><\/div>/.exec(html)?.[0] ?? '';
    expect(banner).toContain('No public sending address found.');
    expect(banner).toContain('<code>127.0.0.1</code> (loopback), <code>192.168.1.25</code> (private), <code>fd00::25</code> (ula)');
    expect(banner).toContain("A mail server behind NAT sends from its router's public address");
    expect(banner).toContain(SNIPPET);
    expect(banner).toContain('<code>ptr-exporter probe IP</code>');
    expect(html).not.toContain('The first check has not finished yet');
  });

  it('says nothing about NAT when a target is configured or a public address is found', () => {
    const configured = page({ targets: [target('127.0.0.1'), target('192.0.2.25', { source: 'config', probed: true })], logs: [] });
    expect(configured).not.toContain('no-public-address');
    const teredo = page({ targets: [target('10.0.0.25'), target('2001:0:5ef5:79fb:34e1:18ed:adbb:2299', { probed: true })], logs: [] });
    expect(teredo).not.toContain('no-public-address');
    expect(page({ targets: [], logs: [] })).toContain('No sending IPs to check yet');
  });
});

/** A literal interface table in the shape of os.networkInterfaces(). */
const NAT_HOST = {
  lo: [
    { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' },
    { address: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6', mac: '00:00:00:00:00:00', internal: true, cidr: '::1/128', scopeid: 0 },
  ],
  eth0: [
    { address: '192.168.1.25', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '192.168.1.25/24' },
    { address: 'fd00::25', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fd00::25/64', scopeid: 0 },
    { address: 'fe80::25%eth0', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fe80::25/64', scopeid: 2 },
  ],
} as const;

describe('an exporter on a host behind NAT (interface table injected)', () => {
  let dns: TestDnsServer;
  let exporter: Exporter;
  let app: ReturnType<typeof buildServer>;
  const lines: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'ptr-nat-inject-'));
  const log = join(dir, 'mail.log');
  writeFileSync(log, '');
  const config = (targets: string) => parseConfig(`
dns: { servers: ["${dns.address}"], timeout: 300ms, attempts: 1 }
probe: { schedule: "0 0 1 1 *", run_on_start: false }
discover: { interfaces: true, egress: false, from_logs: true }
logs: [{ path: ${JSON.stringify(log)}, format: postfix }]
${targets}`);
  const statusOf = async (): Promise<StatusReport> => (await app.inject('/api/v1/status')).json<StatusReport>();
  const warnings = () => lines.filter((l) => l.includes('level=warn') && l.includes('no public sending address'));

  beforeAll(async () => {
    dns = await startDnsServer({ records: [{ name: '25.2.0.192.in-addr.arpa', type: 'PTR', data: 'mail.example.com' }, { name: 'mail.example.com', type: 'A', data: '192.0.2.25' }] });
    exporter = new Exporter(config(''), 't', createLogger('info', 'logfmt', (l) => lines.push(l)), { interfaces: () => NAT_HOST as never });
    app = buildServer({ exporter });
    await exporter.start();
  });

  afterAll(async () => {
    await app.close();
    await exporter.stop();
    await dns.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('warns once after the first cycle, and says so on / and in /api/v1/status', async () => {
    expect(warnings()).toHaveLength(0);
    expect((await statusOf()).no_public_address).toBe(false);
    await exporter.probes.runNow();
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain('addresses="127.0.0.1 (loopback), ::1 (loopback), 192.168.1.25 (private), fd00::25 (ula), fe80::25 (link_local)"');
    expect(warnings()[0]).toContain('targets: [{ ip: 203.0.113.25 }]');
    expect(warnings()[0]).toContain('ptr-exporter probe IP');
    const status = await statusOf();
    expect(status.no_public_address).toBe(true);
    expect(status.targets.map((t) => t.probed)).toEqual([false, false, false, false, false]);
    const html = (await app.inject('/')).body;
    expect(html).toContain('<div class="verdict warn" id="verdict">');
    expect(html).toContain('No public sending address found.');
    expect(html).toContain(SNIPPET);
    await exporter.probes.runNow();
    expect(warnings(), 'later cycles do not repeat it').toHaveLength(1);
  });

  it('stops saying it once a target is configured, and warns again after a reload that brings it back', async () => {
    await exporter.reload(config('targets: [{ ip: 192.0.2.25 }]'));
    await exporter.probes.runNow();
    await exporter.logs.pollAll(); // the page's banner also speaks of logs: let the tailer open mail.log first
    expect(warnings()).toHaveLength(1);
    expect((await statusOf()).no_public_address).toBe(false);
    const html = (await app.inject('/')).body;
    expect(html).not.toContain('No public sending address found');
    expect(html).toContain('All 1 sending IP passes');
    await exporter.reload(config(''));
    await exporter.probes.runNow();
    expect(warnings()).toHaveLength(2);
    await exporter.reload(config(''));
    await exporter.probes.runNow();
    expect(warnings(), 'a reload that changes nothing does not repeat it').toHaveLength(2);
    expect((await app.inject('/')).body).toContain('No public sending address found.');
  });
});

describe('the built CLI with discover.interfaces on this machine', () => {
  let dir: string;
  let served: Served;
  const found = interfaceAddresses(networkInterfaces());
  const publicFound = found.some((ip) => isRoutableKind(addressKind(ip)));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ptr-nat-'));
    const file = join(dir, 'config.yml');
    writeFileSync(file, 'dns: { servers: ["127.0.0.1:9"], timeout: 200ms, attempts: 1 }\nprobe: { schedule: "0 0 1 1 *", run_on_start: true }\n'
    + 'discover: { interfaces: true, egress: true, egress_destinations: ["127.0.0.1", "::1"], from_logs: false }\nlogs: []\nweb: { listen_address: "127.0.0.1:0" }\n');
    served = await serve(file);
  }, 20_000);

  afterAll(async () => {
    if (served) await terminate(served);
    rmSync(dir, { recursive: true, force: true });
  });

  it('tells on stderr and on / exactly when this host has no address used on the Internet', async () => {
    await waitFor('the first probe cycle', served, async () => (await fetch(`${served.base}/-/ready`)).status === 200);
    const warn = served.stderr().split('\n').filter((l) => l.includes('level=warn') && l.includes('no public sending address'));
    const html = await (await fetch(`${served.base}/`)).text();
    const status = await (await fetch(`${served.base}/api/v1/status`)).json() as StatusReport;
    expect(status.targets.map((t) => t.ip), 'discovery saw the interfaces').toEqual(expect.arrayContaining(found));
    if (publicFound) {
      expect(warn, served.stderr()).toHaveLength(0);
      expect(html).not.toContain('No public sending address found');
      expect(status.no_public_address).toBe(false);
    } else {
      expect(warn, served.stderr()).toHaveLength(1);
      expect(warn[0]).toContain('127.0.0.1 (loopback)');
      expect(html).toContain('No public sending address found.');
      expect(html).toContain(SNIPPET);
      expect(status.no_public_address).toBe(true);
    }
  });
});
