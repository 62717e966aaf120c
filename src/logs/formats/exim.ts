import { MAX_REPLY_CHARS, normalizeReplyLines } from '../reply.js';
import type { DeliveryEvent, LineParser } from '../types.js';
import { onePerLine, prelude, replyEvent, type LineFormat, type ParserOptions } from './common.js';
import { isoTimeAt } from './time.js';

const MARKER = 'SMTP error from remote ';
const H_FIELD = / H=(\S{1,255}) \[([^\]\s]{1,64})\]/y;
const OLD_HOST = /host (\S{1,255}) \[([^\]\s]{1,64})\](?::\d{1,5})?: /y;
const MSG_ID = /(?:\[\d{1,10}\] )?([\w]{6}-[\w]{6,11}-[\w]{2,4}) /y;
const MSG_ID_ANYWHERE = /\b([\w]{6}-[\w]{6,11}-[\w]{2,4})\b/;

/**
 * Exim main log: `**` (bounce) and `==` (deferral) lines with "SMTP error from remote mail server
 * after …:". The remote is `H=host [ip]` (newer) or `host H [ip]:` inside the message (older);
 * a multi-line reply stays on the line with a literal `\n` between its lines.
 */
export function createEximParser(opts: ParserOptions = {}): LineParser {
  return onePerLine(opts, (line) => line.indexOf(MARKER) !== -1, parseLine);
}

/** Registry entry. */
export const eximFormat: LineFormat<'exim'> = {
  name: 'exim',
  reads: '`**` and `==` lines, `H=host [ip]` and `host H [ip]:` forms, literal `\\n` between reply lines',
  signature: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{3})?(?: [+-]\d{4})? (?:\[\d{1,10}\] )?(?:\w{6}-\w{6,11}-\w{2,4} (?:<=|=>|->|\*>|\*\*|==|Completed|SMTP error)|Start queue run|End queue run|exim \d)/,
  create: createEximParser,
};

function parseLine(line: string, lenient: boolean): DeliveryEvent | null {
  const marker = line.indexOf(MARKER);
  let p = marker + MARKER.length;
  if (line.startsWith('mail server after ', p)) p += 18;
  else if (line.startsWith('mailer after ', p)) p += 13;
  else return null;
  const colon = line.indexOf(': ', p);
  if (colon === -1) return null;
  let replyStart = colon + 2;

  const head = line.slice(0, marker);
  const flagged = head.includes(' ** ') || head.includes(' == ');
  if (!flagged && !lenient) return null;

  let host: string | null = null;
  let ip: string | null = null;
  const h = head.indexOf(' H=');
  if (h !== -1) {
    H_FIELD.lastIndex = h;
    const m = H_FIELD.exec(head);
    if (m) { host = m[1] ?? null; ip = m[2] ?? null; }
  }
  if (line.startsWith('host ', replyStart)) {
    OLD_HOST.lastIndex = replyStart;
    const m = OLD_HOST.exec(line);
    if (m) { host = m[1] ?? null; ip = m[2] ?? null; replyStart = OLD_HOST.lastIndex; }
  }

  const rawReply = line.slice(replyStart, replyStart + MAX_REPLY_CHARS);
  const reply = normalizeReplyLines(rawReply.split('\\n'));
  if (!reply) return null;

  const { ts } = prelude(line, lenient, undefined, isoTimeAt);
  let queueId: string | null = null;
  if (ts) {
    MSG_ID.lastIndex = ts.end + 1;
    queueId = MSG_ID.exec(line)?.[1] ?? null;
  }
  if (queueId === null && lenient) queueId = MSG_ID_ANYWHERE.exec(head)?.[1] ?? null;
  if (host !== null && host.startsWith('(') && host.endsWith(')')) host = host.slice(1, -1);
  return replyEvent(ts ? ts.time : null, host, ip, null, reply, queueId);
}
