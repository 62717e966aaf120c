import { MAX_REPLY_CHARS, normalizeReply, parseReplyHead } from '../reply.js';
import type { DeliveryEvent, LineParser } from '../types.js';
import { cleanPasted, isIpLike, NO_EVENTS, replyEvent, type LineFormat, type ParserOptions } from './common.js';

/** Options of the transcript parser. */
export interface TranscriptOptions extends ParserOptions {
  /** Only lines marked as the server's (`<<<`, `S:`, `<-`) count: bare reply lines in a bounce are the bouncing MTA's own. */
  markedOnly?: boolean;
}

/** Lines of one multi-line reply kept. */
const MAX_LINES = 64;

/** Server lines: sendmail/OpenSMTPD `<<<`, RFC 5321 examples `S:`, swaks `<-`, `<**` (error), `<~` (TLS), MDaemon `<--`. */
const SERVER = /^\s*(?:[\w-]{1,16}: (?:0x[0-9a-f]{1,16}: )?)?(?:<<<|<\*\*|<~\*|<~|<-{1,2}|S:|Server:|RECV:?)\s?/;
/** Client lines and an SMTP server's own transcript (Postfix's `In:`/`Out:` postmaster notices). */
const CLIENT = /^\s*(?:[\w-]{1,16}: (?:0x[0-9a-f]{1,16}: )?)?(?:>>>|->|-->|~>|\*\*>|C:|Client:|SEND:?|In:|Out:)/;
/** The remote host: sendmail `... while talking to H.:` and `Connecting to H. via esmtp`, swaks `=== Connected to H.`, telnet `Trying IP...`. */
const HOST = /(?:while talking to|Connecting to|Connected to|Trying) \[?([\w.:-]{1,255}?)\]?\.{0,3}(?::|\s|$)/;
/** Library exceptions quoting a reply: Python `(550, b'5.7.1 ...')`, Haskell `ReplyCode 550 "5.7.1 ..."`. */
const TUPLE = /\(([45]\d\d),\s*b?(['"])(.{0,16384}?)\2|'code':\s*([45]\d\d),\s*'message':\s*b?(['"])(.{0,16384}?)\5/;
const SHOWN = /\b([45]\d\d)\s+"([245]\.\d{1,3}\.\d{1,3}\s.{0,16384}?)"/;
/** A reply inside other text (Go, Java, .NET error strings): a 4xx/5xx code with an enhanced code. */
const EMBEDDED = /(?:^|[\s:(,'"])([45]\d\d[ -][245]\.\d{1,3}\.\d{1,3}\s.*)$/;

/**
 * SMTP client transcripts as people paste them: bare reply lines (`550-5.7.1 ...`), `<<< 550`,
 * `S: 550`, swaks, `sendmail -v` output, and library exceptions that quote the reply. Lines of a
 * multi-line reply are gathered until its final line; one event per final line (or, for a cut
 * excerpt, at the end). Once a transcript marks server lines, unmarked ones are not replies.
 */
export function createTranscriptParser(opts: TranscriptOptions = {}): LineParser {
  let marked = opts.markedOnly === true;
  let host: string | null = null;
  let code: string | null = null;
  let lines: string[] = [];
  /** After a reply quoted inside other text: lines that start with its enhanced code continue it (Go, Haskell, JavaMail). */
  let continues: string | null = null;

  function flush(): DeliveryEvent[] {
    const raw = lines.join(' ');
    const had = code;
    code = null;
    lines = [];
    continues = null;
    if (had === null) return NO_EVENTS;
    return emit(raw);
  }

  function emit(raw: string): DeliveryEvent[] {
    const reply = normalizeReply(raw);
    if (!reply || (reply.replyCode[0] !== '4' && reply.replyCode[0] !== '5')) return NO_EVENTS;
    const ip = host !== null && isIpLike(host) ? host : null;
    return [replyEvent(null, ip === null ? host : null, ip, null, reply, null)];
  }

  function onReplyLine(text: string): DeliveryEvent[] {
    const head = parseReplyHead(text);
    if (!head) return code !== null ? flush() : NO_EVENTS;
    let out: DeliveryEvent[] = NO_EVENTS;
    if (code !== null && code !== head.code) out = flush();
    code = head.code;
    if (lines.length < MAX_LINES) lines.push(text.slice(0, MAX_REPLY_CHARS));
    if (head.sep === ' ') out = out.length === 0 ? flush() : [...out, ...flush()];
    return out;
  }

  return {
    push(raw: string): DeliveryEvent[] {
      const line = cleanPasted(raw.length > MAX_REPLY_CHARS ? raw.slice(0, MAX_REPLY_CHARS) : raw);
      const server = SERVER.exec(line);
      if (server) {
        marked = true;
        return onReplyLine(line.slice(server[0].length));
      }
      if (CLIENT.test(line)) return code !== null ? flush() : NO_EVENTS;
      const h = HOST.exec(line);
      if (h && parseReplyHead(line) === null) {
        host = (h[1] ?? '').replace(/\.$/, '') || null;
        return code !== null ? flush() : NO_EVENTS;
      }
      if (opts.markedOnly === true) return code !== null ? flush() : NO_EVENTS;
      if (parseReplyHead(line) !== null) return marked ? (code !== null ? flush() : NO_EVENTS) : onReplyLine(line.trim());
      if (continues !== null && line.trimStart().startsWith(`${continues} `)) {
        if (lines.length < MAX_LINES) lines.push(line.trim().slice(continues.length + 1));
        return NO_EVENTS;
      }
      const before = code !== null ? flush() : NO_EVENTS;
      const quoted = quotedReply(line);
      if (quoted === null) return before;
      const head = parseReplyHead(quoted);
      code = head?.code ?? null;
      lines = [quoted];
      continues = head?.enhanced ?? null;
      return before;
    },
    end(): DeliveryEvent[] {
      return flush();
    },
  };
}

/** A reply quoted by a library exception, with literal `\n` between its lines, as raw reply text. */
function quotedReply(line: string): string | null {
  const tuple = TUPLE.exec(line);
  const t = tuple ?? SHOWN.exec(line);
  if (t) {
    const code = (tuple ? t[1] ?? t[4] : t[1]) ?? '';
    const text = (tuple ? t[3] ?? t[6] : t[2]) ?? '';
    return `${code} ${text.split('\\n').map((piece, i) => (i === 0 ? piece : piece.replace(/^[245]\.\d{1,3}\.\d{1,3}\s/, ''))).join(' ')}`;
  }
  const m = EMBEDDED.exec(line);
  if (!m) return null;
  return (m[1] ?? '').replace(/\\r\\n|\\n/g, ' ').replace(/['")\]]+\s*$/, '');
}

/** Registry entry. */
export const transcriptFormat: LineFormat<'transcript'> = {
  name: 'transcript',
  reads: 'SMTP client output as pasted: reply lines (`550-5.7.1 ...`), `<<< 550 ...` / `>>> DATA`, `S: 550` / `C: DATA`, swaks, `sendmail -v`, library exceptions quoting the reply (`SMTPDataError: (550, b\'5.7.1 ...\')`); one rejection per final reply line',
  signature: /^\s*(?:(?:<<<|<\*\*|<-{1,2}|S:)\s?[2-5]\d\d[ -]|[45]\d\d[ -][245]\.\d{1,3}\.\d{1,3}\s)|\bSMTP\w{0,40}(?:Error|Exception)\b.{0,200}\b[45]\d\d\b/,
  create: createTranscriptParser,
};
