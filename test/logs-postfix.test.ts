import { describe, expect, it } from 'vitest';
import { createPostfixParser } from '../src/logs/formats/postfix.js';
import { createLogPipeline } from '../src/logs/pipeline.js';

/** A Gmail bounce over IPv6, from https://github.com/jtojnar/nixfiles/issues/13 (reply shortened with …). */
const DOC_EXAMPLE = 'Jan 02 07:31:13 azazel postfix/smtp[1050192]: 251A3372458: to=<foo@gmail.com>, relay=gmail-smtp-in.l.google.com[2a00:1450:4013:c06::1b]:25, delay=0.79, delays=0.04/0.05/0.2/0.5, dsn=5.7.26, status=bounced (host gmail-smtp-in.l.google.com[2a00:1450:4013:c06::1b] said: 550-5.7.26 Your email has been blocked because the sender is unauthenticated. 550-5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM. … (in reply to end of DATA command))';
const IPV6_RULE = '550-5.7.1 [2001:db8::25] Gmail has detected that this message does 550-5.7.1 not meet IPv6 sending guidelines regarding PTR records and 550-5.7.1 authentication. For more information, go to 550 5.7.1 https://support.google.com/mail/?p=IPv6AuthError a1si2.3 - gsmtp';
const RFC3339 = `2025-11-27T16:26:20.562039+03:00 mail postfix/smtp[1234]: 4Nt2Qz6CxNz9sPh: to=<a@gmail.com>, relay=gmail-smtp-in.l.google.com[2a00:1450:4013:c06::1b]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.7.1, status=bounced (host gmail-smtp-in.l.google.com[2a00:1450:4013:c06::1b] said: ${IPV6_RULE} (in reply to end of DATA command))`;
const WEBDE = 'Nov 27 10:00:01 mx postfix-out/smtp[77]: 9C1D2E3F4A: to=<u@web.de>, relay=mx-ha03.web.de[212.227.15.17]:25, delay=0.3, delays=0/0/0.3/0, dsn=4.0.0, status=deferred (host mx-ha03.web.de[212.227.15.17] refused to talk to me: 554-web.de (mxweb010) Nemesis ESMTP Service not available 554-No SMTP service 554-Bad DNS PTR resource record. 554 For explanation visit https://web.de/email/senderguidelines?ip=198.51.100.7&c=rdns)';
const FREE_MX1 = 'Nov 27 10:00:02 mx postfix/smtp[78]: 3F2A11234: host mx1.free.fr[212.27.48.6] refused to talk to me: 421 Refused. Your reverse DNS entry does not resolve to an IP.';
const FREE_MX2 = 'Nov 27 10:00:02 mx postfix/smtp[78]: 3F2A11234: to=<x@free.fr>, relay=mx2.free.fr[212.27.48.7]:25, delay=0.2, delays=0/0/0.2/0, dsn=4.0.0, status=deferred (host mx2.free.fr[212.27.48.7] refused to talk to me: 421 Refused. Your reverse DNS entry does not resolve to an IP.)';
const FREE_REPLAY = 'Nov 27 10:00:09 mx postfix/error[79]: 5B6C7D8E9F: to=<y@free.fr>, relay=none, delay=0.01, delays=0/0/0/0, dsn=4.0.0, status=deferred (delivery temporarily suspended: host mx2.free.fr[212.27.48.7] refused to talk to me: 421 Refused. Your reverse DNS entry does not resolve to an IP.)';

describe('postfix parser', () => {
  it('parses a line from github.com/jtojnar/nixfiles issue 13: codes from the reply, never dsn=', () => {
    const [ev, ...rest] = createPostfixParser({ year: 2026 }).push(DOC_EXAMPLE);
    expect(rest).toHaveLength(0);
    expect(ev).toMatchObject({
      time: new Date(2026, 0, 2, 7, 31, 13).getTime(),
      remoteHost: 'gmail-smtp-in.l.google.com', remoteIp: '2a00:1450:4013:c06::1b', localIp: null,
      replyCode: '550', enhancedCode: '5.7.26', queueId: '251A3372458', replay: false,
    });
    expect(ev?.text).toBe('Your email has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM. …');
  });

  it('classifies the nixfiles line as Gmail auth, not PTR', () => {
    expect(createLogPipeline('postfix').push(DOC_EXAMPLE)).toMatchObject([{ provider: 'gmail', reason: 'auth', code: '5.7.26', family: 'ipv6', senderIp: null }]);
  });

  it('reads RFC 3339 timestamps and the IPv6 rule', () => {
    const [r] = createLogPipeline('postfix').push(RFC3339);
    expect(r).toMatchObject({ provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', replyCode: '550', senderIp: '2001:db8::25', family: 'ipv6' });
    expect(r?.time).toBe(Date.UTC(2025, 10, 27, 13, 26, 20, 562));
  });

  it('handles multi-instance names and a 5xx greeting logged as deferred with dsn=4.0.0', () => {
    const [r] = createLogPipeline('postfix').push(WEBDE);
    expect(r).toMatchObject({ provider: 'united_internet', reason: 'ptr', code: '554', replyCode: '554', senderIp: '198.51.100.7', family: 'ipv4' });
  });

  it('strips a docker compose prefix', () => {
    const [ev] = createPostfixParser({ year: 2026 }).push(`postfix-mailcow-1  | ${WEBDE}`);
    expect(ev).toMatchObject({ queueId: '9C1D2E3F4A', time: new Date(2026, 10, 27, 10, 0, 1).getTime() });
  });

  it('per-MX attempt lines and final status lines are events; postfix/error replays are marked', () => {
    const p = createPostfixParser();
    expect(p.push(FREE_MX1)).toMatchObject([{ remoteHost: 'mx1.free.fr', remoteIp: '212.27.48.6', replyCode: '421', enhancedCode: null, replay: false, queueId: '3F2A11234' }]);
    expect(p.push(FREE_MX2)).toMatchObject([{ remoteHost: 'mx2.free.fr', replay: false }]);
    expect(p.push(FREE_REPLAY)).toMatchObject([{ remoteHost: 'mx2.free.fr', replay: true }]);
    const pipe = createLogPipeline('postfix');
    const counted = [FREE_MX1, FREE_MX2, FREE_REPLAY].flatMap((l) => pipe.push(l));
    expect(counted).toHaveLength(2);
    expect(counted.every((r) => r.provider === 'free' && r.reason === 'ptr' && r.code === '421')).toBe(true);
  });

  it('accepts lmtp, orig_to and conn_use, and single-digit syslog days', () => {
    const line = 'Jan  2 07:31:13 h postfix/lmtp[5]: ABCDE12345: to=<a@example.org>, orig_to=<b@example.org>, relay=mx.example.org[192.0.2.1]:24, conn_use=2, delay=1, delays=0/0/0/1, dsn=4.2.2, status=deferred (host mx.example.org[192.0.2.1] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))';
    expect(createPostfixParser({ year: 2026 }).push(line)).toMatchObject([{ time: new Date(2026, 0, 2, 7, 31, 13).getTime(), replyCode: '452', enhancedCode: '4.2.2', text: 'Mailbox full' }]);
  });

  it('ignores sent mail, connection errors, inbound rejects and other daemons', () => {
    const p = createPostfixParser();
    for (const line of [
      'Nov 27 10:00:00 mx postfix/smtp[1]: 1A2B3C4D5E: to=<a@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.1.27]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 OK  1700000000 x - gsmtp)',
      'Nov 27 10:00:00 mx postfix/smtp[1]: 1A2B3C4D5E: to=<a@example.org>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.1]:25: Connection timed out)',
      'Nov 27 10:00:00 mx postfix/smtpd[2]: NOQUEUE: reject: RCPT from unknown[198.51.100.9]: 450 4.7.25 Client host rejected: cannot find your hostname, [198.51.100.9]; from=<a@example.org> to=<b@example.com> proto=ESMTP helo=<x>',
      'Nov 27 10:00:00 mx postfix/qmgr[3]: 1A2B3C4D5E: from=<a@example.com>, size=1234, nrcpt=1 (queue active)',
      'Nov 27 10:00:00 mx dovecot: lmtp(4): said: 550 nothing',
    ]) expect(p.push(line)).toEqual([]);
  });

  it('strict mode needs the postfix tag; lenient mode takes cut-off lines', () => {
    const cut = 'to=<a@gmail.com>, relay=gmail-smtp-in.l.google.com[2a00:1450:4013:c06::1b]:25, dsn=5.7.1, status=bounced (host gmail-smtp-in.l.google.com[2a00:1450:4013:c06::1b] said: 550-5.7.1 [2001:db8::25] x 550 5.7.1 y (in reply to end of DATA command))';
    expect(createPostfixParser().push(cut)).toEqual([]);
    expect(createPostfixParser({ lenient: true }).push(`   ${cut}`)).toMatchObject([{ time: null, queueId: null, replyCode: '550', enhancedCode: '5.7.1', text: '[2001:db8::25] x y' }]);
    const withQid = `251A3372458: ${cut}`;
    expect(createPostfixParser({ lenient: true }).push(withQid)).toMatchObject([{ queueId: '251A3372458' }]);
    const tagged = `postfix/smtp[9]: 251A3372458: ${cut}`;
    expect(createPostfixParser({ lenient: true }).push(tagged)).toMatchObject([{ queueId: '251A3372458', time: null }]);
  });

  it('--format postfix on a whole syslog file: other programs\' lines are not read as Postfix lines', () => {
    const reply = 'host mx.example.org[192.0.2.1] said: 550 5.7.25 no PTR record for [192.0.2.25]';
    const p = createLogPipeline('postfix', { lenient: true });
    const others = [
      `Nov 27 10:00:00 mx opendkim[5]: 1A2B3C4D5E: ${reply}`,
      `Nov 27 10:00:00 mx amavis[7]: (1234-01) ${reply}`,
      `2025-11-27T16:26:20.562039+03:00 mx postgrey[9]: ${reply}`,
      `opendkim[5]: 1A2B3C4D5E: ${reply}`,
      `Nov 27 10:00:00 mx dovecot: ${reply}`,
    ];
    for (const line of others) expect(p.push(line)).toEqual([]);
    expect(p.push(`  1A2B3C4D5E: to=<a@example.org>, status=bounced (${reply})`)).toHaveLength(1);
    expect(p.push(`postfix/smtp[29685]: 1A2B3C4D5F: to=<a@example.org>, status=bounced (${reply})`)).toHaveLength(1);
  });

  it('finds the right "host" when the reply itself says "host ... said:"', () => {
    const line = 'Nov 27 10:00:00 host postfix/smtp[1]: 1A2B3C4D5E: host mx.example.org[192.0.2.1] refused to talk to me: 554 your host said: go away';
    expect(createPostfixParser().push(line)).toMatchObject([{ remoteHost: 'mx.example.org', remoteIp: '192.0.2.1', text: 'your host said: go away' }]);
  });

  it('near misses through the pipeline: zero PTR-related rejections', () => {
    const line = (qid: string, host: string, reply: string): string =>
      `Nov 27 10:00:00 mx postfix/smtp[1]: ${qid}: to=<a@example.net>, relay=${host}[192.0.2.1]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.0.0, status=bounced (host ${host}[192.0.2.1] said: ${reply} (in reply to end of DATA command))`;
    const p = createLogPipeline('postfix');
    const out = [
      line('AAAAA00001', 'gmail-smtp-in.l.google.com', '550-5.7.26 Your email has been blocked because the sender is unauthenticated. 550-5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM. 550 5.7.26 x - gsmtp'),
      line('AAAAA00002', 'gmail-smtp-in.l.google.com', '550-5.7.1 Unauthenticated email from example.com is not accepted due to domain\'s 550-5.7.1 DMARC policy. 550 5.7.1 x - gsmtp'),
      line('AAAAA00003', 'gmail-smtp-in.l.google.com', '550-5.7.1 This message does not have authentication information or fails to pass 550 5.7.1 authentication checks. x - gsmtp'),
      line('AAAAA00004', 'gmail-smtp-in.l.google.com', '421-4.7.28 [2001:db8::25] Our system has detected an unusual rate of 421 4.7.28 unsolicited mail originating from your IP address. x - gsmtp'),
      line('AAAAA00005', 'gmail-smtp-in.l.google.com', '550-5.1.1 The email account that you tried to reach does not exist. 550 5.1.1 https://support.google.com/mail/?p=NoSuchUser x - gsmtp'),
      line('AAAAA00006', 'mx.example.net', '554 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using zen.spamhaus.org'),
      line('AAAAA00007', 'x.olc.protection.outlook.com', '550 5.7.1 Unfortunately, messages from [192.0.2.25] weren\'t sent. Please contact your Internet service provider since part of their network is on our block list (S3150).'),
    ].flatMap((l) => p.push(l));
    expect(out.map((r) => r.reason)).toEqual(['auth', 'auth', 'auth', 'rate_limit', 'recipient', 'blocklist', 'blocklist']);
    expect(out.filter((r) => r.reason === 'ptr' || r.reason === 'ipv6_ptr_auth')).toHaveLength(0);
  });
});
