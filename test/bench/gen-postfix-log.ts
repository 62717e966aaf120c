import { open } from 'node:fs/promises';

/** What scan must report for a generated log; known from what was written, not from the classifier. */
export interface ExpectedCounts {
  rejections: number;
  ptr_related: number;
  /** Count per rowKey(row). */
  byKey: Record<string, number>;
}

/** A deterministic Postfix log. */
export interface GeneratedLog {
  expected: ExpectedCounts;
  /** The lines, without line ends. */
  lines(): Generator<string>;
  /** The whole log, each line ending in `\n` (meant for small logs). */
  text(): string;
  /** Writes the log to a file in large chunks. */
  writeTo(path: string): Promise<void>;
}

/** The fields of a scan row that identify it. */
export interface RowFields { provider: string; reason: string; code: string; reply_code: string; family: string; sender_ip: string | null }

/** The key of a scan row in ExpectedCounts.byKey. */
export function rowKey(r: RowFields): string {
  return [r.provider, r.reason, r.code, r.reply_code, r.family, r.sender_ip ?? '-'].join(' ');
}

/** One written line and the rejection it adds (null: ordinary line, replay or per-recipient copy). */
interface Out { line: string; counts: RowFields | null }

const OUR_V4 = ['192.0.2.25', '198.51.100.25'];
const OUR_V6 = ['2001:db8::25', '2001:db8:0:1::25'];
const GMAIL_V4 = '142.250.102.27';
const GMAIL_V6 = '2a00:1450:400c:c0b::1a';
const GMAIL_HOST = 'gmail-smtp-in.l.google.com';
const MS_HOST = 'example-net.mail.protection.outlook.com';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Splits a reply into Postfix's joined multi-line form: `550-5.7.1 a 550-5.7.1 b 550 5.7.1 c`. */
function wrap(code: string, enh: string | null, text: string, width = 60): string {
  const words = text.split(' ');
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur !== '' && cur.length + w.length + 1 > width) { lines.push(cur); cur = w; } else cur = cur === '' ? w : `${cur} ${w}`;
  }
  lines.push(cur);
  const pre = (sep: string): string => (enh ? `${code}${sep}${enh} ` : `${code}${sep}`);
  return lines.map((l, i) => `${pre(i === lines.length - 1 ? ' ' : '-')}${l}`).join(' ');
}

/**
 * Generates `lines` Postfix log lines from `seed`: mostly ordinary smtpd/cleanup/qmgr/smtp lines,
 * and about 2.5% rejection lines (half of them long Gmail and Microsoft replies) of every kind (Gmail G1-G11d, Microsoft M1/M4, GMX, WEB.DE, Comcast,
 * Free; per-MX attempt lines; replays and per-recipient copies that must not count) and near misses.
 */
export function generatePostfixLog(lines: number, seed: number): GeneratedLog {
  const expected: ExpectedCounts = { rejections: 0, ptr_related: 0, byKey: {} };
  for (const o of produce(lines, seed)) {
    if (!o.counts) continue;
    expected.rejections++;
    if (o.counts.reason === 'ptr' || o.counts.reason === 'ipv6_ptr_auth') expected.ptr_related++;
    const k = rowKey(o.counts);
    expected.byKey[k] = (expected.byKey[k] ?? 0) + 1;
  }
  return {
    expected,
    *lines() {
      for (const o of produce(lines, seed)) yield o.line;
    },
    text() {
      const parts: string[] = [];
      for (const o of produce(lines, seed)) parts.push(o.line, '\n');
      return parts.join('');
    },
    async writeTo(path: string) {
      const fh = await open(path, 'w');
      try {
        let buf: string[] = [];
        let size = 0;
        for (const o of produce(lines, seed)) {
          buf.push(o.line, '\n');
          size += o.line.length + 1;
          if (size >= 1 << 20) { await fh.write(buf.join('')); buf = []; size = 0; }
        }
        if (buf.length > 0) await fh.write(buf.join(''));
      } finally {
        await fh.close();
      }
    },
  };
}

/**
 * Share of loop steps that write a rejection scenario: with its per-recipient copies, MX retries and
 * replays this makes about 2.5 % of the lines rejection replies.
 */
const SCENARIO_SHARE = 0.013;
/** The scenarios with long Gmail and Microsoft replies (half of the rejections) and the rest. */
const LONG = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 17, 18, 19, 21];
const SHORT = [11, 12, 13, 14, 15, 20, 22];

/** Yields exactly `total` lines with what each one counts for. */
function* produce(total: number, seed: number): Generator<Out> {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const int = (n: number): number => Math.floor(rnd() * n);
  let emitted = 0;
  let lineInSecond = 0;
  let second = 0;
  let queue = 0x1a2b3c000;
  const base = Date.UTC(2026, 10, 27, 0, 0, 0);
  let tsSecond = -1;
  let tsText = '';
  const ts = (): string => {
    if (second === tsSecond) return tsText;
    tsSecond = second;
    const d = new Date(base + second * 1000);
    const dd = String(d.getUTCDate()).padStart(2, ' ');
    const hh = String(d.getUTCHours()).padStart(2, '0');
    const mm = String(d.getUTCMinutes()).padStart(2, '0');
    const ss = String(d.getUTCSeconds()).padStart(2, '0');
    tsText = `${MONTHS[d.getUTCMonth()]} ${dd} ${hh}:${mm}:${ss}`;
    return tsText;
  };
  const qid = (): string => (queue++).toString(16).toUpperCase();
  const gid = (): string => `${pick(['a', 'b', 'c', 'd'])}${int(1e9).toString(36)}si${int(1e7)}.${int(300)} - gsmtp`;
  const smtp = (pid: number, q: string): string => `${ts()} mail postfix/smtp[${pid}]: ${q}:`;
  const row = (provider: string, reason: string, code: string, reply: string, family: string, sender: string | null): RowFields =>
    ({ provider, reason, code, reply_code: reply, family, sender_ip: sender });

  /** A status line per recipient; only the first counts (per-recipient copies of one reply). */
  const status = (q: string, host: string, ip: string, verb: 'said' | 'refused to talk to me', reply: string, cmd: string | null, dsn: string, st: string, counts: RowFields | null, rcpts: number): Out[] => {
    const pid = 20000 + int(10000);
    const out: Out[] = [];
    for (let i = 0; i < rcpts; i++) {
      const tail = cmd ? ` (in reply to ${cmd})` : '';
      out.push({
        line: `${smtp(pid, q)} to=<user${int(100000)}@${host.endsWith('google.com') ? 'gmail.com' : 'example.net'}>, relay=${host}[${ip}]:25, delay=${(rnd() * 3).toFixed(2)}, delays=0.01/0/0.3/0.2, dsn=${dsn}, status=${st} (host ${host}[${ip}] ${verb}: ${reply}${tail})`,
        counts: i === 0 ? counts : null,
      });
    }
    return out;
  };
  const attempt = (q: string, host: string, ip: string, reply: string, counts: RowFields): Out =>
    ({ line: `${smtp(20000 + int(10000), q)} host ${host}[${ip}] refused to talk to me: ${reply}`, counts });
  const replay = (q: string, host: string, ip: string, reply: string): Out =>
    ({ line: `${ts()} mail postfix/error[${30000 + int(1000)}]: ${q}: to=<user${int(1000)}@example.net>, relay=none, delay=0.01, delays=0/0/0/0, dsn=4.0.0, status=deferred (delivery temporarily suspended: host ${host}[${ip}] refused to talk to me: ${reply})`, counts: null });

  const gmailData = (enh: string, body: (ip: string) => string, reason: string, v6: boolean, bracket = true): Out[] => {
    const ours = v6 ? pick(OUR_V6) : pick(OUR_V4);
    const remote = v6 ? GMAIL_V6 : GMAIL_V4;
    const text = `${bracket ? `[${ours}] ` : ''}${body(ours)} ${gid()}`;
    const code = enh.startsWith('4') ? '421' : '550';
    return status(qid(), GMAIL_HOST, remote, 'said', wrap(code, enh, text), 'end of DATA command', enh,
      enh.startsWith('4') ? 'deferred' : 'bounced', row('gmail', reason, enh, code, v6 ? 'ipv6' : 'ipv4', bracket ? ours : null), 1 + int(3));
  };

  const scenarios: (() => Out[])[] = [
    () => gmailData('5.7.1', () => 'Our system has detected that this message does not meet IPv6 sending guidelines regarding PTR records and authentication. Please review https://support.google.com/mail/?p=ipv6_authentication_error for more information.', 'ipv6_ptr_auth', true),
    () => {
      const ours = pick(OUR_V6);
      const text = `[${ours}      16] Our system has detected that this message does not meet IPv6 sending guidelines regarding PTR records and authentication. Please review https://support.google.com/mail/?p=IPv6AuthError for more information . ${gid()}`;
      return status(qid(), `alt${1 + int(4)}.${GMAIL_HOST}`, GMAIL_V6, 'said', wrap('550', '5.7.1', text), 'end of DATA command', '5.7.1', 'bounced', row('gmail', 'ipv6_ptr_auth', '5.7.1', '550', 'ipv6', ours), 1 + int(3));
    },
    () => gmailData('5.7.1', () => 'Gmail has detected that this message does not meet IPv6 sending guidelines regarding PTR records and authentication. For more information, go to https://support.google.com/mail/?p=IPv6AuthError', 'ipv6_ptr_auth', true),
    () => gmailData('5.7.1', () => 'The IP address sending this message does not have a PTR record setup. As a policy, Gmail does not accept messages from IPs with missing PTR records. Please visit https://support.google.com/mail/answer/81126#authentication for more information.', 'ptr', false),
    () => gmailData('5.7.25', () => 'The IP address sending this message does not have a PTR record setup, or the corresponding forward DNS entry does not point to the sending IP. As a policy, Gmail does not accept messages from IPs with missing PTR records. Please visit https://support.google.com/mail/answer/81126#ip-practices for more information.', 'ptr', rnd() < 0.5),
    () => gmailData('5.7.25', () => 'The IP address sending this message does not have a PTR record setup, or the corresponding forward DNS entry does not match the sending IP. As a policy, Gmail does not accept messages from IPs with missing PTR records. For more information, go to https://support.google.com/a?p=sender-guidelines-ip', 'ptr', rnd() < 0.5),
    () => gmailData('5.7.25', () => 'This message was blocked because the sending IP address doesn\'t have a PTR record, or the forwarding DNS entry doesn\'t reference the sending IP address.', 'ptr', rnd() < 0.5, false),
    () => gmailData('4.7.0', () => 'The IP address sending this message does not have a PTR record, or the corresponding forward DNS entry does not point to the sending IP. To protect our users from spam, email sent from your IP address has been temporarily rate limited.', 'ptr', false, false),
    () => gmailData('4.7.23', () => 'The sending IP address for this message doesn\'t have a PTR record, or the PTR record\'s forward DNS entry doesn\'t match the sending IP address. To protect users from spam, your email has been temporarily rate limited.', 'ptr', true),
    () => {
      const ours = pick(OUR_V6);
      return status(qid(), MS_HOST, '2a01:111:f400:7e1b::1', 'said', `550 5.7.25 Service unavailable, sending IPv6 address [${ours}] must have reverse DNS record.`, 'MAIL FROM command', '5.7.25', 'bounced', row('microsoft', 'ptr', '5.7.25', '550', 'ipv6', ours), 1);
    },
    () => {
      const ours = pick(OUR_V6);
      return status(qid(), MS_HOST, '2a01:111:f400:7e1b::1', 'said', `450 4.7.26 Service unavailable, message sent over IPv6 [${ours}] must pass either SPF or DKIM validation.`, 'end of DATA command', '4.7.26', 'deferred', row('microsoft', 'ipv6_auth', '4.7.26', '450', 'ipv6', ours), 1 + int(2));
    },
    () => {
      const ours = pick(OUR_V4);
      const q = qid();
      const reply = (n: string): string => `554-gmx.net (mxgmx${n}) Nemesis ESMTP Service not available 554-No SMTP service 554-Bad DNS PTR resource record. 554 For explanation visit http://postmaster.gmx.com/en/error-messages?ip=${ours}&c=rdns`;
      const r = row('united_internet', 'ptr', '554', '554', 'ipv4', ours);
      return [attempt(q, 'mx00.emig.gmx.net', '212.227.15.9', reply('008'), r), ...status(q, 'mx01.emig.gmx.net', '212.227.17.5', 'refused to talk to me', reply('014'), null, '4.0.0', 'deferred', r, 1 + int(2))];
    },
    () => {
      const ours = pick(OUR_V4);
      return status(qid(), 'mx-ha03.web.de', '212.227.15.17', 'refused to talk to me', `554-web.de (mxweb010) Nemesis ESMTP Service not available 554-No SMTP service 554-Bad DNS PTR resource record. 554 For explanation visit https://web.de/email/senderguidelines?ip=${ours}&c=rdns`, null, '4.0.0', 'deferred', row('united_internet', 'ptr', '554', '554', 'ipv4', ours), 1);
    },
    () => {
      const ours = pick(OUR_V4);
      return status(qid(), 'mx1.comcast.net', '96.114.157.80', 'refused to talk to me', `554 resimta-po-01v.sys.comcast.net comcast ${ours} Comcast requires that all mail servers must have a PTR record with a valid Reverse DNS entry. Currently your mail server does not fill that requirement. For more information, refer to: http://postmaster.comcast.net/smtp-error-codes.php#554`, null, '4.0.0', 'deferred', row('comcast', 'ptr', '554', '554', 'ipv4', ours), 1);
    },
    () => {
      const q = qid();
      const reply = '421 Refused. Your reverse DNS entry does not resolve to an IP.';
      return [
        attempt(q, 'mx1.free.fr', '212.27.48.6', reply, row('free', 'ptr', '421', '421', 'ipv4', null)),
        ...status(q, 'mx2.free.fr', '212.27.48.7', 'refused to talk to me', reply, null, '4.0.0', 'deferred', row('free', 'ptr', '421', '421', 'ipv4', null), 1 + int(2)),
        replay(qid(), 'mx2.free.fr', '212.27.48.7', reply),
      ];
    },
    () => [replay(qid(), 'mx00.emig.gmx.net', '212.227.15.9', '554-gmx.net (mxgmx008) Nemesis ESMTP Service not available 554 Bad DNS PTR resource record.')],
    // near misses
    () => {
      const ours = pick(OUR_V6);
      const text = `Your email has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM.  Authentication results:  DKIM = did not pass  SPF [example.com] with ip: [${ours}] = did not pass  For instructions on setting up authentication, go to https://support.google.com/mail/answer/81126#authentication ${gid()}`;
      return status(qid(), GMAIL_HOST, GMAIL_V6, 'said', wrap('550', '5.7.26', text), 'end of DATA command', '5.7.26', 'bounced', row('gmail', 'auth', '5.7.26', '550', 'ipv6', ours), 1 + int(3));
    },
    () => {
      const text = `Unauthenticated email from example.com is not accepted due to domain's DMARC policy. Please contact the administrator of example.com domain if this was a legitimate mail. Please visit https://support.google.com/mail/answer/2451690 to learn about the DMARC initiative. ${gid()}`;
      return status(qid(), GMAIL_HOST, GMAIL_V6, 'said', wrap('550', '5.7.1', text), 'end of DATA command', '5.7.1', 'bounced', row('gmail', 'auth', '5.7.1', '550', 'ipv6', null), 1 + int(2));
    },
    () => {
      const ours = pick(OUR_V4);
      const text = `[${ours}] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. Please visit https://support.google.com/mail/?p=UnsolicitedRateLimitError to review our Bulk Email Senders Guidelines. ${gid()}`;
      return status(qid(), GMAIL_HOST, GMAIL_V4, 'said', wrap('421', '4.7.28', text), 'end of DATA command', '4.7.28', 'deferred', row('gmail', 'rate_limit', '4.7.28', '421', 'ipv4', ours), 1 + int(2));
    },
    () => status(qid(), GMAIL_HOST, GMAIL_V4, 'said', wrap('550', '5.1.1', `The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. For more information, go to https://support.google.com/mail/?p=NoSuchUser ${gid()}`), 'RCPT TO command', '5.1.1', 'bounced', row('gmail', 'recipient', '5.1.1', '550', 'ipv4', null), 1),
    () => {
      const ours = pick(OUR_V4);
      return status(qid(), 'mx.example.net', '192.0.2.80', 'said', `554 5.7.1 Service unavailable; Client host [${ours}] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/${ours}`, 'RCPT TO command', '5.7.1', 'bounced', row('other', 'blocklist', '5.7.1', '554', 'ipv4', ours), 1);
    },
    () => {
      const ours = pick(OUR_V4);
      return status(qid(), 'hotmail-com.olc.protection.outlook.com', '52.101.8.36', 'said', `550 5.7.1 Unfortunately, messages from [${ours}] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.`, 'MAIL FROM command', '5.7.1', 'bounced', row('microsoft', 'blocklist', '5.7.1', '550', 'ipv4', ours), 1);
    },
    () => {
      const ours = pick(OUR_V4);
      return status(qid(), 'mta6.am0.yahoodns.net', '67.195.204.72', 'refused to talk to me', `421 4.7.0 [TSS04] Messages from ${ours} temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes`, null, '4.7.0', 'deferred', row('yahoo', 'rate_limit', '4.7.0', '421', 'ipv4', ours), 1);
    },
  ];

  const ordinary = (): string => {
    const pid = 1000 + int(9000);
    const q = (queue + int(50)).toString(16).toUpperCase();
    const client = `198.51.100.${int(250) + 1}`;
    switch (int(8)) {
      case 0: return `${ts()} mail postfix/smtpd[${pid}]: connect from unknown[${client}]`;
      case 1: return `${ts()} mail postfix/smtpd[${pid}]: ${q}: client=unknown[${client}]`;
      case 2: return `${ts()} mail postfix/cleanup[${pid}]: ${q}: message-id=<${int(1e9).toString(36)}@example.com>`;
      case 3: return `${ts()} mail postfix/qmgr[${pid}]: ${q}: from=<user${int(1000)}@example.com>, size=${int(100000)}, nrcpt=${1 + int(3)} (queue active)`;
      case 4: return `${ts()} mail postfix/smtp[${pid}]: ${q}: to=<u${int(100000)}@example.net>, relay=mx.example.net[192.0.2.${int(250) + 1}]:25, delay=0.${int(99)}, delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 OK id=${int(1e9).toString(36)})`;
      case 5: return `${ts()} mail postfix/qmgr[${pid}]: ${q}: removed`;
      case 6: return int(40) === 0
        ? `${ts()} mail postfix/smtpd[${pid}]: NOQUEUE: reject: RCPT from unknown[${client}]: 450 4.7.25 Client host rejected: cannot find your hostname, [${client}]; from=<a@example.org> to=<b@example.com> proto=ESMTP helo=<x>`
        : `${ts()} mail postfix/smtpd[${pid}]: disconnect from unknown[${client}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5`;
      default: return int(30) === 0
        ? `${ts()} mail postfix/smtp[${pid}]: ${q}: to=<u@example.org>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.9]:25: Connection timed out)`
        : `${ts()} mail postfix/smtp[${pid}]: Trusted TLS connection established to mx.example.net[192.0.2.${int(250) + 1}]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)`;
    }
  };

  while (emitted < total) {
    const batch: Out[] = rnd() < SCENARIO_SHARE ? (rnd() < 0.5 ? scenarios[pick(LONG)]! : scenarios[pick(SHORT)]!)() : [{ line: ordinary(), counts: null }];
    for (const o of batch) {
      if (emitted >= total) return;
      yield o;
      emitted++;
    }
    if (++lineInSecond >= 12) { lineInSecond = 0; second++; }
  }
}

/** Small, fast, seedable PRNG. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
