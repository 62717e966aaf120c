import { normalizeReply } from '../reply.js';
import type { DeliveryEvent, LineParser } from '../types.js';
import { onePerLine, prelude, replyEvent, skipSpaces, type LineFormat, type ParserOptions } from './common.js';

const PROGRAM = /(?:sm-mta|sendmail)(?:-\w{1,32})?\[\d{1,10}\]: (\w{6,32}): /y;
const BARE_QID = /(\w{6,32}): /y;
const RELAY = /relay=([^\s[,]{0,255}) ?\[(?:IPv6:)?([^\]\s]{1,64})\]/y;

/**
 * Sendmail (`sm-mta`/`sendmail`) delivery lines. Only `stat=` values that carry the remote's
 * reply count (`stat=Deferred: 421-4.7.0 …`, the first reply line only); permanent failures
 * log Sendmail's own wording (`stat=Service unavailable`) without the reply and are skipped.
 */
export function createSendmailParser(opts: ParserOptions = {}): LineParser {
  return onePerLine(opts, (line) => line.indexOf('stat=') !== -1, parseLine);
}

/** Registry entry. */
export const sendmailFormat: LineFormat<'sendmail'> = {
  name: 'sendmail',
  reads: '`stat=` lines; where Sendmail cut the text, classified by code (5.7.25, 4.7.23)',
  signature: /\s(?:sm-mta|sendmail|sm-msp-queue)\[\d{1,10}\]: /,
  create: createSendmailParser,
};

function parseLine(line: string, lenient: boolean, year: number | undefined): DeliveryEvent | null {
  const k = line.indexOf('stat=');
  let s = k + 5;
  if (line.startsWith('Deferred: ', s)) s += 10;
  const reply = normalizeReply(line.slice(s));
  if (!reply) return null;

  const { start, ts } = prelude(line, lenient, year);
  let queueId = programQueueId(line, k);
  const tagged = queueId !== null;
  if (!tagged) {
    if (!lenient) return null;
    BARE_QID.lastIndex = skipSpaces(line, ts ? ts.end : start);
    queueId = BARE_QID.exec(line)?.[1] ?? null;
  }

  let host: string | null = null;
  let ip: string | null = null;
  const r = line.lastIndexOf('relay=', k);
  if (r !== -1) {
    RELAY.lastIndex = r;
    const m = RELAY.exec(line);
    if (m) {
      host = (m[1] ?? '').replace(/\.$/, '') || null;
      ip = m[2] ?? null;
    }
  }
  return replyEvent(ts ? ts.time : null, host, ip, null, reply, queueId);
}

/** Queue id from the `sm-mta[pid]: QID:` tag before index `limit`, or null when there is no tag. */
function programQueueId(line: string, limit: number): string | null {
  for (const name of ['sm-mta', 'sendmail']) {
    for (let j = line.indexOf(name), tries = 0; j !== -1 && j < limit && tries < 4; j = line.indexOf(name, j + 1), tries++) {
      PROGRAM.lastIndex = j;
      const m = PROGRAM.exec(line);
      if (m) return m[1] ?? null;
    }
  }
  return null;
}
