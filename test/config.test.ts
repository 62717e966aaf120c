import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pickUsualLog, usualLogPaths } from '../src/config/default-logs.js';
import { parseDuration } from '../src/config/duration.js';
import { ConfigError } from '../src/config/errors.js';
import { parseListenAddress } from '../src/config/listen-address.js';
import { loadConfig, MAX_CONFIG_BYTES, parseConfig } from '../src/config/load.js';

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, 'test.yml');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('config was accepted');
}

describe('config', () => {
  it('accepts an empty file and applies every documented default', () => {
    const c = parseConfig('');
    expect(c.web).toEqual({ listenAddress: ':9808', telemetryPath: '/metrics', configFile: '' });
    expect(c.dns).toEqual({ servers: [], timeoutMs: 2000, attempts: 2 });
    expect(c.probe).toEqual({ schedule: '*/5 * * * *', concurrency: 32, runOnStart: true });
    expect(c.targets).toEqual([]);
    expect(c.discover).toEqual({ interfaces: true, egress: true, egressDestinations: ['2001:4860:4860::8888', '8.8.8.8'], fromLogs: true, learnedFile: null, learnedTtlMs: 30 * 86_400_000 });
    expect(c.limits).toEqual({ maxTargets: 10000, maxSenderIps: 64, maxLabelLength: 256, maxAuthPairs: 1000 });
    expect(c.probeEndpoint).toEqual({ enabled: false, allowedNetworks: [] });
    expect(c.domains).toEqual([]);
  });

  it('normalises domains and their DKIM selectors', () => {
    const c = parseConfig('domains:\n  - name: Example.ORG.\n    dkim_selectors: [S2024, ed]\n  - name: example.net\nlimits:\n  max_auth_pairs: 5\n');
    expect(c.domains).toEqual([{ name: 'example.org', dkimSelectors: ['s2024', 'ed'] }, { name: 'example.net', dkimSelectors: [] }]);
    expect(c.limits.maxAuthPairs).toBe(5);
  });

  it('normalises targets and helo names', () => {
    const c = parseConfig(`
targets:
  - ip: 2001:DB8:0:0:0:0:0:25
    helo: Mail.Example.COM.
  - ip: ::ffff:192.0.2.25
dns:
  servers: ["127.0.0.1:5353", "[::1]:53", "192.0.2.53"]
  timeout: 500ms
logs:
  - path: 'C:\\MDaemon\\Logs\\MDaemon-*-SMTP (out).log'
    format: mdaemon
`);
    expect(c.targets).toEqual([
      { ip: '2001:db8::25', family: 'ipv6', helo: 'mail.example.com' },
      { ip: '192.0.2.25', family: 'ipv4', helo: null },
    ]);
    expect(c.dns.timeoutMs).toBe(500);
    expect(c.logs).toEqual([{ path: 'C:\\MDaemon\\Logs\\MDaemon-*-SMTP (out).log', format: 'mdaemon', startAt: 'end', positionsFile: '' }]);
  });

  it.each([
    ['targets:\n  - ip: 192.0.2.1\n  - ip: "2001:db8::zz"\n', 'targets[1].ip: "2001:db8::zz" is not an IP address'],
    ['targets:\n  - ip: 192.0.2.1\n    hlo: mail.example.com\n', 'targets[0].hlo: unknown key'],
    ['colour: red\n', 'colour: unknown key'],
    ['dns:\n  timeout: 2 seconds\n', 'dns.timeout: "2 seconds" is not a duration like 500ms, 2s, 5m or 1h'],
    ['dns:\n  attempts: two\n', 'dns.attempts: "two" must be a number'],
    ['dns:\n  attempts: 0\n', 'dns.attempts: 0 must be at least 1'],
    ['dns:\n  servers: ["ns1.example.com:53"]\n', 'dns.servers[0]: "ns1.example.com:53" is not HOST, HOST:PORT or [IPv6]:PORT with an IP address as HOST'],
    ['probe:\n  schedule: "every five minutes"\n', 'probe.schedule: "every five minutes" is not a valid cron expression'],
    ['probe:\n  concurrency: 2.5\n', 'probe.concurrency: 2.5 must be a whole number'],
    ['web:\n  listen_address: "9808"\n', 'web.listen_address: "9808" is not HOST:PORT'],
    ['web:\n  telemetry_path: metrics\n', 'web.telemetry_path: "metrics" must be a path starting with /'],
    ['logs:\n  - path: /var/log/mail.log\n    format: qmail\n', 'logs[0].format: "qmail" must be one of auto, postfix, exim, mdaemon, sendmail, opensmtpd'],
    ['logs:\n  - format: postfix\n', 'logs[0].path: is required (a file or glob), or journal instead'],
    ['logs:\n  - path: /var/log/mail.log\n    start_at: middle\n', 'logs[0].start_at: "middle" must be end or beginning'],
    ['targets:\n  - ip: 192.0.2.1\n  - ip: 192.0.2.001\n', 'targets[1].ip: "192.0.2.001" is not an IP address'],
    ['targets:\n  - ip: 192.0.2.1\n  - ip: "::ffff:192.0.2.1"\n', 'targets[1].ip: "::ffff:192.0.2.1" is listed twice'],
    ['targets:\n  - ip: 192.0.2.1\n    helo: "bad name!"\n', 'targets[0].helo: "bad name!" is not a host name'],
    ['probe_endpoint:\n  allowed_networks: ["192.0.2.0/33"]\n', 'probe_endpoint.allowed_networks[0]: "192.0.2.0/33" is not a CIDR network like 192.0.2.0/24'],
    ['targets: 192.0.2.1\n', 'targets: "192.0.2.1" must be a list'],
    ['discover:\n  interfaces: yes please\n', 'discover.interfaces: "yes please" must be a boolean'],
    ['limits:\n  max_sender_ips: -1\n', 'limits.max_sender_ips: -1 must be at least 1'],
    ['limits:\n  max_auth_pairs: 100001\n', 'limits.max_auth_pairs: 100001 must be at most 100000'],
    ['domains:\n  - name: "example .org"\n', 'domains[0].name: "example .org" is not a domain name like example.com'],
    ['domains:\n  - name: example.org\n    dkim_selector: [s1]\n', 'domains[0].dkim_selector: unknown key'],
    ['domains:\n  - name: example.org\n    dkim_selectors: ["s 1"]\n', 'domains[0].dkim_selectors[0]: "s 1" is not a DKIM selector (letters, digits, hyphens, dots)'],
    ['domains:\n  - name: example.org\n    dkim_selectors: [s1, S1]\n', 'domains[0].dkim_selectors[1]: "S1" is listed twice'],
    ['domains:\n  - name: example.org\n  - name: Example.ORG.\n', 'domains[1].name: "Example.ORG." is listed twice'],
    ['domains:\n  - example.org\n', 'domains[0]: "example.org" must be a mapping'],
    ['domains:\n  - dkim_selectors: [s1]\n', 'domains[0].name: is required'],
    ['dns: [1, 2\n', 'YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1'],
  ])('refuses %j with a message naming the field', (yaml, message) => {
    expect(problems(yaml)).toContain(message);
  });

  it.each([
    // Bounds the code can honour: a DNS timeout beyond 2^31-1 ms made every probe cycle fail with ERR_OUT_OF_RANGE.
    ['dns:\n  timeout: 25d\n', 'dns.timeout: "25d" must be at most 30s'],
    ['dns:\n  timeout: 1y\n', 'dns.timeout: "1y" must be at most 30s'],
    ['dns:\n  timeout: 0ms\n', 'dns.timeout: "0ms" must be at least 10ms'],
    ['discover:\n  learned_ttl: 10m\n', 'discover.learned_ttl: "10m" must be at least 1h'],
    ['discover:\n  learned_ttl: 11y\n', 'discover.learned_ttl: "11y" must be at most 3650d'],
    ['dns:\n  attempts: 11\n', 'dns.attempts: 11 must be at most 10'],
    ['probe:\n  concurrency: 100000\n', 'probe.concurrency: 100000 must be at most 4096'],
    ['limits:\n  max_targets: 10000000\n', 'limits.max_targets: 10000000 must be at most 1000000'],
    ['limits:\n  max_sender_ips: 1000000\n', 'limits.max_sender_ips: 1000000 must be at most 100000'],
    ['limits:\n  max_label_length: 2\n', 'limits.max_label_length: 2 must be at least 16'],
    ['limits:\n  max_label_length: 1e9\n', 'limits.max_label_length: 1000000000 must be at most 4096'],
    // Paths of the other endpoints: fastify refused to start with "already declared".
    ...['/', '/probe', '/api/v1/status', '/-/ready', '/-/healthy', '/-/reload'].map((p) => [
      `web:\n  telemetry_path: "${p}"\n`, `web.telemetry_path: "${p}" is taken by another endpoint (/, /probe, /api/v1/status, /-/healthy, /-/ready, /-/reload)`]),
    ['web:\n  telemetry_path: "/metrics/:name"\n', 'web.telemetry_path: "/metrics/:name" may hold only letters, digits and / . _ ~ -'],
    ['web:\n  telemetry_path: "/*"\n', 'web.telemetry_path: "/*" may hold only letters, digits and / . _ ~ -'],
    // A zone id names a local interface; the probe then reported a false mismatch.
    ['targets:\n  - ip: "2001:db8::25%eth0"\n', 'targets[0].ip: "2001:db8::25%eth0" has an IPv6 zone id (%eth0), which names a local interface and means nothing to DNS: give the address without it'],
    ['discover:\n  egress_destinations: ["fe80::1%2"]\n', 'discover.egress_destinations[0]: "fe80::1%2" has an IPv6 zone id (%2), which names a local interface and means nothing to DNS: give the address without it'],
    // The exporter overwrote the mail log with its JSON.
    ['logs:\n  - path: /var/log/mail.log\n    positions_file: /var/log/mail.log\n', 'logs[0].positions_file: "/var/log/mail.log" is the log file itself: the exporter would overwrite the log with its positions'],
    ['logs:\n  - path: /var/log/mail.log\n    positions_file: /var/log/../log/./mail.log\n', 'logs[0].positions_file: "/var/log/../log/./mail.log" is the log file itself: the exporter would overwrite the log with its positions'],
    ['logs:\n  - path: /var/log/exim4/mainlog\n  - path: /var/log/mail.log\n    positions_file: /var/log/exim4/mainlog\n', 'logs[1].positions_file: "/var/log/exim4/mainlog" is the log file itself: the exporter would overwrite the log with its positions'],
    ['logs:\n  - path: "/var/log/mail*"\n    positions_file: /var/log/mail.positions\n', 'logs[0].positions_file: "/var/log/mail.positions" is matched by the log pattern "/var/log/mail*": the exporter would overwrite the log with its positions'],
    ['logs:\n  - path: "/var/lib/ptr/*.tmp"\n    positions_file: /var/lib/ptr/positions\n', 'logs[0].positions_file: "/var/lib/ptr/positions" is matched by the log pattern "/var/lib/ptr/*.tmp": the exporter would overwrite the log with its positions'],
    ['logs:\n  - path: \'C:\\MDaemon\\Logs\\MDaemon-*-SMTP (out).log\'\n    positions_file: \'c:\\mdaemon\\logs\\MDAEMON-positions-SMTP (OUT).LOG\'\n',
      'logs[0].positions_file: "c:\\\\mdaemon\\\\logs\\\\MDAEMON-positions-SMTP (OUT).LOG" is matched by the log pattern "C:\\\\MDaemon\\\\Logs\\\\MDaemon-*-SMTP (out).log": the exporter would overwrite the log with its positions'],
  ])('refuses %j, naming the field and the bound', (yaml, message) => {
    expect(problems(yaml)).toEqual([message]);
  });

  it('keeps a positions file beside the logs it does not match', () => {
    const c = parseConfig('logs:\n  - path: "/var/log/mail*.log"\n    positions_file: /var/log/mail.positions\n  - path: /var/log/exim4/mainlog\n    positions_file: /var/log/mail.positions\n');
    expect(c.logs.map((l) => l.positionsFile)).toEqual(['/var/log/mail.positions', '/var/log/mail.positions']);
  });

  it.each([
    ['an unresolved alias', 'targets:\n  - ip: 192.0.2.1\n    helo: *name\n', 'bad.yml: targets[0].helo: YAML: Unresolved alias (the anchor must be set before the alias): name'],
    ['an alias bomb', `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [${'*a, '.repeat(9)}*a]\nc: &c [${'*b, '.repeat(9)}*b]\nd: &d [${'*c, '.repeat(9)}*c]\ne: [${'*d, '.repeat(9)}*d]\n`,
      'bad.yml: b[0]: YAML: Excessive alias count indicates a resource exhaustion attack'],
  ])('refuses %s with one line naming the file and the field, no ReferenceError', (_what, yaml, message) => {
    let error: unknown;
    try {
      parseConfig(yaml, 'bad.yml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(message);
  });

  it('refuses more targets than limits.max_targets before building them, and files over 1 MiB before parsing', () => {
    const targets = (n: number): string => `targets:\n${Array.from({ length: n }, (_, i) => `  - ip: 2001:db8::${i.toString(16)}\n`).join('')}`;
    expect(problems(targets(10_001))).toEqual(['targets: 10001 entries, more than limits.max_targets (10000)']);
    expect(problems(`limits: { max_targets: 3 }\n${targets(4)}`)).toEqual(['targets: 4 entries, more than limits.max_targets (3)']);
    expect(parseConfig(`limits: { max_targets: 4 }\n${targets(4)}`).targets).toHaveLength(4);
    expect(problems(targets(500_000))).toEqual([`(file): larger than ${MAX_CONFIG_BYTES} bytes`]);
    const dir = mkdtempSync(join(tmpdir(), 'ptr big config '));
    const file = join(dir, 'big.yml');
    writeFileSync(file, targets(500_000));
    expect(() => loadConfig(file)).toThrow(`${file}: (file): larger than 1048576 bytes`);
  });

  it('reports every bad field at once, prefixed with the file name', () => {
    try {
      parseConfig('dns:\n  attempts: 0\ncolour: red\n', 'bad.yml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).message).toBe('bad.yml: \n  dns.attempts: 0 must be at least 1\n  colour: unknown key');
    }
  });

  it('loads a file, applies command-line overrides and names an unreadable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptr config '));
    const file = join(dir, 'ptr exporter.yml');
    writeFileSync(file, 'web:\n  listen_address: 127.0.0.1:9808\r\nlogs: []\r\n');
    const c = loadConfig(file, { listenAddress: '[::1]:19808', webConfigFile: 'web.yml' });
    expect(c.web.listenAddress).toBe('[::1]:19808');
    expect(c.web.configFile).toBe('web.yml');
    expect(c.logs).toEqual([]);
    expect(() => loadConfig(join(dir, 'missing.yml'))).toThrow(/missing\.yml: cannot read: ENOENT/);
    expect(() => loadConfig(file, { listenAddress: 'nope' })).toThrow('--web.listen-address: "nope" is not HOST:PORT');
  });

  it('uses the platform\'s usual MTA log when logs is omitted, none when logs is empty', () => {
    expect(usualLogPaths('win32')[0]!.path).toBe('C:\\MDaemon\\Logs\\MDaemon-*-SMTP (out).log');
    expect(pickUsualLog('win32', (p) => p === 'C:\\Program Files\\MDaemon\\Logs')).toEqual({ path: 'C:\\Program Files\\MDaemon\\Logs\\MDaemon-*-SMTP (out).log', format: 'mdaemon' });
    expect(pickUsualLog('linux', (p) => p === '/var/log/maillog')).toEqual({ path: '/var/log/maillog', format: 'auto' });
    expect(pickUsualLog('linux', () => false)).toBeNull();
    const usual = [{ path: '/var/log/mail.log', format: 'auto' as const, startAt: 'end' as const, positionsFile: '' }];
    expect(parseConfig('', 'x', usual).logs).toEqual(usual);
    expect(parseConfig('logs: []', 'x', usual).logs).toEqual([]);
  });
});

describe('durations and addresses', () => {
  it.each([['500ms', 500], ['2s', 2000], ['5m', 300_000], ['1h', 3_600_000], ['1m30s', 90_000]])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
  it.each(['', '2', '2 s', '-1s', '1.5s', 's'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
  it('splits listen addresses', () => {
    expect(parseListenAddress('0.0.0.0:9808')).toEqual({ host: '0.0.0.0', port: 9808 });
    expect(parseListenAddress('[::1]:9808')).toEqual({ host: '::1', port: 9808 });
    expect(parseListenAddress(':9808')).toEqual({ host: null, port: 9808 });
    expect(parseListenAddress('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseListenAddress('9808')).toBeNull();
    expect(parseListenAddress('host:70000')).toBeNull();
  });
});
