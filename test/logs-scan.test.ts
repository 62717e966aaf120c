import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePostfixLog, rowKey } from './bench/gen-postfix-log.js';
import { formatScanTable, scanFiles } from '../src/logs/scan.js';
import { runCli } from './support/cli-process.js';
import { GMAIL_IPV6_JOINED, postfixText, report } from './support/bounces.js';

const G1 = (qid: string, rcpt: string, time: string): string =>
  `Nov 27 ${time} mx postfix/smtp[1]: ${qid}: to=<${rcpt}@gmail.com>, relay=gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1a]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1a] said: 550-5.7.1 [2001:db8::25] Our system has detected that this message does 550-5.7.1 not meet IPv6 sending guidelines regarding PTR records and 550 5.7.1 authentication. ${qid} - gsmtp (in reply to end of DATA command))`;
const FREE = (time: string): string =>
  `Nov 27 ${time} mx postfix/smtp[2]: FFFFF00001: host mx1.free.fr[212.27.48.6] refused to talk to me: 421 Refused. Your reverse DNS entry does not resolve to an IP.`;

let dir = '';
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'ptr-scan-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('scanFiles', () => {
  it('reads files (LF and CRLF) and aggregates rows as `scan --json` prints them', async () => {
    const a = join(dir, 'mail.log');
    const b = join(dir, 'mail-crlf.log');
    await writeFile(a, [G1('AAAAA00001', 'x', '10:00:01'), G1('AAAAA00001', 'y', '10:00:01'), FREE('10:00:02'), 'Nov 27 10:00:03 mx postfix/qmgr[3]: AAAAA00001: removed'].join('\n'));
    await writeFile(b, `${[G1('AAAAA00002', 'x', '11:59:40'), 'Nov 27 11:59:41 mx postfix/qmgr[3]: AAAAA00002: removed'].join('\r\n')}\r\n`);
    const progress: [number, number][] = [];
    const report = await scanFiles([a, b], { format: 'auto', year: 2026, onProgress: (d, t) => progress.push([d, t]) });
    expect(report.files).toEqual([
      { path: a, format: 'postfix', lines: 4, bytes: expect.any(Number) },
      { path: b, format: 'postfix', lines: 2, bytes: expect.any(Number) },
    ]);
    expect(report.rejections).toEqual([
      { provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', reply_code: '550', family: 'ipv6', sender_ip: '2001:db8::25', count: 2,
        first_seen: new Date(2026, 10, 27, 10, 0, 1).toISOString().replace('.000Z', 'Z'), last_seen: new Date(2026, 10, 27, 11, 59, 40).toISOString().replace('.000Z', 'Z') },
      { provider: 'free', reason: 'ptr', code: '421', reply_code: '421', family: 'ipv4', sender_ip: null, count: 1,
        first_seen: new Date(2026, 10, 27, 10, 0, 2).toISOString().replace('.000Z', 'Z'), last_seen: new Date(2026, 10, 27, 10, 0, 2).toISOString().replace('.000Z', 'Z') },
    ]);
    expect(report.totals).toEqual({ rejections: 3, ptr_related: 3 });
    const last = progress.at(-1);
    expect(last?.[0]).toBe(last?.[1]);
    expect(last?.[1]).toBe(report.files[0]!.bytes + report.files[1]!.bytes);
  });

  it('reads `-` from the given stdin stream; an explicit format parses leniently', async () => {
    const excerpt = '<– 550-5.7.1 [2001:0:5ef5:79fb:34e1:18ed:adbb:2299] Our system has detected that\r\n<– 550 5.7.1 information. bq2si3288976wjd.21 – gsmtp\r\n';
    const report = await scanFiles(['-'], { format: 'mdaemon', stdin: Readable.from([Buffer.from(excerpt.slice(0, 30)), Buffer.from(excerpt.slice(30))]) });
    expect(report.files).toEqual([{ path: '-', format: 'mdaemon', lines: 2, bytes: Buffer.byteLength(excerpt) }]);
    expect(report.rejections).toEqual([{ provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', reply_code: '550', family: 'ipv6',
      sender_ip: '2001:0:5ef5:79fb:34e1:18ed:adbb:2299', count: 1, first_seen: null, last_seen: null }]);
  });

  it('rejects with the path when a file cannot be read', async () => {
    await expect(scanFiles([join(dir, 'missing.log')], { format: 'auto' })).rejects.toThrow(/missing\.log/);
  });

  it('sorts rows by count, then keys, and prints a table', async () => {
    const p = join(dir, 'sort.log');
    await writeFile(p, [FREE('10:00:01'), FREE('10:00:02'), G1('AAAAA00003', 'x', '10:00:03')].join('\n'));
    const report = await scanFiles([p], { format: 'postfix' });
    expect(report.rejections.map((r) => [r.provider, r.count])).toEqual([['free', 2], ['gmail', 1]]);
    const table = formatScanTable(report);
    expect(table).toContain('PROVIDER');
    expect(table).toMatch(/free\s+ptr\s+421\s+ipv4\s+-\s+2/);
    expect(table).toMatch(/gmail\s+ipv6_ptr_auth\s+5\.7\.1\s+ipv6\s+2001:db8::25\s+1/);
    expect(table).toContain('total: 3 rejections, 3 PTR-related');
  });

  it('the generator\'s expected counts equal scan\'s on a 50,000-line log', async () => {
    const gen = generatePostfixLog(50_000, 7);
    const p = join(dir, 'gen.log');
    await gen.writeTo(p);
    const report = await scanFiles([p], { format: 'auto' });
    expect(report.files[0]).toMatchObject({ format: 'postfix', lines: 50_000 });
    expect(gen.expected.rejections).toBeGreaterThan(300);
    expect(Object.keys(gen.expected.byKey).length).toBeGreaterThan(15);
    const byKey: Record<string, number> = {};
    for (const r of report.rejections) byKey[rowKey(r)] = r.count;
    expect(byKey).toEqual(gen.expected.byKey);
    expect(report.totals).toEqual({ rejections: gen.expected.rejections, ptr_related: gen.expected.ptr_related });
    expect(gen.text().split('\n').length).toBe(50_001);
  });
});

describe('ptr-exporter scan (the built CLI)', () => {
  it('--format dsn on a Maildir folder and auto on an .eml file; a line format on a folder is exit 2', async () => {
    const maildir = join(dir, 'cli-maildir');
    await mkdir(join(maildir, 'new'), { recursive: true });
    await mkdir(join(maildir, 'cur'), { recursive: true });
    const eml = report(postfixText('a@gmail.com', 'gmail-smtp-in.l.google.com', '2001:db8:ffff::1a', GMAIL_IPV6_JOINED), ['a@gmail.com'], 'gmail-smtp-in.l.google.com', GMAIL_IPV6_JOINED);
    await writeFile(join(maildir, 'new', '1.mail'), eml);
    await writeFile(join(maildir, 'cur', '2.mail:2,S'), eml);
    const dsn = await runCli(['scan', maildir, '--format', 'dsn', '--json']);
    expect(dsn.code).toBe(0);
    expect(JSON.parse(dsn.stdout)).toMatchObject({ files: [{ path: maildir, format: 'dsn' }], totals: { rejections: 2, ptr_related: 2 },
      rejections: [{ provider: 'gmail', reason: 'ipv6_ptr_auth', sender_ip: '2001:db8::25', count: 2 }] });
    const file = join(dir, 'cli.eml');
    await writeFile(file, eml);
    const auto = await runCli(['scan', file]);
    expect(auto.stdout).toContain('total: 1 rejections, 1 PTR-related');
    const wrong = await runCli(['scan', maildir, '--format', 'postfix']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/cli-maildir: is a folder/);
    const unknown = await runCli(['scan', file, '--format', 'qmail']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('dsn');
  }, 60_000);
});
