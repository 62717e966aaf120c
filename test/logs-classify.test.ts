import { describe, expect, it } from 'vitest';
import { classify, RULES } from '../src/logs/classify.js';
import { providerFromHost, providerOf } from '../src/logs/provider.js';
import { normalizeReply, parseReplyHead, senderIpFromReply } from '../src/logs/reply.js';
import { isPtrRelated, type DeliveryEvent } from '../src/logs/types.js';

/** A delivery event from a Postfix-style joined reply. */
function ev(raw: string, remoteHost: string | null = null, remoteIp: string | null = null, localIp: string | null = null): DeliveryEvent {
  const r = normalizeReply(raw);
  if (!r) throw new Error(`not a reply: ${raw}`);
  return { time: null, remoteHost, remoteIp, localIp, replyCode: r.replyCode, enhancedCode: r.enhancedCode, text: r.text, queueId: null, replay: false };
}

const GMAIL = 'gmail-smtp-in.l.google.com';

describe('reply head and normalisation', () => {
  it('reads code, separator and enhanced code', () => {
    expect(parseReplyHead('550-5.7.1 [x] text')).toMatchObject({ code: '550', sep: '-', enhanced: '5.7.1' });
    expect(parseReplyHead('  421 4.7.0 Try later')).toMatchObject({ code: '421', sep: ' ', enhanced: '4.7.0' });
    expect(parseReplyHead('554 For explanation')).toMatchObject({ code: '554', enhanced: null });
    expect(parseReplyHead('Service unavailable')).toBeNull();
    expect(parseReplyHead('6000 x')).toBeNull();
  });

  it('does not read freenet\'s "550 1912 2.1)" as an enhanced code', () => {
    const r = normalizeReply('550-inconsistent or no DNS PTR record for 2001:db8::25 (see RFC 550 1912 2.1)');
    expect(r).toEqual({ replyCode: '550', enhancedCode: null, text: 'inconsistent or no DNS PTR record for 2001:db8::25 (see RFC 1912 2.1)' });
  });

  it('strips Postfix-joined continuation prefixes, empty Gmail lines and MagicSpam\'s bare code', () => {
    expect(normalizeReply('550-5.7.26 Your email 550-5.7.26  550-5.7.26 has been blocked')?.text).toBe('Your email has been blocked');
    expect(normalizeReply('550-5.5.1 Your server IP address [198.51.100.7] does not have a valid 550-reverse DNS entry 550 5.5.1 see')?.text)
      .toBe('Your server IP address [198.51.100.7] does not have a valid reverse DNS entry see');
    expect(normalizeReply('421-4.7.0 a\t  b   421 4.7.0 c')?.text).toBe('a b c');
  });

  it('extracts our IP, with Gmail\'s junk suffix, and rejects placeholders', () => {
    expect(senderIpFromReply('[2607:fc50:1000:1f00::2 16] Our system', 'gmail')).toBe('2607:fc50:1000:1f00::2');
    expect(senderIpFromReply('[162.212.130.164      10] Our system', 'gmail')).toBe('162.212.130.164');
    expect(senderIpFromReply('[MY_IPV6] Our system', 'gmail')).toBeNull();
    expect(senderIpFromReply('[ipv6______16] Our system', 'gmail')).toBeNull();
    expect(senderIpFromReply('[2a00:xxxx:1::2] Our system', 'gmail')).toBeNull();
    expect(senderIpFromReply('[MY_IPV6] then [2001:DB8:0:0::25]', 'gmail')).toBe('2001:db8::25');
    expect(senderIpFromReply('[::ffff:192.0.2.9] x', 'other')).toBeNull();
    expect(senderIpFromReply('[IPv6:2001:db8::9] x', 'other')).toBe('2001:db8::9');
  });

  it('uses the provider fallbacks when the IP is not bracketed', () => {
    expect(senderIpFromReply('mx1.comcast.net comcast 198.51.100.4 Comcast requires that all mail servers must have a PTR record', 'comcast')).toBe('198.51.100.4');
    expect(senderIpFromReply('The sending mail server at 198.51.100.5 does not have a reverse (address-to-name) DNS entry', 'other')).toBe('198.51.100.5');
    expect(senderIpFromReply('inconsistent or no DNS PTR record for 2001:db8::6 (see RFC 1912 2.1)', 'other')).toBe('2001:db8::6');
    expect(senderIpFromReply('For explanation visit http://postmaster.gmx.com/en/error-messages?ip=198.51.100.7&c=rdns', 'united_internet')).toBe('198.51.100.7');
    expect(senderIpFromReply('mx.aruba.it bizsmtp abc no DNS reverse for 198.51.100.8', 'other')).toBe('198.51.100.8');
    expect(senderIpFromReply('Fix reverse DNS for 198.51.100.9.', 'other')).toBe('198.51.100.9');
  });
});

describe('provider', () => {
  it.each([
    ['gmail-smtp-in.l.google.com', 'gmail'], ['alt4.aspmx.l.google.com.', 'gmail'],
    ['example-com.mail.protection.outlook.com', 'microsoft'], ['outlook-com.olc.protection.outlook.com', 'microsoft'],
    ['mta7.am0.yahoodns.net', 'yahoo'], ['mx1.comcast.net', 'comcast'], ['mx01.mail.icloud.com', 'apple'],
    ['mx00.emig.gmx.net', 'united_internet'], ['mx-ha03.web.de', 'united_internet'], ['mx00.mail.com', 'united_internet'],
    ['mx00.ionos.de', 'united_internet'], ['mx01.1and1.co.uk', 'united_internet'], ['mx00.t-online.de', 't_online'],
    ['smtp-in.orange.fr', 'orange'], ['mx1.free.fr', 'free'], ['mxs.mail.ru', 'other'], ['mx.yandex.ru', 'other'],
    ['notgmail.com', 'other'], ['gmail.com.evil.example', 'other'],
  ])('%s -> %s', (host, provider) => {
    expect(providerFromHost(host)).toBe(provider);
  });

  it('falls back to the reply trailer when the host is unknown', () => {
    expect(providerOf(null, 'information. bq2si3288976wjd.21 - gsmtp')).toBe('gmail');
    expect(providerOf('198.51.100.1', 'information. x - gsmtp')).toBe('gmail');
    expect(providerOf(null, 'something else')).toBe('other');
  });
});

interface Case { name: string; raw: string; host?: string; remote?: string; provider: string; reason: string; code: string; sender?: string | null; family?: string }

/** Provider reply texts (Gmail, Microsoft and others, from their postmaster pages and public bounce samples). */
const CASES: Case[] = [
  { name: 'G1', raw: '550-5.7.1 [2a01:4f8:151:2068::2] Our system has detected that this message does 550-5.7.1 not meet IPv6 sending guidelines regarding PTR records and 550-5.7.1 authentication. Please review 550-5.7.1 https://support.google.com/mail/?p=ipv6_authentication_error for more 550 5.7.1 information. w5si1414370wjx.133 - gsmtp',
    host: GMAIL, provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', sender: '2a01:4f8:151:2068::2', family: 'ipv6' },
  { name: 'G2 with the junk suffix', raw: '550-5.7.1 [2607:fc50:1000:1f00::2      16] Our system has detected that this 550-5.7.1 message does not meet IPv6 sending guidelines regarding PTR records 550-5.7.1 and authentication. Please review 550-5.7.1  https://support.google.com/mail/?p=IPv6AuthError for more information 550 5.7.1 . e1si123.45 - gsmtp',
    host: GMAIL, provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', sender: '2607:fc50:1000:1f00::2', family: 'ipv6' },
  { name: 'G3', raw: '550-5.7.1 [2001:db8::25] Gmail has detected that this message does not meet IPv6 sending guidelines regarding PTR records and authentication. For more information, go to 550 5.7.1 https://support.google.com/mail/?p=IPv6AuthError a1-20020a.1 - gsmtp',
    host: GMAIL, provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', sender: '2001:db8::25', family: 'ipv6' },
  { name: 'G3d (no bracket; family from the remote)', raw: '550 5.7.1 This message does not meet IPv6 sending guidelines regarding PTR records and authentication. For more information, go to Email sender guidelines.',
    host: 'aspmx.l.google.com', remote: '2a00:1450:400c:c0b::1a', provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', sender: null, family: 'ipv6' },
  { name: 'G4', raw: '550-5.7.1 [103.27.73.29] The IP address sending this message does not have a PTR 550-5.7.1 record setup. As a policy, Gmail does not accept messages from IPs with 550-5.7.1 missing PTR records. Please visit 550-5.7.1  https://support.google.com/mail/answer/81126#authentication for more 550 5.7.1 information. e189-v6si165855pgc.461 - gsmtp',
    host: GMAIL, provider: 'gmail', reason: 'ptr', code: '5.7.1', sender: '103.27.73.29', family: 'ipv4' },
  { name: 'G5', raw: '550-5.7.25 [198.51.100.25] The IP address sending this message does not have a PTR 550-5.7.25 record setup. As a policy, Gmail does not accept messages from IPs with 550-5.7.25 missing PTR records. Please visit 550-5.7.25  https://support.google.com/mail/answer/81126#authentication for more 550 5.7.25 information. x - gsmtp',
    host: GMAIL, provider: 'gmail', reason: 'ptr', code: '5.7.25', sender: '198.51.100.25' },
  { name: 'G6', raw: '550-5.7.25 [2001:db8::25] The IP address sending this message does not have a 550-5.7.25 PTR record setup, or the corresponding forward DNS entry does not 550-5.7.25 point to the sending IP. As a policy, Gmail does not accept messages 550-5.7.25 from IPs with missing PTR records. Please visit 550-5.7.25  https://support.google.com/mail/answer/81126#ip-practices for more 550 5.7.25 information. x - gsmtp',
    host: GMAIL, provider: 'gmail', reason: 'ptr', code: '5.7.25', sender: '2001:db8::25', family: 'ipv6' },
  { name: 'G7', raw: '550-5.7.25 [198.51.100.26] The IP address sending this message does not have a 550-5.7.25 PTR record setup, or the corresponding forward DNS entry does not 550-5.7.25 match the sending IP. As a policy, Gmail does not accept messages from 550-5.7.25 IPs with missing PTR records. For more information, go to 550-5.7.25  https://support.google.com/a?p=sender-guidelines-ip To learn more about 550-5.7.25 Gmail requirements for bulk senders, visit 550 5.7.25 https://support.google.com/a?p=sender-guidelines. x - gsmtp',
    host: GMAIL, provider: 'gmail', reason: 'ptr', code: '5.7.25', sender: '198.51.100.26' },
  { name: 'G8d', raw: '550 5.7.25 The sending IP does not match the IP address of the hostname specified in the pointer (PTR) record. For more information, go to Email sender guidelines.',
    host: GMAIL, provider: 'gmail', reason: 'ptr', code: '5.7.25', sender: null },
  { name: 'G9d', raw: '550 5.7.25 This message was blocked because the sending IP address doesn\'t have a PTR record, or the forwarding DNS entry doesn\'t reference the sending IP address. Gmail requires that sending IP addresses have a PTR record.',
    host: GMAIL, provider: 'gmail', reason: 'ptr', code: '5.7.25' },
  { name: 'G10d (PTR wording beats "rate limited")', raw: '421 4.7.0 The IP address sending this message does not have a PTR record, or the corresponding forward DNS entry does not point to the sending IP. To protect our users from spam, email sent from your IP address has been temporarily rate limited. For more information, go to Email sender guidelines.',
    host: GMAIL, provider: 'gmail', reason: 'ptr', code: '4.7.0' },
  { name: 'G11d 451', raw: '451 4.7.23 The sending IP address for this message doesn\'t have a PTR record, or the PTR record\'s forward DNS entry doesn\'t match the sending IP address. To protect users from spam, your email has been temporarily rate limited.',
    host: GMAIL, provider: 'gmail', reason: 'ptr', code: '4.7.23' },
  { name: 'G11d 421 cut after the first line (code rule)', raw: '421-4.7.23 [198.51.100.27] The sending IP address for this message doesn\'t have a',
    host: GMAIL, provider: 'gmail', reason: 'ptr', code: '4.7.23', sender: '198.51.100.27' },
  { name: 'R1 under 5.7.1', raw: '550-5.7.1 This message does not have authentication information or fails to pass 550-5.7.1 authentication checks. To best protect our users from spam, the 550-5.7.1 message has been blocked. Please visit 550 5.7.1 https://support.google.com/mail/answer/81126#authentication x - gsmtp',
    host: GMAIL, remote: '2a00:1450:4013:c06::1b', provider: 'gmail', reason: 'auth', code: '5.7.1', family: 'ipv6' },
  { name: 'R2 (IPv6, 5.7.26)', raw: '550-5.7.26 Your email has been blocked because the sender is unauthenticated. 550-5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM. 550-5.7.26  550-5.7.26  Authentication results: 550-5.7.26  DKIM = did not pass 550-5.7.26  SPF [example.org] with ip: [2001:db8::25] = did not pass 550-5.7.26  550-5.7.26  For instructions on setting up authentication, go to 550 5.7.26  https://support.google.com/mail/answer/81126#authentication x - gsmtp',
    host: GMAIL, provider: 'gmail', reason: 'auth', code: '5.7.26', sender: '2001:db8::25', family: 'ipv6' },
  { name: 'R2 temporary', raw: '421-4.7.26 This mail has been rate limited because it is unauthenticated. Gmail 421 4.7.26 requires all senders to authenticate with either SPF or DKIM. x - gsmtp',
    host: GMAIL, provider: 'gmail', reason: 'auth', code: '4.7.26' },
  { name: 'R3 DMARC under 5.7.1', raw: '550-5.7.1 Unauthenticated email from example.org is not accepted due to domain\'s 550-5.7.1 DMARC policy. Please contact the administrator of example.org domain if 550-5.7.1 this was a legitimate mail. Please visit 550-5.7.1  https://support.google.com/mail/answer/2451690 to learn about the 550 5.7.1 DMARC initiative. x - gsmtp',
    host: GMAIL, remote: '2a00:1450:4013:c06::1b', provider: 'gmail', reason: 'auth', code: '5.7.1' },
  { name: 'R4 SPF', raw: '550 5.7.26 The MAIL FROM domain [example.org] has an SPF record with a hard fail policy (-all) but it fails to pass SPF checks with the ip: [198.51.100.3]',
    host: GMAIL, provider: 'gmail', reason: 'auth', code: '5.7.26' },
  { name: 'R4 rate limited SPF', raw: '421 4.7.27 Your email has been rate limited because SPF authentication didn\'t pass for this message.',
    host: GMAIL, provider: 'gmail', reason: 'auth', code: '4.7.27' },
  { name: 'R5 4.7.0', raw: '421-4.7.0 [162.212.130.164      10] Our system has detected an unusual rate of 421-4.7.0 unsolicited mail originating from your IP address. To protect our 421-4.7.0 users from spam, mail sent from your IP address has been temporarily 421-4.7.0 rate limited. Please visit 421 4.7.0 https://support.google.com/mail/?p=UnsolicitedRateLimitError x - gsmtp',
    host: GMAIL, provider: 'gmail', reason: 'rate_limit', code: '4.7.0', sender: '162.212.130.164' },
  { name: 'R5 4.7.28', raw: '421-4.7.28 [2001:db8::25] Our system has detected an unusual rate of 421-4.7.28 unsolicited mail originating from your IP address. 421 4.7.28 x - gsmtp',
    host: GMAIL, provider: 'gmail', reason: 'rate_limit', code: '4.7.28', family: 'ipv6' },
  { name: 'R5 reputation', raw: '550-5.7.1 [2001:db8::25] Our system has detected that this message is 550-5.7.1 likely suspicious due to the very low reputation of the sending IP 550-5.7.1 address. x - gsmtp',
    host: GMAIL, provider: 'gmail', reason: 'blocklist', code: '5.7.1', family: 'ipv6' },
  { name: 'Gmail spam over IPv6 is not the IPv6 rule', raw: '550-5.7.1 [2001:db8::25] Our system has detected that this message is 550-5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail, 550-5.7.1 this message has been blocked. 550 5.7.1 x - gsmtp',
    host: GMAIL, provider: 'gmail', reason: 'other', code: '5.7.1', family: 'ipv6' },
  { name: 'R6', raw: '550-5.7.1 [198.51.100.3] The IP you\'re using to send mail is not authorized to 550-5.7.1 send email directly to our servers. Please use the SMTP relay at your 550 5.7.1 service provider instead. x - gsmtp',
    host: GMAIL, provider: 'gmail', reason: 'other', code: '5.7.1' },
  { name: 'R7 rate per user', raw: '450-4.2.1 The user you are trying to contact is receiving mail at a rate that 450 4.2.1 prevents additional messages from being delivered. x - gsmtp',
    host: GMAIL, provider: 'gmail', reason: 'rate_limit', code: '4.2.1' },
  { name: 'R7 no such user', raw: '550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient\'s email address for typos or 550-5.1.1 unnecessary spaces. For more information, go to 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser x - gsmtp',
    host: GMAIL, provider: 'gmail', reason: 'recipient', code: '5.1.1' },
  { name: 'R7 over quota', raw: '552-5.2.2 The recipient\'s inbox is out of storage space. 552 5.2.2 x - gsmtp',
    host: GMAIL, provider: 'gmail', reason: 'recipient', code: '5.2.2' },
  { name: 'M1', raw: '550 5.7.25 Service unavailable, sending IPv6 address [2001:db8::25] must have reverse DNS record.',
    host: 'example-com.mail.protection.outlook.com', provider: 'microsoft', reason: 'ptr', code: '5.7.25', sender: '2001:db8::25', family: 'ipv6' },
  { name: 'M2', raw: '450 4.7.25 Service unavailable, sending IPv6 address [2a01:111:f200:2004::240] must have reverse DNS record.',
    host: 'example-com.mail.protection.outlook.com', provider: 'microsoft', reason: 'ptr', code: '4.7.25', sender: '2a01:111:f200:2004::240' },
  { name: 'M3', raw: '550 5.7.25 Access denied, the sending IPv6 address [2a01:111:f200:2004::240] must have a reverse DNS record',
    host: 'x.mail.protection.outlook.com', provider: 'microsoft', reason: 'ptr', code: '5.7.25' },
  { name: 'M4 2014', raw: '554 5.7.1 Service unavailable, message sent over IPv6 [2001:db8::25] must pass SPF or DKIM validation (message not signed)',
    host: 'x.mail.protection.outlook.com', provider: 'microsoft', reason: 'ipv6_auth', code: '5.7.1', sender: '2001:db8::25', family: 'ipv6' },
  { name: 'M4 2015', raw: '450 4.7.26 Service unavailable, message sent over IPv6 [2001:db8::25] must pass either SPF or DKIM validation.',
    host: 'x.mail.protection.outlook.com', provider: 'microsoft', reason: 'ipv6_auth', code: '4.7.26', family: 'ipv6' },
  { name: 'M5', raw: '550 5.2.1 Service unavailable, [contoso.com] does not accept email over IPv6.',
    host: 'x.mail.protection.outlook.com', provider: 'microsoft', reason: 'other', code: '5.2.1', sender: null },
  { name: 'M6', raw: '550 5.7.1 Unfortunately, messages from [198.51.100.3] weren\'t sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.',
    host: 'hotmail-com.olc.protection.outlook.com', provider: 'microsoft', reason: 'blocklist', code: '5.7.1', sender: '198.51.100.3' },
  { name: 'M7 banned', raw: '550 5.7.606 Access denied, banned sending IP [198.51.100.3]. To request removal from this list please visit https://sender.office.com/',
    host: 'x.mail.protection.outlook.com', provider: 'microsoft', reason: 'blocklist', code: '5.7.606' },
  { name: 'M7 FBLW15', raw: '550 5.7.1 Service unavailable; Client host [198.51.100.3] blocked using FBLW15; To request removal from this list please forward this message to delist@microsoft.com',
    host: 'x.olc.protection.outlook.com', provider: 'microsoft', reason: 'blocklist', code: '5.7.1' },
  { name: 'M8', raw: '550 5.7.515 Access denied, sending domain [example.org] does not meet the required authentication level.',
    host: 'x.olc.protection.outlook.com', provider: 'microsoft', reason: 'auth', code: '5.7.515' },
  { name: 'Yahoo TSS04', raw: '421 4.7.0 [TSS04] Messages from 198.51.100.3 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes',
    host: 'mta6.am0.yahoodns.net', provider: 'yahoo', reason: 'rate_limit', code: '4.7.0', sender: '198.51.100.3' },
  { name: 'Yahoo TSS11', raw: '553 5.7.2 [TSS11] All messages from 198.51.100.3 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes',
    host: 'mta6.am0.yahoodns.net', provider: 'yahoo', reason: 'blocklist', code: '5.7.2', sender: '198.51.100.3' },
  { name: 'Yahoo 5.7.9', raw: '550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM.',
    host: 'mta6.am0.yahoodns.net', provider: 'yahoo', reason: 'auth', code: '5.7.9' },
  { name: 'Comcast', raw: '554 resimta-po-01v.sys.comcast.net comcast 198.51.100.4 Comcast requires that all mail servers must have a PTR record with a valid Reverse DNS entry. Currently your mail server does not fill that requirement. For more information, refer to: http://postmaster.comcast.net/smtp-error-codes.php#554',
    host: 'mx1.comcast.net', provider: 'comcast', reason: 'ptr', code: '554', sender: '198.51.100.4' },
  { name: 'Apple', raw: '550 5.7.0 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=198.51.100.3',
    host: 'mx01.mail.icloud.com', provider: 'apple', reason: 'blocklist', code: '5.7.0' },
  { name: 'GMX', raw: '554-gmx.net (mxgmx008) Nemesis ESMTP Service not available 554-No SMTP service 554-Bad DNS PTR resource record. 554 For explanation visit http://postmaster.gmx.com/en/error-messages?ip=198.51.100.7&c=rdns',
    host: 'mx01.emig.gmx.net', provider: 'united_internet', reason: 'ptr', code: '554', sender: '198.51.100.7' },
  { name: 'WEB.DE', raw: '554-web.de (mxweb010) Nemesis ESMTP Service not available 554-No SMTP service 554-Bad DNS PTR resource record. 554 For explanation visit https://web.de/email/senderguidelines?ip=2001:db8::7&c=rdns',
    host: 'mx-ha03.web.de', provider: 'united_internet', reason: 'ptr', code: '554', sender: '2001:db8::7', family: 'ipv6' },
  { name: 'T-Online BL', raw: '554 IP=198.51.100.3 - A problem occurred. (Ask your postmaster for help or to contact tosa@rx.t-online.de to clarify.) (BL)',
    host: 'mx00.t-online.de', provider: 't_online', reason: 'blocklist', code: '554', sender: '198.51.100.3' },
  { name: 'Orange', raw: '550 5.2.0 Mail rejete. Mail rejected. ofr_506 [506]', host: 'smtp-in.orange.fr', provider: 'orange', reason: 'other', code: '5.2.0', sender: null },
  { name: 'Orange SPF/DNS', raw: '421 smtp.orange.fr [198.51.100.3] Emetteur invalide, Veuillez verifier la configuration SPF/DNS de votre nom de domaine.',
    host: 'smtp-in.orange.fr', provider: 'orange', reason: 'auth', code: '421', sender: '198.51.100.3' },
  { name: 'Mail.ru spam', raw: '550 spam message discarded. If you think that the system is mistaken, please report details to abuse@corp.mail.ru', host: 'mxs.mail.ru', provider: 'other', reason: 'other', code: '550' },
  { name: 'Mail.ru user', raw: '550 Message was not accepted -- invalid mailbox. Local mailbox x@mail.ru is unavailable: user not found', host: 'mxs.mail.ru', provider: 'other', reason: 'recipient', code: '550' },
  { name: 'Free', raw: '421 Refused. Your reverse DNS entry does not resolve to an IP.', host: 'mx1.free.fr', remote: '212.27.48.6', provider: 'free', reason: 'ptr', code: '421', sender: null, family: 'ipv4' },
  { name: 'freenet', raw: '550-inconsistent or no DNS PTR record for 2001:db8::25 (see RFC 550 1912 2.1)', host: 'emig.freenet.de', provider: 'other', reason: 'ptr', code: '550', sender: '2001:db8::25', family: 'ipv6' },
  { name: 'LinkedIn', raw: '554 5.7.1 The sending mail server at 198.51.100.5 does not have a reverse (address-to-name) DNS entry cf http://en.wikipedia.org/wiki/Reverse_DNS_lookup', host: 'mail-c.linkedin.com', provider: 'other', reason: 'ptr', code: '5.7.1', sender: '198.51.100.5' },
  { name: 'Cox', raw: '554 cxr.mx.a.cox.net cox 198.51.100.3 rejected - no rdns', provider: 'other', reason: 'ptr', code: '554' },
  { name: 'GoDaddy', raw: '421 Temporarily rejected. Reverse DNS for this IP failed. IB108', provider: 'other', reason: 'ptr', code: '421' },
  { name: 'ImprovMX', raw: '550 5.7.25 IP name lookup failed. No valid PTR record found for the given IP address. - ImprovMX v2024.01.01', provider: 'other', reason: 'ptr', code: '5.7.25' },
  { name: 'Forpsi', raw: '554 mxcmd04.ad.aruba.it bizsmtp hYzf1o0274Aa5Bp01 no DNS reverse for 198.51.100.8', provider: 'other', reason: 'ptr', code: '554', sender: '198.51.100.8' },
  { name: 'MagicSpam', raw: '550-5.5.1 Your server IP address [198.51.100.9] does not have a valid 550-reverse DNS entry [host.example]. See 550 http://spamauditor.org/best-practices/check_dynamic_reverse_dns/', provider: 'other', reason: 'ptr', code: '5.5.1', sender: '198.51.100.9' },
  { name: 'Interoute', raw: '451 4.7.1 Your IP address does not resolve to an existing hostname - no proper reverse mapping exists', provider: 'other', reason: 'ptr', code: '4.7.1' },
  { name: 'power-netz', raw: '550 No RDNS entry for 198.51.100.10', provider: 'other', reason: 'ptr', code: '550', sender: '198.51.100.10' },
  { name: 'small ISP', raw: '550 Broken Reverse DNS no host name found.', provider: 'other', reason: 'ptr', code: '550' },
  { name: 'Spectrum', raw: '550 1150 Spectrum requires a full circle DNS', provider: 'other', reason: 'ptr', code: '550' },
  { name: 'Postfix reject_unknown_client_hostname', raw: '450 4.7.25 Client host rejected: cannot find your hostname, [198.51.100.11]', provider: 'other', reason: 'ptr', code: '4.7.25', sender: '198.51.100.11' },
  { name: 'Postfix reject_unknown_reverse_client_hostname', raw: '554 5.7.1 Client host rejected: cannot find your reverse hostname, [2001:db8::11]', provider: 'other', reason: 'ptr', code: '5.7.1', sender: '2001:db8::11' },
  { name: 'Sendmail require_rdns FAIL', raw: '550 5.7.1 Fix reverse DNS for 198.51.100.12', provider: 'other', reason: 'ptr', code: '5.7.1', sender: '198.51.100.12' },
  { name: 'Sendmail require_rdns TEMP', raw: '451 4.1.8 Client IP address 198.51.100.13 does not resolve', provider: 'other', reason: 'ptr', code: '4.1.8', sender: '198.51.100.13' },
  { name: 'Sendmail relay denial is not PTR', raw: '550 5.7.1 <x@example.org>... Relaying denied. IP name lookup failed [198.51.100.14]', provider: 'other', reason: 'other', code: '5.7.1' },
  { name: 'Haraka fcrdns', raw: '550 client [198.51.100.15] rejected; no rDNS', provider: 'other', reason: 'ptr', code: '550', sender: '198.51.100.15' },
  { name: 'Haraka generic rDNS', raw: '550 client mail.example [198.51.100.15] rejected; generic rDNS, please use your ISPs SMTP relay', provider: 'other', reason: 'ptr', code: '550' },
  { name: 'Haraka FCrDNS', raw: '550 Sorry, no FCrDNS match found', provider: 'other', reason: 'ptr', code: '550' },
  { name: 'Spamhaus', raw: '554 5.7.1 Service unavailable; Client host [198.51.100.16] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/198.51.100.16', provider: 'other', reason: 'blocklist', code: '5.7.1', sender: '198.51.100.16' },
  { name: 'Exchange NDR MagicSpam', raw: '550-5.5.1 Your server IP address [186.103.171.154] does not have a valid 550-reverse DNS entry [x]. 550 http://www.magicspam.com', provider: 'other', reason: 'ptr', code: '5.5.1', sender: '186.103.171.154' },
  { name: 'generic 4xx', raw: '421 4.7.0 Try again later, closing connection. (EHLO) x - gsmtp', host: GMAIL, provider: 'gmail', reason: 'other', code: '4.7.0' },
];

describe('classify', () => {
  it.each(CASES)('$name', (c) => {
    const r = classify(ev(c.raw, c.host ?? null, c.remote ?? null));
    expect(r).not.toBeNull();
    expect(r).toMatchObject({ provider: c.provider, reason: c.reason, code: c.code });
    if (c.sender !== undefined) expect(r?.senderIp).toBe(c.sender);
    if (c.family !== undefined) expect(r?.family).toBe(c.family);
  });

  it('returns null for 2xx and 3xx replies', () => {
    expect(classify(ev('250 2.0.0 OK 1234 - gsmtp', GMAIL))).toBeNull();
    expect(classify(ev('354 Go ahead'))).toBeNull();
  });

  it('uses the reply code when there is no enhanced code, and keeps the reply code apart', () => {
    const r = classify(ev('554 no', 'mx.example'));
    expect(r).toMatchObject({ code: '554', replyCode: '554' });
    const g = classify(ev('550-5.7.25 [198.51.100.25] x 550 5.7.25 y', GMAIL));
    expect(g).toMatchObject({ code: '5.7.25', replyCode: '550' });
  });

  it('takes the local address only when it is public and the reply names none', () => {
    const nat = classify(ev('450 4.7.25 Client host rejected: cannot find your hostname, [190.104.194.67]', 'mx.example', '181.15.247.213', '192.168.0.15'));
    expect(nat?.senderIp).toBe('190.104.194.67');
    const natOnly = classify(ev('450 4.7.25 Client host rejected: cannot find your hostname', 'mx.example', '181.15.247.213', '192.168.0.15'));
    expect(natOnly?.senderIp).toBeNull();
    const pub = classify(ev('421 Refused. Your reverse DNS entry does not resolve to an IP.', 'mx1.free.fr', '2a01:e0c:1::1', '2001:db8::25'));
    expect(pub).toMatchObject({ senderIp: '2001:db8::25', family: 'ipv6' });
  });

  it('family: ipv4 when nothing is known, ipv6 for the IPv6 rules', () => {
    expect(classify(ev('550 5.7.1 no'))?.family).toBe('ipv4');
    expect(classify(ev('550 5.7.1 This message does not meet IPv6 sending guidelines regarding PTR records and authentication.'))?.family).toBe('ipv6');
  });

  it('near misses are never PTR-related', () => {
    const near = CASES.filter((c) => ['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'M4', 'M5', 'M6', 'M7', 'M8', 'Yahoo', 'Apple', 'Spamhaus', 'Mail.ru', 'Sendmail relay', 'Gmail spam'].some((p) => c.name.startsWith(p)));
    expect(near.length).toBeGreaterThan(15);
    for (const c of near) expect(isPtrRelated(classify(ev(c.raw, c.host ?? null))?.reason ?? 'other'), c.name).toBe(false);
  });

  it('the rule table is ordered data: the IPv6 rule precedes auth, text rules precede code rules', () => {
    const firstIpv6 = RULES.findIndex((r) => r.reason === 'ipv6_ptr_auth');
    const firstAuth = RULES.findIndex((r) => r.reason === 'auth');
    expect(firstIpv6).toBeLessThan(firstAuth);
    const firstCodeOnly = RULES.findIndex((r) => r.text === undefined);
    expect(RULES.slice(firstCodeOnly).every((r) => r.text === undefined)).toBe(true);
  });
});
