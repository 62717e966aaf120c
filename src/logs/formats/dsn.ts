import PostalMime from 'postal-mime';
import type { DeliveryEvent } from '../types.js';
import type { MessageFormat } from './common.js';
import { bounceEvents, bounceFailures } from './dsn-text.js';

/** Header names that show a text is a mail message (RFC 5322), not pasted bounce text. */
const MESSAGE_HEADER = /^(?:Return-Path|Received|From|To|Subject|Date|Message-ID|MIME-Version|Content-Type|Delivered-To|X-Failed-Recipients|Auto-Submitted)\s*:/i;
const ANY_HEADER = /^[\x21-\x39\x3b-\x7e]{1,76}:|^[ \t]/;
/** Parts whose text is a delivery report (RFC 3464, RFC 6533). */
const STATUS_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status', 'text/delivery-status']);

/** The text parts of a message: human-readable text, delivery-status text, and its date. */
export interface BounceParts { text: string; status: string; time: number | null }

/**
 * Reads a bounce: a MIME message (parsed with postal-mime; the report's `message/delivery-status`
 * part apart from its text, the returned message ignored), or bounce text as pasted (no headers).
 * A message that is no report, comes from no mailer daemon and shows no bounce layout is skipped
 * unparsed (a postmaster mailbox holds ordinary mail too).
 */
export async function bounceParts(message: Uint8Array): Promise<BounceParts> {
  let bytes = message;
  if (startsWith(bytes, 'From ')) {
    const nl = bytes.indexOf(10);
    bytes = nl === -1 ? new Uint8Array() : bytes.subarray(nl + 1);
  }
  const head = Buffer.from(bytes.subarray(0, 8192)).toString('utf8');
  if (!looksLikeMessage(head)) return { text: Buffer.from(bytes).toString('utf8'), status: '', time: null };
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  if (!BOUNCE_HEADER.test(raw) && !BOUNCE_TEXT.test(raw)) return { text: '', status: '', time: null };
  let email;
  try {
    email = await PostalMime.parse(bytes, { attachmentEncoding: 'utf8', maxRfc822NestingDepth: 0, maxNestingDepth: 32, maxHeadersSize: 256 * 1024 });
  } catch {
    // Beyond postal-mime's limits (nesting, header size): read what the text shows.
    return { text: Buffer.from(bytes).toString('utf8'), status: '', time: null };
  }
  const status = email.attachments
    .filter((a) => STATUS_TYPES.has(a.mimeType.toLowerCase()))
    .map((a) => (typeof a.content === 'string' ? a.content : Buffer.from(a.content as ArrayBuffer).toString('utf8')))
    .join('\n\n');
  const text = email.text ?? (email.html !== undefined ? htmlText(email.html) : '');
  const t = email.date === undefined ? NaN : Date.parse(email.date);
  return { text, status, time: Number.isFinite(t) ? t : null };
}

/** True when the text starts with a header block that has a message header in it. */
function looksLikeMessage(head: string): boolean {
  let seen = false;
  for (const line of head.split(/\r?\n/, 64)) {
    if (line === '') return seen;
    if (!ANY_HEADER.test(line)) return false;
    if (MESSAGE_HEADER.test(line)) seen = true;
  }
  return seen;
}

function startsWith(bytes: Uint8Array, ascii: string): boolean {
  for (let i = 0; i < ascii.length; i++) if (bytes[i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** Text of an HTML-only bounce: block ends become line breaks, tags go, common entities are decoded. */
function htmlText(html: string): string {
  return html
    .replace(/<(?:br|\/p|\/div|\/tr|\/li|\/h\d|\/pre)\b[^>]{0,200}>/gi, '\n')
    .replace(/<[^>]{0,2000}>/g, '')
    .replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'").replace(/&amp;/g, '&');
}

/** Senders and headers of bounces that are not RFC 3464 reports. */
const BOUNCE_HEADER = /^(?:From:[^\n]{0,200}(?:MAILER-DAEMON|postmaster|Mail Delivery|MicrosoftExchange)|Auto-Submitted:\s*auto-replied|X-Failed-Recipients:)/im;

/**
 * Delivery events of one bounce message (or pasted bounce text): one per failed recipient. */
export async function dsnEvents(message: Uint8Array): Promise<DeliveryEvent[]> {
  const parts = await bounceParts(message);
  return bounceEvents(bounceFailures(parts.text, parts.status), parts.time);
}

/** Lines only bounces have: report headers, bounce subjects, each layout's opening or reply marker. */
const SIGNATURE = /^(?:>\s?)*\s*(?:Content-Type:\s*multipart\/report|Final-Recipient:|Diagnostic-Code:|Reporting-MTA:|X-Failed-Recipients:|Subject:\s*(?:Undeliver|Mail delivery failed|Returned mail|Delivery Status Notification|failure notice|Mail System Error)|From MAILER-DAEMON|This is the mail system at host|A message that you sent could not be delivered|----- Transcript of session follows -----|----- The following addresses had permanent fatal errors|The response from the remote server was:|Delivery has failed to these recipients|Diagnostic information for administrators|Remote Server returned '|Hi\. This is the qmail-send program|SMTP error from remote mail(?:er| server) after|<[^\s<>@]{1,128}@[^\s<>@]{1,255}>(?: \(expanded from <[^>]{0,300}>\))?: host \S{1,255}\[)/i;

/** A line of a bounce, anywhere in a message. */
const BOUNCE_TEXT = new RegExp(SIGNATURE.source, 'im');

/** Registry entry. */
export const dsnFormat: MessageFormat<'dsn'> = {
  name: 'dsn',
  reads: 'bounce messages: `.eml` files, mbox files, Maildir folders (`cur/`, `new/`) and bounce text as pasted (folded, quoted with `> `); RFC 3464 reports and the Postfix, Exim, Sendmail, Gmail, Office 365/Exchange and qmail layouts; one rejection per failed recipient',
  signature: SIGNATURE,
  firstLine: /^(?:From \S{1,320} .{10,80}\d{4}\s*$|(?:Return-Path|Received|Delivered-To|MIME-Version|Message-ID|Date|From|To|Subject|X-[\w-]{1,64})\s*:)/i,
  events: dsnEvents,
};
