import { normalizeReply } from '../reply.js';
import type { DeliveryEvent } from '../types.js';
import { cleanPasted, isIpLike, replyEvent } from './common.js';
import { addressOf, statusFailures, statusFieldsAt, type BounceFailure } from './dsn-status.js';
import { createTranscriptParser } from './transcript.js';

/** Lines of a bounce text read; the returned original message after them does not matter. */
const MAX_LINES = 5000;
/** Characters of one paragraph joined for matching. */
const MAX_SEGMENT_CHARS = 32 * 1024;

/** A recipient alone on a line: Exim `  a@b`, Exchange `a@b`, Sendmail `<a@b>`, qmail `<a@b>:`. */
const BARE_RECIPIENT = /^\s*<?([^\s<>@"]{1,128}@[^\s<>@"]{1,255}?)>?:?\s*$/;
/** Postfix: `<a@b>: host ...` or `<a@b> (expanded from <c@d>): host ...`. */
const POSTFIX_RECIPIENT = /^\s*<([^\s<>@]{1,128}@[^\s<>@]{1,255})>(?: \(expanded from <[^>]{0,300}>\))?:\s/;

/** Where the remote's reply starts in each layout; `host`/`ip` groups name the remote where the layout does. */
const MARKERS: readonly RegExp[] = [
  /Remote Server returned '(?:<\[[^\]]{0,64}\] #\d\.\d{1,3}\.\d{1,3} smtp; ?)?(?<reply>.*)'/i,
  /host (?<host>[^\s[\]]{1,255})\[(?<ip>[^\]\s]{1,64})\] (?:said|refused to talk to me): (?<reply>.*?)(?: \(in reply to [^)]{1,80}\))?$/,
  /SMTP error from remote (?:mail server|mailer) after [^:]{1,300}?: (?:host (?:(?<host>[^\s[\]]{1,255}) )?\[(?<ip>[^\]\s]{1,64})\](?::\d{1,5})?: )?(?<reply>.*)$/,
  /Remote host said: (?<reply>.*)$/,
  /(?:The response from the remote server was|The error that the other server returned was|The response was|Reported error|Remote server replied|Remote server said):? (?<reply>.*)$/i,
  /\(reason: (?<reply>.*)\)$/,
  /(?:^|\s)(?:(?<host>[a-z0-9.-]{1,255}) )?#(?<reply>[45]\d\d[ -].{0,4000}?)\s*##/i,
];
/** A marker whose reply follows in the next paragraph (Gmail leaves a blank line after it). */
const MARKER_ALONE = /(?:The response from the remote server was|The error that the other server returned was|The response was|Remote server replied):\s*$/i;
/** Where a layout names the remote without a reply on the same line. */
const REMOTE_HINTS: readonly RegExp[] = [
  /host (?<host>[^\s[\]]{1,255}) \[(?<ip>[^\]\s]{1,64})\]/,
  /(?<ip>[0-9a-fA-F:.]{3,64}) (?:failed after I sent the message|does not like recipient)/,
  /Connected to (?<ip>[0-9a-fA-F:.]{3,64}) but/,
  /rejected by the server for the recipient domain \S{1,255} by (?<host>[^\s[\]]{1,255}?)\.? \[(?<ip>[^\]\s]{1,64})\]/,
];

interface Segment { recipients: string[]; text: string }

/**
 * The failures a bounce reports. `text` is the human-readable part (or the whole pasted text),
 * `status` the delivery-status part(s); both describe the same failures, so the status part
 * decides which failures there are and the human-readable part only completes their text (the
 * status part of Sendmail keeps the first reply line only) or adds recipients it does not name.
 */
export function bounceFailures(text: string, status: string): BounceFailure[] {
  const lines = unquote(text);
  const fromStatus = statusFailures(`${status}\n\n${lines.filter((l) => statusFieldsAt(l) >= 0 || /^\s/.test(l)).join('\n')}`);
  const human = merge(segmentFailures(lines), transcriptFailures(lines), false);
  return merge(fromStatus, human, fromStatus.length > 0);
}

/** Events for the classifier: one per failed recipient (a failure naming none counts once). */
export function bounceEvents(failures: readonly BounceFailure[], time: number | null): DeliveryEvent[] {
  const out: DeliveryEvent[] = [];
  for (const f of failures) {
    const ev = replyEvent(time, f.host, f.ip !== null && isIpLike(f.ip) ? f.ip : null, null, f.reply, null);
    for (let i = 0; i < Math.max(1, f.recipients.length); i++) out.push(ev);
  }
  return out;
}

/** Lines with mail quoting (`> `) and typographic characters undone. */
function unquote(text: string): string[] {
  const lines = text.split(/\r?\n/, MAX_LINES);
  return lines.map((l) => cleanPasted(l.replace(/^(?:[ \t]*>)+[ \t]?(?!>)/, '')).replace(/\t/g, ' '));
}

/** Paragraphs split at blank lines and at recipient lines, each joined into one line. */
function segments(lines: readonly string[]): Segment[] {
  const out: Segment[] = [];
  let cur: Segment | null = null;
  let body = false;
  const close = (): void => { if (cur) out.push(cur); cur = null; body = false; };
  for (const full of lines) {
    const at = statusFieldsAt(full);
    const line = at > 0 ? full.slice(0, at) : full;
    if (line.trim() === '' || at === 0) { close(); continue; }
    const bare = BARE_RECIPIENT.exec(line);
    const pf = bare ? null : POSTFIX_RECIPIENT.exec(line);
    const rcpt = bare?.[1] ?? pf?.[1];
    if (rcpt !== undefined) {
      if (cur === null || body) { close(); cur = { recipients: [], text: '' }; }
      const a = addressOf(rcpt);
      if (a !== null && cur !== null && !cur.recipients.includes(a)) cur.recipients.push(a);
      if (bare) continue;
    }
    cur ??= { recipients: [], text: '' };
    if (cur.text.length < MAX_SEGMENT_CHARS) cur.text += `${cur.text === '' ? '' : ' '}${line.trim()}`;
    body = true;
    if (at > 0) close();
  }
  close();
  return out;
}

/** Failures found by the layout markers, one per paragraph. */
function segmentFailures(lines: readonly string[]): BounceFailure[] {
  const segs = segments(lines);
  const out: BounceFailure[] = [];
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] as Segment;
    let text = seg.text;
    if (MARKER_ALONE.test(text) && segs[i + 1] !== undefined) text = `${text} ${(segs[i + 1] as Segment).text}`;
    for (const re of MARKERS) {
      const m = re.exec(text);
      if (!m?.groups) continue;
      const reply = normalizeReply(m.groups.reply ?? '');
      if (!reply || (reply.replyCode[0] !== '4' && reply.replyCode[0] !== '5')) continue;
      let host = m.groups.host ?? null;
      let ip = m.groups.ip ?? null;
      for (const hint of REMOTE_HINTS) {
        if (host !== null && ip !== null) break;
        const h = hint.exec(text)?.groups;
        host ??= h?.host ?? null;
        ip ??= h?.ip ?? null;
      }
      out.push({ recipients: seg.recipients, host, ip, reply });
      break;
    }
  }
  return out;
}

/** Replies in transcript lines marked as the server's (`<<< 550 ...`), as in Sendmail bounces. */
function transcriptFailures(lines: readonly string[]): BounceFailure[] {
  const parser = createTranscriptParser({ markedOnly: true });
  const events = [...lines.flatMap((l) => parser.push(l)), ...(parser.end?.() ?? [])];
  return events.map((e) => ({ recipients: [], host: e.remoteHost, ip: e.remoteIp,
    reply: { replyCode: e.replyCode, enhancedCode: e.enhancedCode, text: e.text } }));
}

/**
 * Adds `extra` failures to `base`: one that describes a base failure (same recipient, or same
 * codes and one text starting the other) completes it (longer text, remote) instead of counting
 * again. With `baseDecides`, an extra failure that matches none only counts for a recipient
 * `base` does not name.
 */
function merge(base: BounceFailure[], extra: readonly BounceFailure[], baseDecides: boolean): BounceFailure[] {
  const out = base.map((f) => ({ ...f, recipients: [...f.recipients] }));
  const named = new Set(out.flatMap((f) => f.recipients));
  for (const e of extra) {
    const same = out.filter((b) => describesSame(b, e));
    for (const b of same) {
      if (e.reply.text.length > b.reply.text.length) b.reply = e.reply;
      b.host ??= e.host;
      b.ip ??= e.ip;
      if (b.recipients.length === 0) b.recipients = [...e.recipients];
    }
    if (same.length > 0) continue;
    if (baseDecides && (e.recipients.length === 0 || e.recipients.some((r) => named.has(r)))) continue;
    out.push({ ...e, recipients: [...e.recipients] });
  }
  return out;
}

function describesSame(a: BounceFailure, b: BounceFailure): boolean {
  if (a.recipients.length > 0 && b.recipients.length > 0) return a.recipients.some((r) => b.recipients.includes(r));
  if (a.reply.replyCode !== b.reply.replyCode) return false;
  if (a.reply.enhancedCode !== null && b.reply.enhancedCode !== null && a.reply.enhancedCode !== b.reply.enhancedCode) return false;
  const x = a.reply.text.toLowerCase();
  const y = b.reply.text.toLowerCase();
  const n = Math.min(x.length, y.length, 60);
  return x.slice(0, n) === y.slice(0, n);
}
