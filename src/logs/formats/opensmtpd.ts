import { normalizeIpCached as normalizeIp } from '../ip-cache.js';
import { normalizeReply } from '../reply.js';
import type { DeliveryEvent, LineParser } from '../types.js';
import { isIpLike, onePerLine, prelude, replyEvent, type LineFormat, type ParserOptions } from './common.js';

const SESSION_ID = /^[0-9a-f]{16}$/;

/**
 * OpenSMTPD 6.4+ `mta delivery` lines: our address in `source="…"`, the remote in
 * `relay="host (ip)"`, the whole reply in `stat="…"`; `result="Ok"` lines are skipped.
 */
export function createOpensmtpdParser(opts: ParserOptions = {}): LineParser {
  return onePerLine(opts, (line) => line.indexOf('stat=') !== -1 && line.indexOf('result=') !== -1, parseLine);
}

/** Registry entry. */
export const opensmtpdFormat: LineFormat<'opensmtpd'> = {
  name: 'opensmtpd',
  reads: '`mta delivery ... source="..." relay="..." stat="..."`',
  signature: /\ssmtpd\[\d{1,10}\]: [0-9a-f]{16} (?:mta|smtp) /,
  create: createOpensmtpdParser,
};

function parseLine(line: string, lenient: boolean, year: number | undefined): DeliveryEvent | null {
  const statAt = line.indexOf(' stat="');
  if (statAt === -1) return null;
  const result = quoted(line, ' result="', 0, statAt);
  if (result === null || result === 'Ok') return null;
  const delivery = line.indexOf(' mta ');
  if (!lenient && (delivery === -1 || line.indexOf('smtpd[') === -1 || line.indexOf('delivery', delivery) === -1)) return null;

  let end = line.length;
  while (end > statAt && line.charCodeAt(end - 1) <= 32) end--;
  if (line.charCodeAt(end - 1) === 34) end--;
  const reply = normalizeReply(line.slice(statAt + 7, end));
  if (!reply) return null;

  const source = quoted(line, ' source="', 0, statAt);
  const relay = quoted(line, ' relay="', 0, statAt);
  let host: string | null = null;
  let ip: string | null = null;
  if (relay !== null) {
    const paren = relay.indexOf(' (');
    const parts = paren === -1 ? [relay] : [relay.slice(0, paren), relay.slice(paren + 2).replace(/\)$/, '')];
    for (const part of parts) {
      if (isIpLike(part) && normalizeIp(part)) ip ??= part;
      else if (part !== '') host ??= part;
    }
  }

  const { ts } = prelude(line, lenient, year);
  const sid = delivery >= 16 ? line.slice(delivery - 16, delivery) : '';
  const session = SESSION_ID.test(sid) ? sid : null;
  const evpid = bareToken(line, ' evpid=', statAt);
  // Envelope ids share their upper 32 bits per message: per-recipient copies get one key.
  const message = evpid !== null && evpid.length > 8 ? evpid.slice(0, -8) : evpid;
  const queueId = session !== null || message !== null ? `${session ?? ''}:${message ?? ''}` : null;
  return replyEvent(ts ? ts.time : null, host, ip, source, reply, queueId);
}

/** The value of `name"…"` found before index `limit`. */
function quoted(line: string, name: string, from: number, limit: number): string | null {
  const i = line.indexOf(name, from);
  if (i === -1 || i > limit) return null;
  const s = i + name.length;
  const e = line.indexOf('"', s);
  return e === -1 ? null : line.slice(s, e);
}

/** The bare token after `name` found before index `limit`. */
function bareToken(line: string, name: string, limit: number): string | null {
  const i = line.indexOf(name);
  if (i === -1 || i > limit) return null;
  const s = i + name.length;
  let e = line.indexOf(' ', s);
  if (e === -1) e = line.length;
  return line.slice(s, e);
}
