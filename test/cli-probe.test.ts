import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';
import { startNsd } from './support/nsd-server.js';
import { runCli } from './support/cli-process.js';

// `ptr-exporter probe` through the built CLI (dist/, built by `npm test`'s pretest) against the test DNS server.

const REV6 = (last: string): string => `${last}.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa`;
const JSON_KEYS = ['ip', 'family', 'status', 'iprev', 'ptr', 'forward', 'confirmed', 'helo', 'duration_seconds', 'error', 'auth'].sort();

interface Result {
  ip: string; family: string; status: string; iprev: string; ptr: string[]; forward: Record<string, string[]>;
  confirmed: string[]; helo: string | null; duration_seconds: number; error: string | null;
}

let dns: TestDnsServer;

/** `probe --json` against the test server; returns the exit code and the parsed array. */
async function probeJson(...args: string[]): Promise<{ code: number | null; results: Result[]; stderr: string }> {
  const { code, stdout, stderr } = await runCli(['probe', '--dns.server', dns.address, '--json', ...args]);
  let results: Result[];
  try {
    results = JSON.parse(stdout) as Result[];
  } catch {
    throw new Error(`probe --json printed no JSON (exit ${code}); stdout:\n${stdout}\nstderr:\n${stderr}`);
  }
  return { code, results, stderr };
}

beforeAll(async () => {
  dns = await startDnsServer({
    records: [
      { name: '25.2.0.192.in-addr.arpa', type: 'PTR', data: 'mail.example.com' },
      { name: 'mail.example.com', type: 'A', data: '192.0.2.25' },
      { name: '27.2.0.192.in-addr.arpa', type: 'PTR', data: 'bad.example.com' },
      { name: 'bad.example.com', type: 'A', data: '198.51.100.1' },
      { name: '28.2.0.192.in-addr.arpa', type: 'PTR', data: 'slow.example.com' },
      { name: REV6('5.2'), type: 'PTR', data: 'mail6.example.com.' },
      { name: 'mail6.example.com', type: 'AAAA', data: '2001:db8::25' },
      { name: REV6('6.2'), type: 'PTR', data: 'nov6.example.com' },
      { name: 'nov6.example.com', type: 'A', data: '192.0.2.200' },
    ],
  });
  dns.setFault('28.2.0.192.in-addr.arpa', 'drop');
});

afterAll(async () => {
  await dns?.close();
});

describe.concurrent('probe --json', { timeout: 20_000 }, () => {
  it('prints the --json shape and exits 0 when every IP passes', async () => {
    const before = dns.queryCount.udp + dns.queryCount.tcp;
    const { code, results } = await probeJson('192.0.2.25', '2001:db8::25');
    expect(results.map((r) => r.ip)).toEqual(['192.0.2.25', '2001:db8::25']);
    for (const r of results) expect(Object.keys(r).sort()).toEqual(JSON_KEYS);
    expect(results[0]).toMatchObject({
      ip: '192.0.2.25', family: 'ipv4', status: 'pass', iprev: 'pass', ptr: ['mail.example.com'],
      forward: { 'mail.example.com': ['192.0.2.25'] }, confirmed: ['mail.example.com'], helo: null, error: null,
    });
    expect(results[1]).toMatchObject({
      ip: '2001:db8::25', family: 'ipv6', status: 'pass', iprev: 'pass', ptr: ['mail6.example.com'],
      forward: { 'mail6.example.com': ['2001:db8::25'] }, confirmed: ['mail6.example.com'], helo: null, error: null,
    });
    for (const r of results) {
      expect(typeof r.duration_seconds).toBe('number');
      expect(r.duration_seconds).toBeGreaterThanOrEqual(0);
    }
    expect(dns.queryCount.udp + dns.queryCount.tcp).toBeGreaterThanOrEqual(before + 4);
    expect(code).toBe(0);
  });

  it('gives the right failing status per IP and exits 1', async () => {
    const { code, results } = await probeJson('192.0.2.26', '192.0.2.27', '2001:db8::26', '192.0.2.25');
    const by = new Map(results.map((r) => [r.ip, r]));
    expect(by.get('192.0.2.26')).toMatchObject({ status: 'no_ptr', iprev: 'permerror', ptr: [], confirmed: [], forward: {} });
    expect(by.get('192.0.2.27')).toMatchObject({ status: 'mismatch', iprev: 'fail', ptr: ['bad.example.com'], forward: { 'bad.example.com': ['198.51.100.1'] }, confirmed: [] });
    expect(by.get('2001:db8::26')).toMatchObject({ family: 'ipv6', status: 'no_forward', iprev: 'fail', ptr: ['nov6.example.com'], confirmed: [] });
    expect(by.get('2001:db8::26')!.forward['nov6.example.com'] ?? []).toEqual([]);
    expect(by.get('192.0.2.25')).toMatchObject({ status: 'pass' });
    for (const r of results) expect(Object.keys(r).sort()).toEqual(JSON_KEYS);
    expect(code).toBe(1);
  });

  it('gives temperror, not a PTR failure, when the server never answers', async () => {
    const { code, results } = await probeJson('--timeout', '300ms', '192.0.2.28');
    expect(results[0]).toMatchObject({ ip: '192.0.2.28', status: 'temperror', iprev: 'temperror', ptr: [], confirmed: [] });
    expect(results[0]!.error).toEqual(expect.any(String));
    expect(Object.keys(results[0]!).sort()).toEqual(JSON_KEYS);
    expect(code).toBe(1);
  });

  it('compares --helo with the confirmed name', async () => {
    const wrong = await probeJson('--helo', 'other.example.com', '192.0.2.25');
    expect(wrong.results[0]).toMatchObject({ status: 'helo_mismatch', iprev: 'fail', helo: 'other.example.com', confirmed: ['mail.example.com'] });
    expect(wrong.code).toBe(1);

    const right = await probeJson('--helo', 'MAIL.Example.com.', '192.0.2.25');
    expect(right.results[0]).toMatchObject({ status: 'pass', helo: 'mail.example.com' });
    expect(right.code).toBe(0);
  });

  it('normalises the IPs it is given', async () => {
    const { code, results } = await probeJson('::ffff:192.0.2.25', '2001:DB8:0:0:0:0:0:25');
    expect(results.map((r) => [r.ip, r.family, r.status])).toEqual([['192.0.2.25', 'ipv4', 'pass'], ['2001:db8::25', 'ipv6', 'pass']]);
    expect(code).toBe(0);
  });
});

describe('probe against a real NSD', () => {
  it('passes and fails through NSD, asked over IPv6 loopback when the host has it', async () => {
    const nsd = await startNsd({
      zones: [
        { origin: '2.0.192.in-addr.arpa', records: ['25 IN PTR mail.example.com.'] },
        { origin: '8.b.d.0.1.0.0.2.ip6.arpa', records: [`${REV6('5.2')}. IN PTR MAIL6.example.com.`] },
        { origin: 'example.com', records: ['mail IN A 192.0.2.25', 'mail6 IN AAAA 2001:db8:0::25'] },
      ],
    });
    try {
      const { code, stdout, stderr } = await runCli(['probe', '--dns.server', nsd.address6 ?? nsd.address, '--json', '192.0.2.25', '2001:db8::25', '192.0.2.26']);
      const results = JSON.parse(stdout || 'null') as Result[] | null;
      expect(results, stderr).not.toBeNull();
      expect(results!.map((r) => [r.ip, r.status, r.confirmed])).toEqual([
        ['192.0.2.25', 'pass', ['mail.example.com']],
        ['2001:db8::25', 'pass', ['mail6.example.com']],
        ['192.0.2.26', 'no_ptr', []],
      ]);
      expect(code).toBe(1);
    } finally {
      await nsd.stop();
    }
  }, 20_000);
});

describe.concurrent('probe table output', { timeout: 20_000 }, () => {
  it('adds a fix: line under a failing IP', async () => {
    const { code, stdout } = await runCli(['probe', '--dns.server', dns.address, '192.0.2.26', '192.0.2.25']);
    expect(code).toBe(1);
    const lines = stdout.split('\n');
    const row = lines.findIndex((l) => l.startsWith('192.0.2.26'));
    expect(row, stdout).toBeGreaterThan(0);
    expect(lines[row]).toContain('no_ptr');
    const end = lines.findIndex((l, i) => i > row && !/^\s/.test(l));
    const under = lines.slice(row + 1, end);
    const fix = under.find((l) => /^\s+fix: \S/.test(l));
    expect(fix, stdout).toBeDefined();
    // 192.0.2.26 is a documentation address: receivers never see one, so the fix says that rather than "ask your ISP".
    expect(fix).toContain('No PTR record for 192.0.2.26');
    expect(fix).toContain('is a documentation address');
    expect(fix).toContain('not used on the Internet');
    expect(fix).not.toContain('ISP');
    expect(stdout.match(/^\s+fix:/gm), 'one fix: line, for the one failing IP').toHaveLength(1);
  });

  it('has no fix: line when everything passes', async () => {
    const { code, stdout } = await runCli(['probe', '--dns.server', dns.address, '192.0.2.25']);
    expect(stdout).toContain('192.0.2.25');
    expect(stdout).toContain('pass');
    expect(stdout).not.toContain('fix:');
    expect(code).toBe(0);
  });
});

describe.concurrent('probe usage errors', { timeout: 20_000 }, () => {
  it('exits 2 naming a bad IP argument', async () => {
    const { code, stdout, stderr } = await runCli(['probe', '--dns.server', dns.address, '--json', '192.0.2.25', '2001:db8::zz']);
    expect(stderr).toContain('argument "2001:db8::zz" is not an IP address');
    expect(stdout).toBe('');
    expect(code).toBe(2);
  });

  it('exits 2 naming a bad --dns.server', async () => {
    const { code, stdout, stderr } = await runCli(['probe', '--dns.server', 'dns.example.com:53', '192.0.2.25']);
    expect(stderr).toContain('--dns.server');
    expect(stderr).toContain('dns.example.com:53');
    expect(stdout).toBe('');
    expect(code).toBe(2);
  });

  it('exits 2 naming a bad --timeout', async () => {
    const { code, stderr } = await runCli(['probe', '--dns.server', dns.address, '--timeout', 'soon', '192.0.2.25']);
    expect(stderr).toContain('--timeout');
    expect(code).toBe(2);
  });
});
