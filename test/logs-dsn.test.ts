import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { classify } from '../src/logs/classify.js';
import { dsnEvents } from '../src/logs/formats/dsn.js';
import { scanFiles } from '../src/logs/scan.js';
import type { Rejection } from '../src/logs/types.js';
import {
  eximText, exchangeText, GMAIL_IPV6_JOINED, GMAIL_IPV6_LINES, GMX_LINES, gmailNdrText, postfixText, qmailText, report, sendmailText,
} from './support/bounces.js';

async function rejections(text: string): Promise<Rejection[]> {
  const out: Rejection[] = [];
  for (const ev of await dsnEvents(Buffer.from(text))) {
    const r = classify(ev);
    if (r) out.push(r);
  }
  return out;
}

/** Scans text as stdin with the given format, as `ptr-exporter scan - --format F` does. */
async function scanText(text: string, format: 'auto' | 'dsn' | 'transcript') {
  return scanFiles(['-'], { format, stdin: Readable.from([Buffer.from(text)]) });
}

const GMX_JOINED = GMX_LINES.join(' ');
const GMAIL_MX = 'gmail-smtp-in.l.google.com';
const GMAIL_IP = '2001:db8:ffff::1a';
const GMX_MX = 'mx00.emig.gmx.net';
const GMX_IP = '192.0.2.9';

const IPV6_RULE = { provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', replyCode: '550', family: 'ipv6', senderIp: '2001:db8::25' };
const GMX_RULE = { provider: 'united_internet', reason: 'ptr', code: '554', replyCode: '554', family: 'ipv4', senderIp: '198.51.100.7' };

/** Each layout, for the Gmail IPv6 rule and for GMX's "Bad DNS PTR resource record". */
const LAYOUTS: [string, string, object][] = [
  ['Postfix, Gmail IPv6', postfixText('a@gmail.com', GMAIL_MX, GMAIL_IP, GMAIL_IPV6_JOINED), IPV6_RULE],
  ['Postfix, GMX', postfixText('a@gmx.de', GMX_MX, GMX_IP, GMX_JOINED, 'refused to talk to me'), GMX_RULE],
  ['Exim, Gmail IPv6', eximText('a@gmail.com', GMAIL_MX, GMAIL_IP, GMAIL_IPV6_LINES), IPV6_RULE],
  ['Exim, GMX', eximText('a@gmx.de', GMX_MX, GMX_IP, GMX_LINES).replace('after end of data', 'after initial connection'), GMX_RULE],
  ['Sendmail, Gmail IPv6', sendmailText(['a@gmail.com'], GMAIL_MX, GMAIL_IPV6_LINES), IPV6_RULE],
  ['Sendmail, GMX', sendmailText(['a@gmx.de'], GMX_MX, GMX_LINES), GMX_RULE],
  ['Gmail NDR, Gmail IPv6', gmailNdrText('a@gmail.com', GMAIL_IPV6_LINES), IPV6_RULE],
  ['Gmail NDR, GMX', gmailNdrText('a@gmx.de', GMX_LINES), GMX_RULE],
  ['Office 365, Gmail IPv6', exchangeText('a@gmail.com', GMAIL_IPV6_JOINED), IPV6_RULE],
  ['Office 365, GMX', exchangeText('a@gmx.de', GMX_JOINED), GMX_RULE],
  ['qmail, Gmail IPv6', qmailText('a@gmail.com', GMAIL_IP, GMAIL_IPV6_LINES), IPV6_RULE],
  ['qmail, GMX', qmailText('a@gmx.de', GMX_IP, GMX_LINES), GMX_RULE],
];

describe('dsn: each layout counts once, with the sender IP', () => {
  it.each(LAYOUTS)('%s, pasted text', async (_name, text, expected) => {
    expect(await rejections(text)).toMatchObject([expected]);
  });

  it.each(LAYOUTS)('%s, as a multipart/report with its delivery-status part', async (_name, text, expected) => {
    const gmx = text.includes('gmx');
    const eml = report(text, [gmx ? 'a@gmx.de' : 'a@gmail.com'], gmx ? GMX_MX : GMAIL_MX, gmx ? GMX_JOINED : GMAIL_IPV6_JOINED);
    expect(await rejections(eml)).toMatchObject([expected]);
  });

  it.each(LAYOUTS)('%s, through scan --format auto and --format dsn', async (_name, text, expected) => {
    for (const format of ['auto', 'dsn'] as const) {
      const r = await scanText(text, format);
      expect(r.files[0]?.format).toBe('dsn');
      expect(r.totals.rejections).toBe(1);
      const { senderIp, provider, reason } = expected as { senderIp: string; provider: string; reason: string };
      expect(r.rejections).toMatchObject([{ sender_ip: senderIp, provider, reason, count: 1 }]);
    }
  });
});

describe('dsn: pasted as people paste it', () => {
  it('quoted with "> " and folded by a web page (cyclestreets/cyclescape#553)', async () => {
    const text = [
      '> <USER@gmail.com> (expanded from <USER@example.org>):',
      '>     host gmail-smtp-in.l.google.com[2001:db8:ffff::1a] said: 550-5.7.1',
      '>     [2001:db8::25] Our system has detected that this message does',
      '>     550-5.7.1 not meet IPv6 sending guidelines regarding PTR records and',
      '>     550-5.7.1 authentication. Please review 550-5.7.1',
      '>     https://support.google.com/mail/?p=ipv6_authentication_error for more 550',
      '>     5.7.1 information. y4si17310019wme.87 - gsmtp (in reply to end of DATA',
      '>     command)',
    ].join('\n');
    expect(await rejections(text)).toMatchObject([IPV6_RULE]);
  });

  it('human-readable and delivery-status parts pasted together count once (mailcow/mailcow#915)', async () => {
    const text = [
      '<u@web.de>: host mx-ha03.web.de[192.0.2.17] refused to talk',
      '    to me: 554-web.de (mxweb012) Nemesis ESMTP Service not available 554-No',
      '    SMTP service 554 invalid DNS PTR resource record, IP=198.51.100.7',
      'Reporting-MTA: dns; mail.example.com',
      'X-Postfix-Queue-ID: C1DA62C235D3',
      'Arrival-Date: Wed, 22 Nov 2017 15:29:28 +0100 (CET)',
      '',
      'Final-Recipient: rfc822; u@web.de',
      'Original-Recipient: rfc822;u@web.de',
      'Action: failed',
      'Status: 4.0.0',
      'Remote-MTA: dns; mx-ha03.web.de',
      'Diagnostic-Code: smtp; 554-web.de (mxweb012) Nemesis ESMTP Service not',
      '    available 554-No SMTP service 554 invalid DNS PTR resource record,',
      '    IP=198.51.100.7',
    ].join('\n');
    expect(await rejections(text)).toMatchObject([{ provider: 'united_internet', reason: 'ptr', code: '554' }]);
  });

  it('a Diagnostic-Code line alone, folded (mailcow/mailcow#800)', async () => {
    const text = 'Diagnostic-Code: smtp; 550-5.7.1 [2001:db8::25] Our system has\n    detected that this message does 550-5.7.1 not meet IPv6 sending guidelines\n    regarding PTR records and 550-5.7.1 authentication. Please review 550-5.7.1\n    https://support.google.com/mail/?p=IPv6AuthError for more information 550\n    5.7.1 . v5si749738wrb.38 - gsmtp';
    expect(await rejections(text)).toMatchObject([IPV6_RULE]);
  });

  it('a delivery-status part flattened onto one line, with markdown links a web page added (NixOS/SC-election-2024#61)', async () => {
    const text = '<[elections@example.org](mailto:elections@example.org)>: host [mx2.improvmx.com](http://mx2.improvmx.com/)[2001:db8:ffff::2] refused to talk to me: 550 5.7.25 IP name lookup failed. No valid PTR record found for the given IP address. - ImprovMX v2024.06.06 Reporting-MTA: dns; mail.example.com Final-Recipient: rfc822; elections@example.org Action: failed Status: 5.7.25 Remote-MTA: dns; mx2.improvmx.com Diagnostic-Code: smtp; 550 5.7.25 IP name lookup failed. No valid PTR record found for the given IP address. - ImprovMX v2024.06.06';
    expect(await rejections(text)).toMatchObject([{ reason: 'ptr', code: '5.7.25', replyCode: '550' }]);
  });

  it('Exim with "host [ip]:" and no name, a placeholder instead of our IP (dwaves.org, 2017-02-02)', async () => {
    const text = '    SMTP error from remote mail server after end of data:\n    host [2001:db8:ffff::1b]:\n    550-5.7.1 [MyIP6Address] Our system has detected that this message does 550-5.7.1 not meet IPv6 sending guidelines regarding PTR records and 550-5.7.1 authentication. Please review 550-5.7.1 for more information 550 5.7.1 . x102si19099743ioi.169 - gsmtp';
    expect(await rejections(text)).toMatchObject([{ provider: 'gmail', reason: 'ipv6_ptr_auth', senderIp: null, family: 'ipv6' }]);
  });

  it('Exchange 2010 form "host #550 ... ##"', async () => {
    const text = `Diagnostic information for administrators:\n\nGenerating server: mail.example.com\n\na@gmail.com\ngmail-smtp-in.l.google.com #${GMAIL_IPV6_JOINED} ##\n`;
    expect(await rejections(text)).toMatchObject([IPV6_RULE]);
  });
});

describe('dsn: recipients', () => {
  it('a bounce that repeats one reply for three recipients counts each', async () => {
    const text = ['a', 'b', 'c'].map((r) => postfixText(`${r}@gmail.com`, GMAIL_MX, GMAIL_IP, GMAIL_IPV6_JOINED).split('The mail system\n\n')[1]).join('\n\n');
    expect(await rejections(text)).toHaveLength(3);
    const eml = report(text, ['a@gmail.com', 'b@gmail.com', 'c@gmail.com'], GMAIL_MX, GMAIL_IPV6_JOINED);
    expect(await rejections(eml)).toHaveLength(3);
  });

  it('Sendmail: one DATA reply for two recipients counts twice; the status part keeps only the first line', async () => {
    const text = sendmailText(['a@gmail.com', 'b@gmail.com'], GMAIL_MX, GMAIL_IPV6_LINES);
    expect(await rejections(text)).toMatchObject([IPV6_RULE, IPV6_RULE]);
    const eml = report(text, ['a@gmail.com', 'b@gmail.com'], GMAIL_MX, GMAIL_IPV6_LINES[0] ?? '');
    const out = await rejections(eml);
    expect(out).toMatchObject([IPV6_RULE, IPV6_RULE]);
  });

  it('the returned original message inside a report is not read', async () => {
    const eml = report('Delivery failed.', ['a@example.org'], 'mx.example.org', '550 5.1.1 <a@example.org>: Recipient address rejected: User unknown');
    expect(await rejections(eml)).toMatchObject([{ reason: 'recipient', code: '5.1.1' }]);
  });
});

describe('dsn: near misses count no PTR rejection', () => {
  const DMARC = ['550-5.7.26 Unauthenticated email from example.com is not accepted due to domain\'s', '550-5.7.26 DMARC policy. Please contact the administrator of example.com domain if', '550 5.7.26 this was a legitimate mail. https://support.google.com/mail/answer/2451690 x - gsmtp'];
  const DMARC_571 = DMARC.map((l) => l.replace('5.7.26', '5.7.1'));
  const SPAMHAUS = ['554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/198.51.100.7'];
  const RATE = ['421-4.7.28 [2001:db8::25] Our system has detected an unusual rate of', '421-4.7.28 unsolicited mail originating from your IP address. To protect our', '421 4.7.28 users from spam, mail sent from your IP address has been temporarily rate limited. x - gsmtp'];
  const TSS04 = ['421 4.7.0 [TSS04] Messages from 198.51.100.7 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes'];
  const UNKNOWN = ['550-5.1.1 The email account that you tried to reach does not exist. Please try', '550 5.1.1 https://support.google.com/mail/?p=NoSuchUser x - gsmtp'];
  const MISMATCH = ['550 5.7.1 Message rejected: HELO domain mismatches client IP 198.51.100.7'];
  const FULL = ['552-5.2.2 The email account that you tried to reach is over quota.', '552 5.2.2 https://support.google.com/mail/?p=OverQuotaPerm x - gsmtp'];
  const CASES: [string, string, string][] = [
    ['Postfix DMARC 5.7.26', postfixText('a@gmail.com', GMAIL_MX, GMAIL_IP, DMARC.join(' ')), 'auth'],
    ['Exim DMARC under 5.7.1', eximText('a@gmail.com', GMAIL_MX, GMAIL_IP, DMARC_571), 'auth'],
    ['Sendmail block list', sendmailText(['a@example.org'], 'mx.example.org', SPAMHAUS), 'blocklist'],
    ['Gmail NDR rate limit 4.7.28', gmailNdrText('a@gmail.com', RATE), 'rate_limit'],
    ['Office 365 Yahoo TSS04', exchangeText('a@yahoo.com', TSS04.join(' ')), 'rate_limit'],
    ['qmail unknown user', qmailText('a@gmail.com', GMAIL_IP, UNKNOWN), 'recipient'],
    ['Postfix HELO mismatch', postfixText('a@example.net', 'mx.example.net', '192.0.2.30', MISMATCH.join(' ')), 'other'],
    ['Exim mailbox full', eximText('a@gmail.com', GMAIL_MX, GMAIL_IP, FULL), 'recipient'],
  ];
  it.each(CASES)('%s', async (_name, text, reason) => {
    const out = await rejections(text);
    expect(out.map((r) => r.reason)).toEqual([reason]);
    const r = await scanText(text, 'auto');
    expect(r.totals).toEqual({ rejections: 1, ptr_related: 0 });
  });

  it('our own server\'s inbound rejection in a postmaster notice, and local failures, count nothing', async () => {
    const notice = ['Subject: Postfix SMTP server: errors from unknown[192.0.2.99]', 'From: MAILER-DAEMON@mail.example.com', 'To: postmaster@example.com', '',
      'Transcript of session follows.', '', ' Out: 220 mail.example.com ESMTP Postfix', ' In:  EHLO unknown', ' Out: 250-mail.example.com',
      ' In:  RCPT TO:<a@example.com>', ' Out: 450 4.7.25 Client host rejected: cannot find your hostname, [192.0.2.99]', '',
      'Session aborted, reason: lost connection'].join('\n');
    expect(await rejections(notice)).toEqual([]);
    const local = report('<a@example.invalid>: Host or domain name not found. Name service error for name=example.invalid type=A: Host not found',
      ['a@example.invalid'], 'none', 'X-Postfix; Host or domain name not found').replace('Diagnostic-Code: smtp; X-Postfix;', 'Diagnostic-Code: X-Postfix;');
    expect(await rejections(local)).toEqual([]);
  });
});

describe('dsn: hostile input', () => {
  it('random bytes, deep MIME nesting, huge and repeated markers: no throw, nothing counted that is not there', async () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const noise = Buffer.alloc(1 << 20);
    for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(rnd() * 256);
    expect(await dsnEvents(noise)).toEqual([]);
    const nested = `From: MAILER-DAEMON@example.com\r\nSubject: Undelivered Mail\r\nMIME-Version: 1.0\r\n${Array.from({ length: 500 }, (_, i) => `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`).join('')}Content-Type: text/plain\r\n\r\n<a@gmail.com>: host mx.example.org[192.0.2.1] said: 550 5.7.25 no PTR for [198.51.100.7]\r\n`;
    expect((await rejections(nested)).map((r) => r.reason)).toEqual(['ptr']);
    const pathological = [
      `a@b.example ${'#550 x '.repeat(5000)}`,
      `${'host x[1.2.3.4] said: '.repeat(2000)}`,
      `${'SMTP error from remote mail server after '.repeat(1000)}: 550 x`,
      `Diagnostic-Code: smtp; ${'550-5.7.1 '.repeat(20_000)}`,
      `${'<a@b.example>\n'.repeat(10_000)}`,
      `${'Final-Recipient: rfc822; a@b.example\n'.repeat(5_000)}`,
    ].join('\n\n');
    const out = await rejections(pathological);
    expect(out.filter((r) => r.reason === 'ptr' || r.reason === 'ipv6_ptr_auth')).toEqual([]);
  });
});
