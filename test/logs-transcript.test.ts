import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogPipeline } from '../src/logs/pipeline.js';
import { scanFiles } from '../src/logs/scan.js';
import type { Rejection } from '../src/logs/types.js';
import { Utf8OrWindows1252 } from '../src/logs/windows-1252.js';

function run(text: string): Rejection[] {
  const p = createLogPipeline('transcript');
  return [...text.split('\n').flatMap((l) => p.push(l)), ...p.end()];
}

const IPV6_RULE = { provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', replyCode: '550', family: 'ipv6', senderIp: '2001:db8::25' };
const GMAIL_LINES = [
  '550-5.7.1 [2001:db8::25] Our system has detected that this message does',
  '550-5.7.1 not meet IPv6 sending guidelines regarding PTR records and',
  '550-5.7.1 authentication. Please review',
  '550-5.7.1  https://support.google.com/mail/?p=IPv6AuthError for more information',
  '550 5.7.1 . b10si351447edj.250 - gsmtp',
];
const GMX_LINES = ['554-gmx.net (mxgmx008) Nemesis ESMTP Service not available', '554-No SMTP service', '554-Bad DNS PTR resource record.',
  '554 For explanation visit http://postmaster.gmx.com/en/error-messages?ip=198.51.100.7&c=rdns'];
const GMX_RULE = { provider: 'united_internet', reason: 'ptr', code: '554', senderIp: '198.51.100.7', family: 'ipv4' };

describe('transcript format', () => {
  it.each<[string, string, object[]]>([
    ['bare reply lines', GMAIL_LINES.join('\n'), [IPV6_RULE]],
    ['sendmail -v output (connect, EHLO, DATA, reply)', ['a@gmail.com... Connecting to gmail-smtp-in.l.google.com. via esmtp...', '220 mx.google.com ESMTP x - gsmtp',
      '>>> EHLO mail.example.com', '250-mx.google.com at your service, [2001:db8::25]', '250 SMTPUTF8', '>>> DATA', '354  Go ahead x - gsmtp', '>>> .',
      ...GMAIL_LINES, 'a@gmail.com... Service unavailable'].join('\n'), [IPV6_RULE]],
    ['<<< and >>> lines as OpenSMTPD traces them (OpenSMTPD/OpenSMTPD#446)', [...GMX_LINES.map((l) => `mta: 0xea6710: <<< ${l}`), 'mta: 0xea6710: >>> EHLO mail.example.com'].join('\n'), [GMX_RULE]],
    ['S: and C: lines (RFC 5321 examples)', ['S: 220 mx.example.org', 'C: EHLO mail.example.com', 'S: 250 mx.example.org', 'C: MAIL FROM:<a@example.com>',
      'S: 550 5.7.1 Client host rejected: cannot find your reverse hostname, [198.51.100.7]', 'C: QUIT'].join('\n'),
    [{ reason: 'ptr', code: '5.7.1', senderIp: '198.51.100.7' }]],
    ['swaks (<- and <** lines; client lines are ignored)', ['=== Trying mx00.emig.gmx.net:25...', '=== Connected to mx00.emig.gmx.net.', ...GMX_LINES.map((l) => `<** ${l}`),
      ' -> QUIT', '<-  221 bye'].join('\n'), [GMX_RULE]],
    ['Python smtplib exception', "smtplib.SMTPDataError: (550, b'5.7.1 [2001:db8::25] Our system has detected that this message does\\n5.7.1 not meet IPv6 sending guidelines regarding PTR records and\\n5.7.1 authentication. x - gsmtp')", [IPV6_RULE]],
    ['Haskell error with the reply on following lines (qnikst/HaskellNet#47)', ['user error (cannot execute command DATA "From: <a@example.com>\\nTo: <b@gmail.com>", expected reply code 250, but received 550 5.7.1 [2001:db8::25] Our system has detected that',
      '5.7.1 this message does not meet IPv6 sending guidelines regarding PTR', '5.7.1 records and authentication. Please review',
      '5.7.1  https://support.google.com/mail/?p=IPv6AuthError for more information', '5.7.1 . b10si351447edj.250 - gsmtp', ')'].join('\n'), [IPV6_RULE]],
    ['Go error string (Jinnrry/PMail#181)', ['send failed: 550 5.7.25 [2001:db8::25] The IP address sending this message does not',
      '5.7.25 have a PTR record setup, or the corresponding forward DNS entry does', '5.7.25 not match the sending IP. x - gsmtp'].join('\n'),
    [{ provider: 'gmail', reason: 'ptr', code: '5.7.25', senderIp: '2001:db8::25' }]],
    ['Java exception', 'javax.mail.MessagingException: 550 5.7.25 [198.51.100.7] The IP address sending this message does not have a PTR record setup. x - gsmtp',
      [{ provider: 'gmail', reason: 'ptr', code: '5.7.25', senderIp: '198.51.100.7', family: 'ipv4' }]],
    ['an excerpt of continuation lines only counts once at the end', GMAIL_LINES.slice(0, 3).join('\n'), [{ reason: 'ipv6_ptr_auth', senderIp: '2001:db8::25' }]],
  ])('%s', (_name, text, expected) => {
    expect(run(text)).toMatchObject(expected);
  });

  it('near misses: spam verdict in a Python dict (The-Login/SMTP-Smuggling-Tools#11), DMARC, 2xx replies, our own Out: lines', () => {
    const text = [
      "[DEBUG] (4, {'code': 550, 'message': '5.7.1 [2001:db8::25] Gmail has detected that this message is\\n5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail,\\n5.7.1 this message has been blocked. x - gsmtp'})",
      "reply: b'250-mx.google.com at your service, [2001:db8::25]\\r\\n'",
      '550-5.7.26 Unauthenticated email from example.com is not accepted due to domain\'s',
      '550 5.7.26 DMARC policy. x - gsmtp',
      ' Out: 450 4.7.25 Client host rejected: cannot find your hostname, [192.0.2.99]',
    ].join('\n');
    const out = run(text);
    expect(out.map((r) => r.reason)).toEqual(['other', 'auth']);
    expect(out.filter((r) => r.reason === 'ptr' || r.reason === 'ipv6_ptr_auth')).toEqual([]);
  });

  it('once server lines are marked, bare lines are the client\'s own (sendmail bounce transcript)', () => {
    const text = ['... while talking to gmail-smtp-in.l.google.com.:', '>>> DATA', ...GMAIL_LINES.map((l) => `<<< ${l}`), '554 5.0.0 Service unavailable'].join('\n');
    expect(run(text)).toMatchObject([IPV6_RULE]);
  });

  it('auto recognises a pasted transcript through scan -', async () => {
    const report = await scanFiles(['-'], { format: 'auto', stdin: Readable.from([Buffer.from(`${GMAIL_LINES.join('\r\n')}\r\n`)]) });
    expect(report.files[0]?.format).toBe('transcript');
    expect(report.totals).toEqual({ rejections: 1, ptr_related: 1 });
  });
});

describe('mangled log lines with --format given', () => {
  const reply = 'host gmail-smtp-in.l.google.com[2001:db8:ffff::1a] said: 550-5.7.25 [2001:db8::25] The IP address sending this message does not have a PTR record setup. 550 5.7.25 x - gsmtp (in reply to end of DATA command)';

  it('a syslog prefix without date and host', () => {
    const p = createLogPipeline('postfix', { lenient: true });
    expect(p.push(`postfix/smtp[29685]: 4Nt2Qz6CxNz: to=<a@gmail.com>, relay=gmail-smtp-in.l.google.com[2001:db8:ffff::1a]:25, delay=1, dsn=5.7.25, status=bounced (${reply})`))
      .toMatchObject([{ provider: 'gmail', reason: 'ptr', code: '5.7.25', senderIp: '2001:db8::25' }]);
  });

  it('a Postfix delivery line whose relay= is missing or garbled', () => {
    const p = createLogPipeline('postfix', { lenient: true });
    expect(p.push(`Nov 27 10:00:00 mx postfix/smtp[1]: 1A2B3C4D5E: to=<a@gmail.com>, delay=1, dsn=5.7.25, status=bounced (${reply})`)).toHaveLength(1);
    expect(p.push(`Nov 27 10:00:01 mx postfix/smtp[1]: 1A2B3C4D5F: to=<a@gmail.com>, relay=gmail-smtp-in.l.goo[, delay=1, dsn=5.7.25, status=bounced (${reply})`)).toHaveLength(1);
  });

  it('MDaemon text in Windows-1252 reads as Windows-1252, not U+FFFD', async () => {
    const lines = [
      'Fri 2024-11-08 07:02:53: Session 733488; child 0002',
      'Fri 2024-11-08 07:02:53: Attempting SMTP connection to [mx.example.org:25]',
      'Fri 2024-11-08 07:02:54: <\x96 550 5.7.1 R\xe9ception refus\xe9e: no reverse DNS (PTR) for [198.51.100.7]',
    ];
    const bytes = Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1');
    const report = await scanFiles(['-'], { format: 'mdaemon', stdin: Readable.from([bytes.subarray(0, 150), bytes.subarray(150)]) });
    expect(report.rejections).toMatchObject([{ reason: 'ptr', code: '5.7.1', sender_ip: '198.51.100.7', count: 1 }]);
  });
});

describe('Utf8OrWindows1252', () => {
  it('passes UTF-8 through (also split across chunks) and reads other bytes as Windows-1252', () => {
    const d = new Utf8OrWindows1252();
    const utf8 = Buffer.from('Réception – ok 😀', 'utf8');
    const out = Buffer.concat([d.push(utf8.subarray(0, 2)), d.push(utf8.subarray(2, 15)), d.push(utf8.subarray(15)), d.end()]);
    expect(out.toString('utf8')).toBe('Réception – ok 😀');
    const cp = new Utf8OrWindows1252();
    expect(Buffer.concat([cp.push(Buffer.from([0x52, 0xe9, 0x20, 0x93, 0x71, 0x94, 0x20, 0x80, 0x96])), cp.end()]).toString('utf8')).toBe('Ré “q” €–');
    const cut = new Utf8OrWindows1252();
    expect(Buffer.concat([cut.push(Buffer.from([0x41, 0xe2, 0x80])), cut.end()]).toString('utf8')).toBe('Aâ€');
  });
});

describe('transcript: hostile input', () => {
  it('random bytes and pathological lines never throw; replies stay bounded', () => {
    let seed = 11;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const chars = Array.from({ length: 200_000 }, () => String.fromCharCode(Math.floor(rnd() * 128))).join('');
    const p = createLogPipeline('transcript');
    for (const line of chars.split('\n')) p.push(line);
    p.end();
    const q = createLogPipeline('transcript');
    const lines = [`<<< ${'550-5.7.1 '.repeat(50_000)}`, `${"(550, b'".repeat(20_000)}`, `x ${'550 5.7.1 '.repeat(30_000)}`, ...Array.from({ length: 10_000 }, () => '550-5.7.1 more')];
    const out = [...lines.flatMap((l) => q.push(l)), ...q.end()];
    for (const r of out) expect(r.code.length).toBeLessThan(16);
    expect(out.length).toBeLessThan(5);
  });
});
