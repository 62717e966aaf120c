import { describe, expect, it } from 'vitest';
import { createOpensmtpdParser } from '../src/logs/formats/opensmtpd.js';
import { createSendmailParser } from '../src/logs/formats/sendmail.js';
import { createLogPipeline } from '../src/logs/pipeline.js';

/** A Sendmail deferral as posted on a forum: stat= keeps only the first line of Gmail's reply. */
const SENDMAIL_DOC = 'Feb 17 03:43:38 server sm-mta[24870]: s1H8ZKsI024804: to=<bdahiya2007@gmail.com>, ctladdr=<root@server.eptent.com> (0/0), delay=00:08:18, xdelay=00:00:56, mailer=esmtp, pri=120310, relay=alt4.gmail-smtp-in.l.google.com. [173.194.65.27], dsn=4.0.0, stat=Deferred: 421-4.7.0 [162.212.130.164      10] Our system has detected an unusual rate of';
/** An OpenSMTPD 6.4+ delivery line: our IP in source=, the whole reply in stat= (shortened with …). */
const OPENSMTPD_DOC = 'Mar 22 17:56:37 mercury smtpd[45037]: 8f4864084ecc48f4 mta delivery evpid=7077717e797a776e from=<puffy@example.com> to=<bill@hotmail.com> rcpt=<-> source="203.0.113.1" relay="104.47.38.33 (104.47.38.33)" delay=1s result="PermFail" stat="550 5.7.1 Unfortunately, messages from [203.0.113.1] weren\'t sent. Please contact your Internet service provider since part of their network is on our block list (AS3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors."';

describe('sendmail parser', () => {
  it('parses a forum copy of a Sendmail deferral (first reply line only)', () => {
    const [ev] = createSendmailParser({ year: 2014 }).push(SENDMAIL_DOC);
    expect(ev).toMatchObject({
      time: new Date(2014, 1, 17, 3, 43, 38).getTime(), remoteHost: 'alt4.gmail-smtp-in.l.google.com', remoteIp: '173.194.65.27',
      replyCode: '421', enhancedCode: '4.7.0', queueId: 's1H8ZKsI024804',
    });
    expect(createLogPipeline('sendmail').push(SENDMAIL_DOC)).toMatchObject([{ provider: 'gmail', reason: 'rate_limit', code: '4.7.0', senderIp: '162.212.130.164', family: 'ipv4' }]);
  });

  it('classifies cut PTR replies by code (5.7.25, 4.7.23) and reads [IPv6:…] relays', () => {
    const line = (stat: string): string => `Feb 17 03:43:38 server sendmail[1]: s1H8ZKsI024805: to=<a@gmail.com>, delay=00:00:01, mailer=esmtp, pri=1, relay=gmail-smtp-in.l.google.com. [IPv6:2a00:1450:400c:c0b::1a], dsn=4.0.0, stat=${stat}`;
    expect(createLogPipeline('sendmail').push(line('Deferred: 421-4.7.23 [2001:db8::25] The sending IP address for this message doesn\'t have a')))
      .toMatchObject([{ provider: 'gmail', reason: 'ptr', code: '4.7.23', senderIp: '2001:db8::25', family: 'ipv6' }]);
    const [ev] = createSendmailParser().push(line('Deferred: 450-5.7.25 [2001:db8::25] The IP address sending this message does not have a'));
    expect(ev).toMatchObject({ remoteIp: '2a00:1450:400c:c0b::1a', enhancedCode: '5.7.25' });
    expect(createLogPipeline('sendmail').push(line('Deferred: 451-5.7.25 x'))).toMatchObject([{ reason: 'ptr', code: '5.7.25' }]);
  });

  it('skips lines without the remote reply (Sent, mapped permanent wording, connection errors)', () => {
    const p = createSendmailParser();
    for (const stat of ['Sent (OK 1234 - gsmtp)', 'Service unavailable', 'User unknown', 'Deferred: Connection timed out with mx.example.org.']) {
      expect(p.push(`Feb 17 03:43:38 server sm-mta[1]: s1H8ZKsI024806: to=<a@example.org>, relay=mx.example.org. [192.0.2.1], dsn=5.0.0, stat=${stat}`)).toEqual([]);
    }
  });

  it('lenient mode takes a line without the syslog prefix', () => {
    const cut = SENDMAIL_DOC.slice(SENDMAIL_DOC.indexOf('s1H8ZKsI024804'));
    expect(createSendmailParser().push(cut)).toEqual([]);
    expect(createSendmailParser({ lenient: true }).push(cut)).toMatchObject([{ queueId: 's1H8ZKsI024804', time: null, replyCode: '421' }]);
  });
});

describe('opensmtpd parser', () => {
  it('parses the OpenSMTPD guide example: our IP from source=, the reply from stat=', () => {
    const [ev] = createOpensmtpdParser({ year: 2025 }).push(OPENSMTPD_DOC);
    expect(ev).toMatchObject({
      time: new Date(2025, 2, 22, 17, 56, 37).getTime(), remoteHost: null, remoteIp: '104.47.38.33', localIp: '203.0.113.1',
      replyCode: '550', enhancedCode: '5.7.1', queueId: '8f4864084ecc48f4:7077717e',
    });
    expect(createLogPipeline('opensmtpd').push(OPENSMTPD_DOC)).toMatchObject([{ provider: 'microsoft', reason: 'blocklist', code: '5.7.1', senderIp: '203.0.113.1', family: 'ipv4' }]);
  });

  it('takes the host name from relay="host (ip)" and the sender from source= when the reply names none', () => {
    const line = 'Nov 27 10:00:00 mx smtpd[1]: 0123456789abcdef mta delivery evpid=abcdef0012345678 from=<a@example.org> to=<b@web.de> rcpt=<-> source="2001:db8::25" relay="mx-ha03.web.de (2a01:238:20a:202:54f0::1103)" delay=0s result="TempFail" stat="421 Refused. Your reverse DNS entry does not resolve to an IP."';
    expect(createOpensmtpdParser().push(line)).toMatchObject([{ remoteHost: 'mx-ha03.web.de', remoteIp: '2a01:238:20a:202:54f0::1103', localIp: '2001:db8::25' }]);
    expect(createLogPipeline('opensmtpd').push(line)).toMatchObject([{ provider: 'united_internet', reason: 'ptr', senderIp: '2001:db8::25', family: 'ipv6' }]);
  });

  it('skips successful deliveries and other smtpd lines', () => {
    const p = createOpensmtpdParser();
    expect(p.push(OPENSMTPD_DOC.replace('result="PermFail" stat="550 5.7.1', 'result="Ok" stat="250 2.0.0'))).toEqual([]);
    expect(p.push('Apr 25 06:41:25 leki smtpd[29104]: smtp-out: Error on session 69738a26af1c7fa5: Connection closed unexpectedly')).toEqual([]);
  });

  it('lenient mode tolerates curly quotes from a pasted excerpt', () => {
    const pasted = OPENSMTPD_DOC.slice(OPENSMTPD_DOC.indexOf('mta delivery')).replace(/"/g, (q, i: number) => (i % 2 ? '\u201c' : '\u201d'));
    expect(createOpensmtpdParser({ lenient: true }).push(pasted)).toMatchObject([{ localIp: '203.0.113.1', enhancedCode: '5.7.1' }]);
  });
});
