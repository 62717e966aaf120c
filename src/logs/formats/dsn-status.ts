import { normalizeReply, type NormalizedReply } from '../reply.js';
import { isIpLike } from './common.js';

/** One failed delivery a bounce reports: the recipients it names and the remote's reply. */
export interface BounceFailure {
  recipients: string[];
  host: string | null;
  ip: string | null;
  reply: NormalizedReply;
}

/** Per-recipient and per-message fields of RFC 3464 section 2.2 and 2.3, and Postfix's additions. */
const FIELDS = 'Reporting-MTA|Received-From-MTA|Arrival-Date|X-Postfix-Queue-ID|X-Postfix-Sender|Original-Envelope-Id|Original-Recipient|Final-Recipient|X-Actual-Recipient|Action|Status|Remote-MTA|Diagnostic-Code|Last-Attempt-Date|Final-Log-ID|Will-Retry-Until|X-Display-Name|X-Original-Message-ID|X-Supplementary-Info';
/** A field at the start of a line (after quoting). */
export const STATUS_FIELD = new RegExp(`^\\s*(?:${FIELDS})\\s*:`, 'i');
/** A field inside a line that was flattened (a pasted status part on one line). */
const INLINE_FIELD = new RegExp('\\s(?=(?:Reporting-MTA|Arrival-Date|X-Postfix-Queue-ID|X-Postfix-Sender|Original-Recipient|Final-Recipient|Remote-MTA|Diagnostic-Code|Last-Attempt-Date|Will-Retry-Until|Action:\\s*(?:failed|delayed|delivered|relayed|expanded)\\b|Status:\\s*[245]\\.\\d)\\s*:?)', 'gi');

/** Fields of one recipient's block. */
const BLOCK_FIELDS = new Set(['original-recipient', 'final-recipient', 'action', 'status', 'remote-mta', 'diagnostic-code']);

const MID_LINE_FIELD = /\s(?:Reporting-MTA|Final-Recipient|Diagnostic-Code)\s*:/i;

/** Where status fields start inside a line that does not start with one (a part flattened onto one line), else -1. */
export function statusFieldsAt(line: string): number {
  if (STATUS_FIELD.test(line)) return 0;
  const m = MID_LINE_FIELD.exec(line);
  return m ? m.index + 1 : -1;
}

/** Largest status text read; a report is a few hundred bytes per recipient. */
const MAX_STATUS_CHARS = 256 * 1024;

/**
 * Failures in RFC 3464 delivery-status text (the `message/delivery-status` part, or such fields
 * pasted anywhere in a text): one per recipient block whose Action is failed or delayed and whose
 * Diagnostic-Code is an SMTP reply with a 4xx/5xx code. Local failures (`X-Postfix; ...`) give none.
 */
export function statusFailures(text: string): BounceFailure[] {
  const fields = unfold(text.length > MAX_STATUS_CHARS ? text.slice(0, MAX_STATUS_CHARS) : text);
  const out: BounceFailure[] = [];
  let block: Map<string, string> | null = null;
  const finish = (): void => {
    if (block === null) return;
    const f = failureOf(block);
    if (f) out.push(f);
    block = null;
  };
  for (const [name, value] of fields) {
    if (!BLOCK_FIELDS.has(name)) continue;
    const recipientField = name === 'final-recipient' || name === 'original-recipient';
    if (block !== null && (block.has(name) || (recipientField && (block.has('diagnostic-code') || block.has('action'))))) finish();
    block ??= new Map();
    block.set(name, value);
  }
  finish();
  return out;
}

/** The status fields of a text as [lowercase name, value], continuation lines joined. */
function unfold(text: string): [string, string][] {
  const out: [string, string][] = [];
  let current: [string, string] | null = null;
  for (const rawLine of text.split(/\r?\n/)) {
    const quoted = rawLine.replace(/^(?:\s*>)+ ?/, '');
    const at = statusFieldsAt(quoted);
    const line = at > 0 ? quoted.slice(at) : quoted;
    if (at >= 0) {
      for (const piece of line.trim().split(INLINE_FIELD)) {
        const colon = piece.indexOf(':');
        if (colon <= 0) continue;
        current = [piece.slice(0, colon).trim().toLowerCase(), piece.slice(colon + 1).trim()];
        out.push(current);
      }
    } else if (current !== null && /^\s/.test(line) && line.trim() !== '') {
      current[1] += ` ${line.trim()}`;
    } else {
      current = null;
    }
  }
  return out;
}

function failureOf(block: Map<string, string>): BounceFailure | null {
  const action = (block.get('action') ?? '').toLowerCase();
  if (action !== '' && !action.startsWith('failed') && !action.startsWith('delayed')) return null;
  const diag = block.get('diagnostic-code');
  if (diag === undefined) return null;
  const semi = diag.indexOf(';');
  const type = semi === -1 ? '' : diag.slice(0, semi).trim().toLowerCase();
  if (semi !== -1 && type !== 'smtp') return null;
  const reply = normalizeReply(semi === -1 ? diag : diag.slice(semi + 1));
  if (!reply || (reply.replyCode[0] !== '4' && reply.replyCode[0] !== '5')) return null;
  const rcpt = addressOf(block.get('final-recipient') ?? block.get('original-recipient') ?? '');
  const m = /^(?:dns\s*;)?\s*([^\s[\]]{1,255})?\s*(?:\[(?:IPv6:)?([^\]\s]{1,64})\])?/i.exec(block.get('remote-mta') ?? '');
  let host = m?.[1]?.replace(/\.$/, '') ?? null;
  let ip = m?.[2] ?? null;
  if (host !== null && ip === null && isIpLike(host)) { ip = host; host = null; }
  return { recipients: rcpt === null ? [] : [rcpt], host, ip, reply };
}

/** `rfc822; a@b` or `<a@b>` to `a@b` (lowercase). */
export function addressOf(value: string): string | null {
  const v = value.replace(/^[\w-]+\s*;/, '').trim().replace(/^<|>$/g, '');
  return /^[^\s@<>]{1,128}@[^\s@<>]{1,255}$/.test(v) ? v.toLowerCase() : null;
}
