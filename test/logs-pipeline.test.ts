import { describe, expect, it } from 'vitest';
import { createDeduper } from '../src/logs/dedupe.js';
import { detectFormat } from '../src/logs/formats/index.js';
import { LineSplitter } from '../src/logs/line-splitter.js';
import { createLogPipeline, DETECT_LINES } from '../src/logs/pipeline.js';
import type { DeliveryEvent } from '../src/logs/types.js';

const GMAIL_PTR = (qid: string, rcpt: string, sec = '13', host = 'gmail-smtp-in.l.google.com', ip = '142.250.102.27'): string =>
  `Nov 27 07:31:${sec} mx postfix/smtp[1]: ${qid}: to=<${rcpt}@gmail.com>, relay=${host}[${ip}]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.25, status=bounced (host ${host}[${ip}] said: 550-5.7.25 [192.0.2.25] The IP address sending this message does not have a PTR record setup. 550 5.7.25 x1si2 - gsmtp (in reply to end of DATA command))`;

function event(over: Partial<DeliveryEvent>): DeliveryEvent {
  return { time: 1_700_000_000_000, remoteHost: 'mx', remoteIp: '192.0.2.1', localIp: null, replyCode: '550', enhancedCode: '5.7.1', text: 't', queueId: 'Q1', replay: false, ...over };
}

describe('dedupe (replays and per-recipient copies)', () => {
  it('drops replays and per-recipient copies, keeps what differs', () => {
    const d = createDeduper();
    expect(d.accept(event({ replay: true }))).toBe(false);
    expect(d.accept(event({}))).toBe(true);
    expect(d.accept(event({}))).toBe(false);
    expect(d.accept(event({ time: 1_700_000_000_999 }))).toBe(false);
    expect(d.accept(event({ time: 1_700_000_001_000 }))).toBe(true);
    expect(d.accept(event({ remoteHost: 'mx2' }))).toBe(true);
    expect(d.accept(event({ remoteIp: '192.0.2.2' }))).toBe(true);
    expect(d.accept(event({ text: 'u' }))).toBe(true);
    expect(d.accept(event({ queueId: 'Q2' }))).toBe(true);
    expect(d.accept(event({ queueId: null }))).toBe(true);
    expect(d.accept(event({ queueId: null }))).toBe(true);
  });

  it('keeps bounded memory and forgets old seconds', () => {
    const d = createDeduper(100, 5);
    for (let i = 0; i < 10_000; i++) expect(d.accept(event({ queueId: `Q${i}` }))).toBe(true);
    expect(d.accept(event({ queueId: 'Q0' }))).toBe(true);
    const w = createDeduper(100, 5);
    expect(w.accept(event({ time: 0 }))).toBe(true);
    expect(w.accept(event({ time: 10_000, queueId: 'other' }))).toBe(true);
    expect(w.accept(event({ time: 0 }))).toBe(true);
  });

  it('through the pipeline: copies once, per-MX lines each, replays never', () => {
    const p = createLogPipeline('postfix');
    const lines = [
      GMAIL_PTR('AAAAA11111', 'a'), GMAIL_PTR('AAAAA11111', 'b'), GMAIL_PTR('AAAAA11111', 'c'),
      GMAIL_PTR('AAAAA11111', 'd', '14'),
      GMAIL_PTR('BBBBB22222', 'a'),
      'Nov 27 07:31:13 mx postfix/smtp[1]: CCCCC33333: host mx1.free.fr[212.27.48.6] refused to talk to me: 421 Refused. Your reverse DNS entry does not resolve to an IP.',
      'Nov 27 07:31:13 mx postfix/smtp[1]: CCCCC33333: host mx2.free.fr[212.27.48.7] refused to talk to me: 421 Refused. Your reverse DNS entry does not resolve to an IP.',
      'Nov 27 07:31:13 mx postfix/error[2]: DDDDD44444: to=<y@free.fr>, relay=none, delay=0.01, delays=0/0/0/0, dsn=4.0.0, status=deferred (delivery temporarily suspended: host mx2.free.fr[212.27.48.7] refused to talk to me: 421 Refused. Your reverse DNS entry does not resolve to an IP.)',
    ];
    const out = lines.flatMap((l) => p.push(l));
    expect(out.map((r) => `${r.provider}/${r.reason}`)).toEqual(['gmail/ptr', 'gmail/ptr', 'gmail/ptr', 'free/ptr', 'free/ptr']);
  });
});

describe('format detection', () => {
  it.each([
    ['postfix', 'Nov 27 07:31:13 mx postfix/qmgr[3]: 1A2B3C4D5E: removed'],
    ['postfix', '2025-11-27T16:26:20.562039+03:00 mail postfix-out/smtp[1234]: 4Nt2Qz6CxNz9sPh: to=<a@b>'],
    ['exim', '2018-06-12 14:58:33 1fSdGB-0008Kt-3b <= a@example.com H=localhost [127.0.0.1] P=esmtp S=1234'],
    ['mdaemon', ' Tue 2022-08-09 07:47:31: Session 733250; child 0002'],
    ['sendmail', 'Feb 17 03:43:38 server sm-mta[24870]: s1H8ZKsI024804: from=<a@b>, size=1'],
    ['opensmtpd', 'Mar 22 17:56:37 mercury smtpd[45037]: 8f4864084ecc48f4 mta connecting address=smtp://104.47.38.33:25 host=x'],
  ])('%s', (format, line) => {
    expect(detectFormat(['random text', line])).toBe(format);
  });

  it('returns null for unrecognised lines and takes the majority', () => {
    expect(detectFormat(['hello', 'world'])).toBeNull();
    expect(detectFormat([
      'Nov 27 07:31:13 mx postfix/qmgr[3]: 1A2B3C4D5E: removed',
      'Feb 17 03:43:38 server sm-mta[1]: x: y', 'Feb 17 03:43:38 server sm-mta[1]: x: y',
    ])).toBe('sendmail');
  });

  it('auto pipeline buffers lines until it recognises the format, then parses them', () => {
    const p = createLogPipeline('auto');
    const early = 'to=<a@gmail.com>, status=bounced (host gmail-smtp-in.l.google.com[142.250.102.27] said: 550 5.7.25 no PTR)';
    expect(p.push(`Nov 27 07:31:13 mx opendkim[5]: ${early}`)).toEqual([]);
    expect(p.format).toBeNull();
    const out = p.push(GMAIL_PTR('AAAAA11111', 'a'));
    expect(p.format).toBe('postfix');
    expect(out).toHaveLength(1);
  });

  it('auto pipeline gives up buffering after DETECT_LINES undecided lines', () => {
    const p = createLogPipeline('auto');
    for (let i = 0; i < DETECT_LINES * 3; i++) expect(p.push(`noise ${i}`)).toEqual([]);
    expect(p.format).toBeNull();
    expect(p.push(GMAIL_PTR('AAAAA11111', 'a'))).toHaveLength(1);
  });
});

describe('hostile input', () => {
  it('a 1 MiB line without newline through LineSplitter and pipeline', () => {
    const splitter = new LineSplitter();
    const p = createLogPipeline('postfix');
    const huge = `Nov 27 07:31:13 mx postfix/smtp[1]: AAAAA11111: host mx.example[192.0.2.1] said: 550 ${'x'.repeat(1 << 20)}`;
    const lines = [...splitter.push(Buffer.from(huge)), ...splitter.flush()];
    expect(splitter.truncated).toBe(1);
    const out = lines.flatMap((l) => p.push(l));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ provider: 'other', reason: 'other', code: '550' });
  });

  it('a line of 100,000 "550-" fragments in every parser', () => {
    const frag = '550-'.repeat(100_000);
    const spaced = '550- '.repeat(100_000);
    const lines = [
      `Nov 27 07:31:13 mx postfix/smtp[1]: AAAAA11111: host mx.example[192.0.2.1] said: ${frag}`,
      `Nov 27 07:31:13 mx postfix/smtp[1]: AAAAA11111: host mx.example[192.0.2.1] said: ${spaced}`,
      `Nov 27 07:31:13 mx postfix/smtp[1]: AAAAA11111: host mx.example[192.0.2.1] said: ${'550-5.7.1 [ '.repeat(50_000)}`,
    ];
    const p = createLogPipeline('postfix');
    const out = lines.flatMap((l) => p.push(l));
    expect(out).toHaveLength(3);
    for (const f of ['exim', 'mdaemon', 'sendmail', 'opensmtpd'] as const) {
      const q = createLogPipeline(f, { lenient: true });
      const hostile = [
        `2018-06-12 14:58:33 1fSdGB-0008Kt-3b ** a@b R=x T=y H=mx [192.0.2.1]: SMTP error from remote mail server after end of data: ${'550-\\n'.repeat(100_000)}`,
        `<-- ${frag}`,
        `Feb 17 03:43:38 server sm-mta[1]: s1H8ZKsI024804: to=<a@b>, relay=mx. [192.0.2.1], dsn=4.0.0, stat=Deferred: ${frag}`,
        `Mar 22 17:56:37 m smtpd[1]: 8f4864084ecc48f4 mta delivery evpid=1 source="192.0.2.5" relay="192.0.2.1" result="TempFail" stat="${frag}"`,
        `host ${'['.repeat(100_000)}`,
        `${'host x['.repeat(50_000)}`,
      ];
      expect(() => hostile.forEach((l) => q.push(l))).not.toThrow();
    }
  });

  it('random bytes never throw and yield no rejections', () => {
    let seed = 42;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const buf = Buffer.alloc(2 << 20);
    for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(rnd() * 256);
    for (const f of ['auto', 'postfix', 'exim', 'mdaemon', 'sendmail', 'opensmtpd'] as const) {
      const splitter = new LineSplitter();
      const p = createLogPipeline(f, { lenient: f !== 'auto' });
      let n = 0;
      for (const line of [...splitter.push(buf), ...splitter.flush()]) n += p.push(line).length;
      expect(n).toBe(0);
    }
  });
});
