import { describe, expect, it } from 'vitest';
import { createEximParser } from '../src/logs/formats/exim.js';
import { createLogPipeline } from '../src/logs/pipeline.js';

/** A Gmail PTR rejection over IPv4, from https://pastebin.com/pJv07ywH (reply shortened with …). */
const DOC_EXAMPLE = '2018-06-12 14:58:33 1fSdGB-0008Kt-3b ** yap.ky.asia@gmail.com R=dkim_lookuphost T=dkim_remote_smtp H=gmail-smtp-in.l.google.com [74.125.24.27] X=TLSv1.2:ECDHE-RSA-AES128-GCM-SHA256:128 CV=yes: SMTP error from remote mail server after end of data: 550-5.7.1 [103.27.73.29] The IP address sending this message does not have a PTR\\n550-5.7.1 record setup. …\\n550 5.7.1 information. e189-v6si165855pgc.461 - gsmtp';
const OLD_FORM = '2015-03-01 12:00:00 1YS0Xx-0001Ab-2C ** user@comcast.net R=dnslookup T=remote_smtp: SMTP error from remote mail server after initial connection: host mx1.comcast.net [2001:558:fe21:2a::6]: 554 resimta-ch2-18v.sys.comcast.net comcast 2001:db8::25 Comcast requires that all mail servers must have a PTR record with a valid Reverse DNS entry. Currently your mail server does not fill that requirement.';
const FREENET = '2019-04-02 08:15:00 +0200 [4242] 1hBB1a-0004Xy-Qz == a@freenet.de R=dnslookup T=remote_smtp defer (-44) H=emig.freenet.de [2001:748:100:40::2:6]: SMTP error from remote mail server after RCPT TO:<a@freenet.de>: 550-inconsistent or no DNS PTR record for 2001:db8::25 (see RFC\\n550 1912 2.1)';

describe('exim parser', () => {
  it('parses a Gmail PTR line from pastebin.com/pJv07ywH (H= form, literal \\n)', () => {
    const [ev] = createEximParser().push(DOC_EXAMPLE);
    expect(ev).toMatchObject({
      time: new Date(2018, 5, 12, 14, 58, 33).getTime(), remoteHost: 'gmail-smtp-in.l.google.com', remoteIp: '74.125.24.27',
      replyCode: '550', enhancedCode: '5.7.1', queueId: '1fSdGB-0008Kt-3b', replay: false,
    });
    expect(ev?.text).toBe('[103.27.73.29] The IP address sending this message does not have a PTR record setup. … information. e189-v6si165855pgc.461 - gsmtp');
    expect(createLogPipeline('exim').push(DOC_EXAMPLE)).toMatchObject([{ provider: 'gmail', reason: 'ptr', code: '5.7.1', senderIp: '103.27.73.29', family: 'ipv4' }]);
  });

  it('parses the older "host H [ip]:" form', () => {
    expect(createEximParser().push(OLD_FORM)).toMatchObject([{ remoteHost: 'mx1.comcast.net', remoteIp: '2001:558:fe21:2a::6', replyCode: '554', enhancedCode: null }]);
    expect(createLogPipeline('exim').push(OLD_FORM)).toMatchObject([{ provider: 'comcast', reason: 'ptr', code: '554', senderIp: '2001:db8::25', family: 'ipv6' }]);
  });

  it('parses == deferrals with a zone, a pid and freenet\'s code-less multi-line reply', () => {
    const [ev] = createEximParser().push(FREENET);
    expect(ev).toMatchObject({ time: Date.UTC(2019, 3, 2, 6, 15, 0), queueId: '1hBB1a-0004Xy-Qz', remoteHost: 'emig.freenet.de', replyCode: '550', enhancedCode: null });
    expect(ev?.text).toBe('inconsistent or no DNS PTR record for 2001:db8::25 (see RFC 1912 2.1)');
    expect(createLogPipeline('exim').push(FREENET)).toMatchObject([{ provider: 'other', reason: 'ptr', code: '550', senderIp: '2001:db8::25', family: 'ipv6' }]);
  });

  it('ignores deliveries, unflagged lines (strict) and errors without a reply', () => {
    const p = createEximParser();
    for (const line of [
      '2018-06-12 14:58:33 1fSdGB-0008Kt-3b => a@gmail.com R=dnslookup T=remote_smtp H=gmail-smtp-in.l.google.com [74.125.24.27] C="250 2.0.0 OK"',
      '2018-06-12 14:58:33 1fSdGB-0008Kt-3b H=mx.example.org [192.0.2.1]: SMTP error from remote mail server after RCPT TO:<a@example.org>: 451 4.7.1 later',
      '2018-06-12 14:58:33 1fSdGB-0008Kt-3b == a@example.org R=dnslookup T=remote_smtp defer (110): Connection timed out',
    ]) expect(p.push(line)).toEqual([]);
  });

  it('lenient mode takes a pasted line without timestamp', () => {
    const cut = '  ** yap.ky.asia@gmail.com R=x T=y H=gmail-smtp-in.l.google.com [74.125.24.27]: SMTP error from remote mail server after end of data: 550-5.7.1 [2001:db8::25] Our system has detected that this message does\\n550-5.7.1 not meet IPv6 sending guidelines regarding PTR records and\\n550 5.7.1 authentication. x \u2013 gsmtp';
    expect(createLogPipeline('exim', { lenient: true }).push(cut)).toMatchObject([{ provider: 'gmail', reason: 'ipv6_ptr_auth', senderIp: '2001:db8::25', time: null }]);
  });

  it('counts per-recipient copies of one DATA rejection once', () => {
    const p = createLogPipeline('exim');
    const a = DOC_EXAMPLE;
    const b = DOC_EXAMPLE.replace('yap.ky.asia@gmail.com', 'other@gmail.com');
    expect([a, b].flatMap((l) => p.push(l))).toHaveLength(1);
  });
});
