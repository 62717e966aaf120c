import { normalizeReply } from '../reply.js';
import type { DeliveryEvent, LineParser } from '../types.js';
import { hasSyslogPrefix, onePerLine, prelude, replyEvent, skipSpaces, type LineFormat, type ParserOptions } from './common.js';

const HOST_SAID = /host ([^\s[\]]{1,255})\[([^\]\s]{1,64})\] (?:said|refused to talk to me): /y;
const PROGRAM = /postfix(?:-[\w.-]{1,64})?\/([\w/.-]{1,64})\[\d{1,10}\]: (?:([0-9A-Za-z]{5,32}): )?/y;
const BARE_QID = /([0-9A-Za-z]{5,32}): /y;

/**
 * Postfix (smtp, lmtp, error, retry; multi-instance `postfix-out/smtp`): status lines with
 * `(host X[ip] said: …)` or `refused to talk to me: …`, and per-MX attempt lines without `status=`.
 * `postfix/error` lines and "delivery temporarily suspended" replays are marked `replay`.
 */
export function createPostfixParser(opts: ParserOptions = {}): LineParser {
  return onePerLine(opts, mentionsReply, parseLine);
}

/** Registry entry. */
export const postfixFormat: LineFormat<'postfix'> = {
  name: 'postfix',
  reads: '`postfix/smtp`, `lmtp`, `error` status lines and per-MX `host X[ip] said:` / `refused to talk to me` lines; multi-instance names (`postfix-out/smtp`); syslog and RFC 3339 timestamps; container prefixes like `postfix-1  \\| `',
  signature: /\spostfix(?:-[\w.-]{1,64})?\/[\w/.-]{1,64}\[\d{1,10}\]: /,
  create: createPostfixParser,
};

function parseLine(line: string, lenient: boolean, year: number | undefined): DeliveryEvent | null {
  const hit = findHost(line);
  if (!hit) return null;
  const { hostIdx, replyStart, host, ip } = hit;

  const pre = prelude(line, lenient, year);
  const { start, ts } = pre;

  const prog = findProgram(line, ts ? ts.end : start, hostIdx);
  if (!prog && (!lenient || hasSyslogPrefix(line, pre))) return null;
  let queueId = prog ? prog.queueId : null;
  if (!prog) {
    BARE_QID.lastIndex = skipSpaces(line, ts ? ts.end : start);
    const q = BARE_QID.exec(line);
    if (q && BARE_QID.lastIndex <= hostIdx) queueId = q[1] ?? null;
  }

  const statusLine = line.lastIndexOf('status=', hostIdx) !== -1;
  let end = line.length;
  while (end > replyStart && line.charCodeAt(end - 1) <= 32) end--;
  if (statusLine && line.charCodeAt(end - 1) === 41) end--;
  const inReply = line.lastIndexOf(' (in reply to ', end);
  if (inReply >= replyStart && line.charCodeAt(end - 1) === 41 && end - inReply < 80) end = inReply;

  const reply = normalizeReply(line.slice(replyStart, end));
  if (!reply) return null;
  const svc = prog ? prog.service : '';
  const replay = svc.endsWith('error') || svc.endsWith('retry')
    || line.lastIndexOf('delivery temporarily suspended: ', hostIdx) !== -1;
  return replyEvent(ts ? ts.time : null, host, ip, null, reply, queueId, replay);
}

/**
 * Cheap prefilter: `] said: ` or `] refused to talk to me: `. Searching the rare two characters
 * `] ` first is several times faster than searching both phrases in every line.
 */
function mentionsReply(line: string): boolean {
  for (let i = line.indexOf('] '); i !== -1; i = line.indexOf('] ', i + 2)) {
    if (line.startsWith('said: ', i + 2) || line.startsWith('refused to talk to me: ', i + 2)) return true;
  }
  return false;
}

/** The first `host X[ip] said:` / `refused to talk to me:` (the reply itself may contain such words later). */
function findHost(line: string): { hostIdx: number; replyStart: number; host: string; ip: string } | null {
  let from = 0;
  for (let tries = 0; tries < 16; tries++) {
    const j = line.indexOf('host ', from);
    if (j === -1) return null;
    HOST_SAID.lastIndex = j;
    const m = HOST_SAID.exec(line);
    if (m) return { hostIdx: j, replyStart: HOST_SAID.lastIndex, host: m[1] ?? '', ip: m[2] ?? '' };
    from = j + 5;
  }
  return null;
}

/** The `postfix[-name]/service[pid]: QUEUEID:` tag between `from` and `limit`. */
function findProgram(line: string, from: number, limit: number): { service: string; queueId: string | null } | null {
  for (let j = line.indexOf('postfix', from), tries = 0; j !== -1 && j < limit && tries < 8; j = line.indexOf('postfix', j + 7), tries++) {
    PROGRAM.lastIndex = j;
    const m = PROGRAM.exec(line);
    if (m) return { service: m[1] ?? '', queueId: m[2] ?? null };
  }
  return null;
}
