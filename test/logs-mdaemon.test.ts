import { describe, expect, it } from 'vitest';
import { createMdaemonParser, MAX_MDAEMON_SESSIONS } from '../src/logs/formats/mdaemon.js';
import { LineSplitter } from '../src/logs/line-splitter.js';
import { createLogPipeline } from '../src/logs/pipeline.js';
import type { Rejection } from '../src/logs/types.js';

/** An MDaemon excerpt as a blog printed it (zensoftware, May 2016): first and last reply line only, timestamps stripped, `<--` turned into `<–`. */
const EXCERPT = [
  '<– 550-5.7.1 [2001:0:5ef5:79fb:34e1:18ed:adbb:2299] Our system has detected that',
  '<– 550 5.7.1 information. bq2si3288976wjd.21 – gsmtp',
];

/** MDaemon lines as a Proxmox forum post shows them, inside a session written from MDaemon's log layout. */
const PTR_SESSION = [
  ' Tue 2022-08-09 07:47:31: Session 733250; child 0002',
  ' Tue 2022-08-09 07:47:31: Parsing message <x\\pd90001015916.msg>',
  ' Tue 2022-08-09 07:47:31: Attempting SMTP connection to [tvpublica.com.ar]',
  ' Tue 2022-08-09 07:47:31: *  P=010 S=000 D=tvpublica.com.ar TTL=(60) MX=[host213.181-15-247.tvpublica.com.ar]',
  ' Tue 2022-08-09 07:47:31: Attempting SMTP connection to [host213.181-15-247.tvpublica.com.ar:25]',
  ' Tue 2022-08-09 07:47:31: *  D=host213.181-15-247.tvpublica.com.ar TTL=(60) A=[181.15.247.213]',
  ' Tue 2022-08-09 07:47:31: Attempting SMTP connection to [181.15.247.213:25]',
  ' Tue 2022-08-09 07:47:31: *  Connection established (192.168.0.15:60296 -> 181.15.247.213:25)',
  ' Tue 2022-08-09 07:47:32: <-- 220 proxmoxmail.rtanet.com.ar Correo',
  ' Tue 2022-08-09 07:47:32: --> EHLO new-bytes.local',
  ' Tue 2022-08-09 07:47:32: <-- 250-proxmoxmail.rtanet.com.ar',
  ' Tue 2022-08-09 07:47:32: <-- 250-PIPELINING',
  ' Tue 2022-08-09 07:47:32: <-- 250 CHUNKING',
  ' Tue 2022-08-09 07:47:32: --> RCPT To:<aablin@tvpublica.com.ar>',
  ' Tue 2022-08-09 07:47:32: <-- 450 4.7.25 Client host rejected: cannot find your hostname, [190.104.194.67]',
  ' Tue 2022-08-09 07:47:32: --> QUIT',
  ' Tue 2022-08-09 07:47:32: <-- 221 2.0.0 Bye',
];

function gmailSession(slot: string, sid: string, ip: string, ms = ''): string[] {
  const t = (s: string): string => `Wed 2016-05-11 10:00:0${s}${ms}: ${slot}`;
  return [
    `${t('1')}Session ${sid}; child 0001`,
    `${t('1')}Attempting SMTP connection to [gmail-smtp-in.l.google.com:25]`,
    `${t('1')}*  D=gmail-smtp-in.l.google.com TTL=(5) AAAA=[2a00:1450:400c:c0b::1a]`,
    `${t('1')}*  Connection established ([${ip}]:50322 -> [2a00:1450:400c:c0b::1a]:25)`,
    `${t('2')}--> DATA`,
    `${t('3')}<-- 550-5.7.1 [${ip}] Our system has detected that this message does`,
    `${t('3')}<-- 550-5.7.1 not meet IPv6 sending guidelines regarding PTR records and`,
    `${t('3')}<-- 550-5.7.1 authentication. Please review`,
    `${t('3')}<-- 550-5.7.1  https://support.google.com/mail/?p=ipv6_authentication_error for more`,
    `${t('3')}<-- 550 5.7.1 information. bq2si3288976wjd.21 - gsmtp`,
    `${t('4')}--> QUIT`,
  ];
}

function run(lines: string[], format: 'mdaemon' = 'mdaemon', lenient = false): Rejection[] {
  const p = createLogPipeline(format, { lenient });
  return lines.flatMap((l) => p.push(l));
}

describe('mdaemon parser', () => {
  it('blog excerpt in lenient mode: exactly one Gmail IPv6 PTR-and-auth rejection', () => {
    const out = run(EXCERPT, 'mdaemon', true);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', replyCode: '550',
      senderIp: '2001:0:5ef5:79fb:34e1:18ed:adbb:2299', family: 'ipv6', time: null,
    });
  });

  it('blog excerpt in strict mode yields nothing (no timestamps)', () => {
    expect(run(EXCERPT)).toEqual([]);
  });

  it('a session: remote from earlier lines, NAT local address not taken as the sender', () => {
    const parser = createMdaemonParser();
    const events = PTR_SESSION.flatMap((l) => parser.push(l));
    expect(events).toEqual([{
      time: new Date(2022, 7, 9, 7, 47, 32).getTime(),
      remoteHost: 'host213.181-15-247.tvpublica.com.ar', remoteIp: '181.15.247.213', localIp: '192.168.0.15',
      replyCode: '450', enhancedCode: '4.7.25', text: 'Client host rejected: cannot find your hostname, [190.104.194.67]',
      queueId: '733250', replay: false,
    }]);
    expect(run(PTR_SESSION)).toMatchObject([{ provider: 'other', reason: 'ptr', code: '4.7.25', senderIp: '190.104.194.67', family: 'ipv4' }]);
  });

  it('joins a multi-line reply into one rejection, IPv6 endpoints and milliseconds tolerated', () => {
    const out = run(gmailSession('', '100', '2001:db8::25', '.123'));
    expect(out).toEqual([{
      provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', replyCode: '550', family: 'ipv6',
      senderIp: '2001:db8::25', time: new Date(2016, 4, 11, 10, 0, 3, 123).getTime(),
    }]);
  });

  it('CRLF line ends and Windows-1252 bytes through the line splitter', () => {
    const text = `${gmailSession('', '101', '2001:db8::26').join('\r\n')}\r\n`;
    const bytes = Buffer.from(text.replace('--> DATA', '--> MAIL From:<j\xfcrgen@example.org>'), 'latin1');
    const withCp1252 = Buffer.concat([Buffer.from(' Wed 2016-05-11 10:00:00: *  Subject: R\xe9sum\xe9 \x93quoted\x94\r\n', 'latin1'), bytes]);
    const splitter = new LineSplitter();
    const p = createLogPipeline('mdaemon');
    const out = [...splitter.push(withCp1252), ...splitter.flush()].flatMap((l) => p.push(l));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ reason: 'ipv6_ptr_auth', senderIp: '2001:db8::26' });
  });

  it('keeps interleaved sessions apart by their slot number', () => {
    const a = gmailSession('05: ', '200', '2001:db8::a');
    const b = PTR_SESSION.map((l) => l.replace(': ', ': 03: '));
    const mixed: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i] !== undefined) mixed.push(a[i] as string);
      if (b[i] !== undefined) mixed.push(b[i] as string);
    }
    const parser = createMdaemonParser();
    const events = mixed.flatMap((l) => parser.push(l));
    expect(events).toHaveLength(2);
    expect(events.find((e) => e.queueId === '200')).toMatchObject({ remoteIp: '2a00:1450:400c:c0b::1a', localIp: '2001:db8::a', enhancedCode: '5.7.1' });
    expect(events.find((e) => e.queueId === '733250')).toMatchObject({ remoteIp: '181.15.247.213', localIp: '192.168.0.15', enhancedCode: '4.7.25' });
  });

  it('keys interleaved real-time sessions by their [%d:%d] ID strings', () => {
    const a = gmailSession('[2:200] ', '200', '2001:db8::a');
    const b = gmailSession('[2:201] ', '201', '2001:db8::b').map((l) => l.replace('2a00:1450:400c:c0b::1a', '2a00:1450:400c:c0b::1b'));
    const c = PTR_SESSION.map((l) => l.replace(/^( \w{3} [\d-]+ [\d:]+: )/, '$1[3:733250] '));
    const mixed: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length, c.length); i++) {
      for (const s of [a, b, c]) if (s[i] !== undefined) mixed.push(s[i] as string);
    }
    expect(mixed.some((l) => l.includes('[3:733250] Session 733250'))).toBe(true);
    const parser = createMdaemonParser();
    const events = mixed.flatMap((l) => parser.push(l));
    expect(events).toHaveLength(3);
    expect(events.find((e) => e.queueId === '200')).toMatchObject({ remoteIp: '2a00:1450:400c:c0b::1a', localIp: '2001:db8::a', enhancedCode: '5.7.1' });
    expect(events.find((e) => e.queueId === '201')).toMatchObject({ remoteIp: '2a00:1450:400c:c0b::1b', localIp: '2001:db8::b', enhancedCode: '5.7.1' });
    expect(events.find((e) => e.queueId === '733250')).toMatchObject({ remoteIp: '181.15.247.213', enhancedCode: '4.7.25' });
    expect(events.find((e) => e.queueId === '200')?.text).toContain('IPv6 sending guidelines regarding PTR records and authentication');
    expect(run(mixed).map((r) => r.reason).sort()).toEqual(['ipv6_ptr_auth', 'ipv6_ptr_auth', 'ptr']);
  });

  it('an excerpt of only 550- continuation lines counts once when the excerpt ends', () => {
    const lines = [
      '<-- 550-5.7.1 [2001:db8::25] Our system has detected that this message does',
      '<-- 550-5.7.1 not meet IPv6 sending guidelines regarding PTR records and',
      '<-- 550-5.7.1 authentication. Please review',
    ];
    const p = createLogPipeline('mdaemon', { lenient: true });
    expect(lines.flatMap((l) => p.push(l))).toEqual([]);
    expect(p.end()).toMatchObject([{ provider: 'other', reason: 'ipv6_ptr_auth', code: '5.7.1', senderIp: '2001:db8::25', family: 'ipv6' }]);
    expect(p.end()).toEqual([]);
  });

  it('a reply cut off by the next command still counts once', () => {
    const lines = [
      'Wed 2016-05-11 10:00:01: Session 300; child 0001',
      'Wed 2016-05-11 10:00:01: <-- 421-4.7.0 [198.51.100.3] Our system has detected an unusual rate of',
      'Wed 2016-05-11 10:00:01: --> QUIT',
    ];
    expect(run(lines)).toMatchObject([{ reason: 'rate_limit', code: '4.7.0', senderIp: '198.51.100.3' }]);
  });

  it('ignores inbound sessions (commands after <--, our replies after -->)', () => {
    const lines = [
      'Thu 2022-09-15 10:38:04: Accepting SMTP connection from [192.0.2.50] to [192.0.2.1]',
      'Thu 2022-09-15 10:38:04: <-- EHLO localhost',
      'Thu 2022-09-15 10:38:04: --> 550 5.7.1 Relaying denied',
    ];
    expect(run(lines)).toEqual([]);
  });

  it('bounds its state: sessions beyond the cap are forgotten, huge replies are cut', () => {
    const parser = createMdaemonParser();
    parser.push('Wed 2016-05-11 10:00:01: 0: Session 1; child 0001');
    parser.push('Wed 2016-05-11 10:00:01: 0: *  Connection established (192.0.2.5:1000 -> 192.0.2.77:25)');
    for (let i = 1; i <= MAX_MDAEMON_SESSIONS; i++) parser.push(`Wed 2016-05-11 10:00:01: ${i}: Session ${i + 1}; child 0001`);
    const [ev] = parser.push('Wed 2016-05-11 10:00:02: 0: <-- 554 go away');
    expect(ev).toMatchObject({ remoteIp: null, queueId: null });

    const big = createMdaemonParser();
    for (let i = 0; i < 20_000; i++) big.push('Wed 2016-05-11 10:00:01: <-- 550-5.7.1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    const out = big.push('Wed 2016-05-11 10:00:01: <-- 550 5.7.1 end');
    expect(out).toHaveLength(1);
    expect(out[0]?.text.length).toBeLessThanOrEqual(16 * 1024);
  });
});
