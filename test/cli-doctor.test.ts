import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reverseName } from '../src/probe/reverse-name.js';
import { runCli } from './support/cli-process.js';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';

// `doctor` on the incident that started this project: Gmail refused IPv6 mail from 2001:db8::27, which
// has no PTR record, while the domain's SPF record lists only IPv4; and on a clean setup.

const GMAIL = 'gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1a]';
const REPLY = '550-5.7.1 [2001:db8::27] Gmail has detected that this message does not meet IPv6 sending guidelines regarding PTR records and authentication. 550-5.7.1 For more information, go to 550 5.7.1 https://support.google.com/mail/?p=IPv6AuthError d2e1a72fcca58-7 - gsmtp';

let dir: string;
let dns: TestDnsServer;

interface DoctorJson {
  egress: { ipv4: string | null; ipv6: string | null };
  targets: { ip: string; status: string }[];
  auth: { ip: string; domain: string; spf: { result: string } }[];
  mta: { name: string; file: string; ipv6: string }[];
  rejections: { totals: { rejections: number; ptr_related: number } } | null;
  problems: { id: string; severity: string; what: string; fix: string }[];
  verdict: string;
}

function config(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, [
    `dns: { servers: ["${dns.address}"], timeout: 500ms, attempts: 1 }`,
    'discover: { interfaces: false, egress: true, egress_destinations: ["::1", "127.0.0.1"], from_logs: true }',
    ...lines, '',
  ].join('\n'));
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptr doctor '));
  dns = await startDnsServer({ records: [
    { name: reverseName('192.0.2.25'), type: 'PTR', data: 'mx1.example.org' },
    { name: 'mx1.example.org', type: 'A', data: '192.0.2.25' },
    { name: 'example.org', type: 'TXT', data: 'v=spf1 ip4:192.0.2.0/24 -all' },
    { name: '_dmarc.example.org', type: 'TXT', data: 'v=DMARC1; p=reject' },
  ] });
  mkdirSync(join(dir, 'postfix'));
  writeFileSync(join(dir, 'postfix', 'main.cf'), 'myhostname = mx1.example.org\ninet_protocols = all\nsmtp_address_preference = ipv6\n');
  mkdirSync(join(dir, 'no-postfix'));
  writeFileSync(join(dir, 'mail.log'), `${new Date().toISOString()} mx postfix/smtp[1234]: 4ABC00001: to=<a@gmail.com>, relay=${GMAIL}:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host ${GMAIL} said: ${REPLY} (in reply to end of DATA command))\n`);
  writeFileSync(join(dir, 'old.log'), `2020-01-01T00:00:00Z mx postfix/smtp[1234]: 4ABC00002: to=<a@gmail.com>, relay=${GMAIL}:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host ${GMAIL} said: ${REPLY.replace('::27', '::28')} (in reply to end of DATA command))\n`);
}, 30_000);

afterAll(async () => {
  await dns?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('doctor', () => {
  it('on the incident: exit 1, the missing PTR, the ip6: fix and the rejection, critical first', async () => {
    const file = config('incident.yml', [
      'targets: [{ ip: 192.0.2.25 }]',
      'domains: [{ name: example.org }]',
      `logs: [{ path: ${JSON.stringify(join(dir, 'mail.log'))} }, { path: ${JSON.stringify(join(dir, 'old.log'))} }]`,
    ]);
    const r = await runCli(['doctor', '--config', file, '--json', '--postfix-config', join(dir, 'postfix'), '--exim-config', join(dir, 'no-exim.conf')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as DoctorJson;
    expect(j.targets.map((t) => [t.ip, t.status]).sort()).toEqual([['192.0.2.25', 'pass'], ['2001:db8::27', 'no_ptr']]);
    expect(j.auth.map((a) => [a.ip, a.spf.result]).sort()).toEqual([['192.0.2.25', 'pass'], ['2001:db8::27', 'fail']]);
    expect(j.mta).toEqual([{ name: 'postfix', file: join(dir, 'postfix', 'main.cf'), ipv6: 'enabled', detail: 'inet_protocols = all, smtp_address_preference = ipv6' }]);
    expect(j.rejections?.totals).toEqual({ rejections: 1, ptr_related: 1 }); // the 2020 rejection is older than 24 hours
    const ids = j.problems.map((p) => p.id);
    expect(ids).toEqual(['ptr:2001:db8::27', 'spf:2001:db8::27:example.org', 'rejected:gmail:2001:db8::27:5.7.1']);
    expect(j.problems.every((p) => p.severity === 'critical')).toBe(true);
    expect(j.problems[0]!.what).toBe('2001:db8::27 fails forward-confirmed reverse DNS: no PTR record.');
    expect(j.problems[1]!.fix).toContain('ip6:2001:db8::/64');
    expect(j.problems[2]!.what).toBe('Gmail refused mail from 2001:db8::27 for reverse DNS 1 time in the last 24 hours (550 5.7.1).');
    expect(j.verdict).toBe('Mail to Gmail over IPv6 will be refused: 2001:db8::27 fails forward-confirmed reverse DNS: no PTR record.');
  });

  it('prints the problems and their fixes in one screen', async () => {
    const file = config('incident-text.yml', ['targets: [{ ip: 192.0.2.25 }]', 'domains: [{ name: example.org }]', `logs: [{ path: ${JSON.stringify(join(dir, 'mail.log'))} }]`]);
    const r = await runCli(['doctor', '--config', file, '--postfix-config', join(dir, 'postfix'), '--exim-config', join(dir, 'no-exim.conf')]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeLessThan(45);
    expect(r.stdout).toContain('MTA: postfix');
    expect(r.stdout).toContain('IPv6 enabled');
    expect(r.stdout).toMatch(/^1\. \[critical\] 2001:db8::27 fails forward-confirmed reverse DNS: no PTR record\.$/m);
    expect(r.stdout).toMatch(/^ {3}Fix: /m);
    expect(lines.at(-1)).toMatch(/^Mail to Gmail over IPv6 will be refused: /);
  });

  it('reads every file a glob log path matches now, in a folder with spaces and parentheses', async () => {
    const daily = join(dir, 'daily (out)');
    mkdirSync(daily);
    const line = (ip: string): string => `${new Date().toISOString()} mx postfix/smtp[1234]: 4ABC00003: to=<a@gmail.com>, relay=${GMAIL}:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host ${GMAIL} said: ${REPLY.replace('::27', ip)} (in reply to end of DATA command))\n`;
    writeFileSync(join(daily, 'mail-2026-12-01 (out).log'), line('::31'));
    writeFileSync(join(daily, 'mail-2026-12-02 (out).log'), line('::32'));
    writeFileSync(join(daily, 'mail-2026-12-02 (in).log'), line('::33'));
    const file = config('glob.yml', ['targets: []', `logs: [{ path: ${JSON.stringify(join(daily, 'mail-* (out).log'))} }]`]);
    const r = await runCli(['doctor', '--config', file, '--json', '--postfix-config', join(dir, 'no-postfix'), '--exim-config', join(dir, 'no-exim.conf')]);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout) as DoctorJson;
    expect(j.rejections?.totals).toEqual({ rejections: 2, ptr_related: 2 });
    expect(j.targets.map((t) => [t.ip, t.status]).sort()).toEqual([['2001:db8::31', 'no_ptr'], ['2001:db8::32', 'no_ptr']]);
    expect(r.code).toBe(1);
  });

  it('on a clean setup: exit 0 and no problem', async () => {
    const file = config('clean.yml', ['targets: [{ ip: 192.0.2.25 }]', 'domains: [{ name: example.org }]', 'logs: []']);
    const r = await runCli(['doctor', '--config', file, '--json', '--postfix-config', join(dir, 'no-postfix'), '--exim-config', join(dir, 'no-exim.conf')]);
    const j = JSON.parse(r.stdout) as DoctorJson;
    expect(j.problems).toEqual([]);
    expect(j.mta).toEqual([]);
    expect(j.verdict).toBe('No problem found: 1 sending address checked, SPF passes.');
    expect(r.code).toBe(0);
  });

  it('says that SPF was not checked without domains, and takes --domain', async () => {
    const file = config('nodomain.yml', ['targets: [{ ip: 192.0.2.25 }]', 'logs: []']);
    const plain = await runCli(['doctor', '--config', file, '--postfix-config', join(dir, 'no-postfix'), '--exim-config', join(dir, 'no-exim.conf')]);
    expect(plain.stdout).toContain('Note: SPF, DKIM and DMARC not checked: no domains in the config; give --domain D to check them.');
    expect(plain.code).toBe(0);
    const withDomain = await runCli(['doctor', '--config', file, '--domain', 'example.org', '--dkim-selector', 's2024', '--json', '--postfix-config', join(dir, 'no-postfix'), '--exim-config', join(dir, 'no-exim.conf')]);
    const j = JSON.parse(withDomain.stdout) as DoctorJson;
    expect(j.problems.map((p) => p.id)).toEqual(['dkim:example.org:s2024']);
    expect(withDomain.code).toBe(1);
  });

  it('exits 2 naming a bad --domain or config', async () => {
    const bad = await runCli(['doctor', '--domain', 'not a domain']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--domain');
    const missing = await runCli(['doctor', '--config', join(dir, 'missing.yml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing.yml');
  });
});
