/**
 * Bounce texts for the dsn tests, written after public samples (each cites its source) with the
 * addresses replaced by documentation ones: our sending IPs are 2001:db8::25 and 198.51.100.7.
 */

/** The Gmail IPv6 PTR-and-authentication reply, joined as Postfix and Exchange write it. */
export const GMAIL_IPV6_JOINED = '550-5.7.1 [2001:db8::25] Our system has detected that this message does 550-5.7.1 not meet IPv6 sending guidelines regarding PTR records and 550-5.7.1 authentication. Please review 550-5.7.1 https://support.google.com/mail/?p=ipv6_authentication_error for more 550 5.7.1 information. y4si17310019wme.87 - gsmtp';

/** The same reply, one line per reply line (Exim, qmail, Sendmail transcripts, Gmail's NDR). */
export const GMAIL_IPV6_LINES = [
  '550-5.7.1 [2001:db8::25] Our system has detected that this message does',
  '550-5.7.1 not meet IPv6 sending guidelines regarding PTR records and',
  '550-5.7.1 authentication. Please review',
  '550-5.7.1  https://support.google.com/mail/?p=ipv6_authentication_error for more',
  '550 5.7.1 information. y4si17310019wme.87 - gsmtp',
];

/** GMX's banner rejection (github.com/EDSM-NET/FrontEnd/issues/21, github.com/OpenSMTPD/OpenSMTPD/issues/446). */
export const GMX_LINES = [
  '554-gmx.net (mxgmx017) Nemesis ESMTP Service not available',
  '554-No SMTP service',
  '554-Bad DNS PTR resource record.',
  '554 For explanation visit http://postmaster.gmx.com/en/error-messages?ip=198.51.100.7&c=rdns',
];

const indent = (lines: readonly string[], pad = '    '): string => lines.map((l) => pad + l).join('\n');

/** Postfix's human-readable part, folded at 76 columns (github.com/cyclestreets/cyclescape/issues/553). */
export function postfixText(rcpt: string, host: string, ip: string, joined: string, verb = 'said'): string {
  const words = `host ${host}[${ip}] ${verb}: ${joined} (in reply to end of DATA command)`.split(' ');
  const folded: string[] = [];
  let line = `<${rcpt}>:`;
  for (const w of words) {
    if ((line + w).length > 76) { folded.push(line); line = '   '; }
    line += ` ${w}`;
  }
  folded.push(line);
  return ['This is the mail system at host mail.example.com.', '', 'I\'m sorry to have to inform you that your message could not',
    'be delivered to one or more recipients. It\'s attached below.', '', '                   The mail system', '', ...folded].join('\n');
}

/** Exim's bounce body (layout of github.com/Exim/exim src/deliver.c; sample: dwaves.org, 2017-02-02). */
export function eximText(rcpt: string, host: string, ip: string, lines: readonly string[]): string {
  return ['This message was created automatically by mail delivery software.', '',
    'A message that you sent could not be delivered to one or more of its', 'recipients. This is a permanent error. The following address(es) failed:', '',
    `  ${rcpt}`, `    host ${host} [${ip}]`, '    SMTP error from remote mail server after end of data:', indent(lines)].join('\n');
}

/** Sendmail's DSN text: the address list with the first reply line, then the transcript (sendmail/savemail.c). */
export function sendmailText(rcpts: readonly string[], host: string, lines: readonly string[]): string {
  return ['The original message was received at Fri, 8 Nov 2024 07:02:53 +0100', 'from localhost [127.0.0.1]', '',
    '   ----- The following addresses had permanent fatal errors -----',
    ...rcpts.flatMap((r) => [`<${r}>`, `    (reason: ${lines[0] ?? ''})`]), '',
    '   ----- Transcript of session follows -----', `... while talking to ${host}.:`, '>>> DATA',
    ...lines.map((l) => `<<< ${l}`), ...rcpts.map((r) => `554 5.0.0 <${r}>... Service unavailable`)].join('\n');
}

/** Gmail's own NDR for mail it relayed (Google Workspace SMTP relay; layout as users paste it). */
export function gmailNdrText(rcpt: string, lines: readonly string[]): string {
  return ['** Message not delivered **', '', `There was a problem delivering your message to ${rcpt}. See the technical details below.`, '',
    'The response from the remote server was:', '', ...lines].join('\n');
}

/** Exchange Online's NDR text part (learn.microsoft.com, "Email non-delivery reports and SMTP errors in Exchange Online"). */
export function exchangeText(rcpt: string, joined: string): string {
  return ['Delivery has failed to these recipients or groups:', '', `${rcpt} (${rcpt})`,
    'Your message couldn\'t be delivered. The recipient\'s email server rejected it.', '',
    'Diagnostic information for administrators:', '', 'Generating server: AM0PR01MB1234.eurprd01.prod.exchangelabs.com', '',
    rcpt, `Remote Server returned '${joined}'`, '', 'Original message headers:', '', 'Received: from AM0PR01MB1234.eurprd01.prod.exchangelabs.com'].join('\n');
}

/** qmail-send's bounce (github.com/nodemailer/nodemailer/issues/236). */
export function qmailText(rcpt: string, ip: string, lines: readonly string[]): string {
  return ['Hi. This is the qmail-send program at mail.example.com.', 'I\'m afraid I wasn\'t able to deliver your message to the following addresses.',
    'This is a permanent error; I\'ve given up. Sorry it didn\'t work out.', '', `<${rcpt}>:`, `${ip} failed after I sent the message.`,
    `Remote host said: ${lines.join('\n')}`, ''].join('\n');
}

/** A MIME multipart/report (RFC 3464) around a text part, with one status block per recipient. */
export function report(text: string, rcpts: readonly string[], remoteMta: string, diagnostic: string, subject = 'Undelivered Mail Returned to Sender'): string {
  const status = rcpts.map((r) => [`Final-Recipient: rfc822; ${r}`, `Original-Recipient: rfc822;${r}`, 'Action: failed', 'Status: 5.7.1',
    `Remote-MTA: dns; ${remoteMta}`, `Diagnostic-Code: smtp; ${fold(diagnostic)}`].join('\n')).join('\n\n');
  return ['Return-Path: <>', 'Date: Fri, 08 Nov 2024 07:03:10 +0100 (CET)', 'From: MAILER-DAEMON@mail.example.com (Mail Delivery System)',
    `Subject: ${subject}`, 'To: user@example.com', 'Auto-Submitted: auto-replied', 'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B0UND"', '', 'This is a MIME-encapsulated message.', '',
    '--B0UND', 'Content-Description: Notification', 'Content-Type: text/plain; charset=us-ascii', '', text, '',
    '--B0UND', 'Content-Description: Delivery report', 'Content-Type: message/delivery-status', '',
    'Reporting-MTA: dns; mail.example.com', 'X-Postfix-Queue-ID: 4D4D598FDB43', 'Arrival-Date: Fri,  8 Nov 2024 07:02:53 +0100 (CET)', '', status, '',
    '--B0UND', 'Content-Description: Undelivered Message', 'Content-Type: message/rfc822', '',
    'From: user@example.com', 'To: someone@example.org', 'Subject: hello', '', 'Our system has detected nothing: 550 5.7.25 is quoted here only.', '',
    '--B0UND--', ''].join('\r\n').replace(/\r?\n/g, '\r\n');
}

/** Folds a header value at about 76 columns, as MTAs do. */
function fold(value: string): string {
  const out: string[] = [];
  let line = '';
  for (const w of value.split(' ')) {
    if (line.length + w.length > 60 && line !== '') { out.push(line); line = ''; }
    line += (line === '' ? '' : ' ') + w;
  }
  out.push(line);
  return out.join('\n    ');
}
