import { normalizeIpCached as normalizeIp } from '../ip-cache.js';
import { MAX_REPLY_CHARS, normalizeReplyLines, parseReplyHead } from '../reply.js';
import type { DeliveryEvent, LineParser } from '../types.js';
import { cleanPasted, isIpLike, NO_EVENTS, replyEvent, skipSpaces, type LineFormat, type ParserOptions } from './common.js';
import { isoTimeAt } from './time.js';

/** Sessions remembered at once (one per interleaving slot); the least recently used is dropped. */
export const MAX_MDAEMON_SESSIONS = 256;
/** Lines of one multi-line reply kept; further continuation lines are dropped (the final line is kept). */
export const MAX_REPLY_LINES = 64;

const DAY = /\s{0,4}[A-Z][a-z]{2} (?=\d{4}-)/y;
const SLOT = /(\d{1,4}): /y;
const ID_STRING = /\[(\d{1,10}:\d{1,20})\] /y;
const SESSION = /^Session (\d{1,20}); child (\d{1,10})/;

interface Session {
  id: string | null;
  host: string | null;
  ip: string | null;
  local: string | null;
  code: string | null;
  lines: string[];
  chars: number;
  time: number | null;
}

/**
 * MDaemon "SMTP (out)" logs: one line per reply line (`<--`), the final line with a space after
 * the code. The remote host and address come from the session's earlier lines (`Attempting SMTP
 * connection to [host:25]`, `D=… A=[ip]`, `Connection established (local:port -> remote:port)`).
 * A session starts at `Session NNN; child N`. With "Log sessions in real time" sessions interleave:
 * lines then carry an ID string after the time (`Fri 2024-11-08 07:02:53: [2:733488] …`, MDaemon's
 * "Log ID string in mail session logs") or a slot number (`Tue … 00:00:48.993: 05: …`), which
 * key the session. A reply whose final line never came (an excerpt of `550-` lines) is emitted at end().
 */
export function createMdaemonParser(opts: ParserOptions = {}): LineParser {
  const lenient = opts.lenient === true;
  const slots = new Map<string, Session>();

  function slotFor(key: string): Session {
    let s = slots.get(key);
    if (s) {
      slots.delete(key);
    } else {
      s = { id: null, host: null, ip: null, local: null, code: null, lines: [], chars: 0, time: null };
      if (slots.size >= MAX_MDAEMON_SESSIONS) {
        const oldest = slots.keys().next().value;
        if (oldest !== undefined) slots.delete(oldest);
      }
    }
    slots.set(key, s);
    return s;
  }

  return {
    push(raw: string): DeliveryEvent[] {
      const line = lenient ? cleanPasted(raw) : raw;
      let time: number | null = null;
      let bodyAt: number;
      let slot = '';
      DAY.lastIndex = 0;
      const ts = DAY.test(line) ? isoTimeAt(line, DAY.lastIndex) : null;
      if (ts && line.startsWith(': ', ts.end)) {
        time = ts.time;
        bodyAt = ts.end + 2;
        ID_STRING.lastIndex = bodyAt;
        const id = ID_STRING.exec(line);
        if (id) {
          slot = `[${id[1] ?? ''}]`;
          bodyAt = ID_STRING.lastIndex;
        } else {
          SLOT.lastIndex = bodyAt;
          const m = SLOT.exec(line);
          if (m) { slot = m[1] ?? ''; bodyAt = SLOT.lastIndex; }
        }
      } else if (lenient) {
        bodyAt = skipSpaces(line);
      } else {
        return NO_EVENTS;
      }
      return onBody(line, bodyAt, time, slot);
    },
    end(): DeliveryEvent[] {
      const out: DeliveryEvent[] = [];
      for (const s of slots.values()) if (s.code !== null) out.push(...flush(s));
      return out;
    },
  };

  function onBody(line: string, at: number, time: number | null, slot: string): DeliveryEvent[] {
    const c = line.charCodeAt(at);
    if (c === 60 && line.startsWith('<--', at)) return onReply(slotFor(slot), line, at + 3, time);
    if (c === 45 && line.startsWith('-->', at)) {
      const s = slots.get(slot);
      return s && s.code !== null ? flush(s) : NO_EVENTS;
    }
    if (c === 83 && line.startsWith('Session ', at)) {
      const m = SESSION.exec(line.slice(at, at + 64));
      if (!m) return NO_EVENTS;
      const s = slotFor(slot);
      const out = s.code !== null ? flush(s) : NO_EVENTS;
      Object.assign(s, { id: m[1] ?? null, host: null, ip: null, local: null });
      return out;
    }
    if (line.startsWith('Attempting SMTP connection to [', at)) {
      const end = line.indexOf(']', at + 31);
      if (end !== -1) onAttempt(slotFor(slot), line.slice(at + 31, end));
      return NO_EVENTS;
    }
    if (c === 42 || c === 83 || c === 67) {
      const conn = line.indexOf('onnection established (', at);
      if (conn !== -1 && conn - at < 16) {
        onConnected(slotFor(slot), line.slice(conn + 23, line.lastIndexOf(')')));
        return NO_EVENTS;
      }
      if (c === 42) onResolved(slotFor(slot), line, at);
    }
    return NO_EVENTS;
  }

  function onReply(s: Session, line: string, at: number, time: number | null): DeliveryEvent[] {
    const from = skipSpaces(line, at);
    const head = parseReplyHead(line, from);
    if (!head) return NO_EVENTS;
    let out: DeliveryEvent[] = NO_EVENTS;
    if (s.code !== null && s.code !== head.code) out = flush(s);
    if (s.code === null) s.time = time;
    s.code = head.code;
    if ((s.lines.length < MAX_REPLY_LINES || head.sep === ' ') && s.chars < MAX_REPLY_CHARS) {
      const text = line.slice(from, from + MAX_REPLY_CHARS - s.chars);
      s.lines.push(text);
      s.chars += text.length;
    }
    if (time !== null) s.time = time;
    if (head.sep === ' ') {
      const done = flush(s);
      out = out.length === 0 ? done : [...out, ...done];
    }
    return out;
  }

  /** Emits the gathered reply (when it is a 4xx/5xx) and clears it. */
  function flush(s: Session): DeliveryEvent[] {
    const code = s.code;
    const lines = s.lines;
    s.code = null;
    s.lines = [];
    s.chars = 0;
    if (code === null || (code[0] !== '4' && code[0] !== '5')) return NO_EVENTS;
    const reply = normalizeReplyLines(lines);
    if (!reply) return NO_EVENTS;
    return [replyEvent(s.time, s.host, s.ip, s.local, reply, s.id)];
  }
}

/** Registry entry. */
export const mdaemonFormat: LineFormat<'mdaemon'> = {
  name: 'mdaemon',
  reads: 'SMTP (out) log sessions: `<--` reply lines gathered until the final line, remote from the session\'s earlier lines, our address from `Connection established (local -> remote)`',
  signature: /^\s?[A-Z][a-z]{2} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,3})?: /,
  create: createMdaemonParser,
};

/** `[host:25]` names the MX and `[ip:25]` the address; a bare `[domain]` is only the recipient domain. */
function onAttempt(s: Session, target: string): void {
  const ep = endpoint(target);
  if (ep.ip !== null) {
    s.ip = ep.ip;
    s.local = null;
  } else if (ep.port && ep.addr !== '') {
    s.host = ep.addr;
    s.ip = null;
    s.local = null;
  }
}

/** `local:port -> remote:port`, IPv4 or IPv6, bracketed or not. */
function onConnected(s: Session, inner: string): void {
  const arrow = inner.indexOf(' -> ');
  if (arrow === -1) return;
  const local = endpoint(inner.slice(0, arrow).trim());
  const remote = endpoint(inner.slice(arrow + 4).trim());
  if (local.ip) s.local = local.ip;
  if (remote.ip) s.ip = remote.ip;
}

/** `*  D=host TTL=(60) A=[ip]` (or AAAA=[ip]) from the session's DNS lookups. */
function onResolved(s: Session, line: string, at: number): void {
  const a = line.indexOf('A=[', at);
  if (a === -1) return;
  const end = line.indexOf(']', a + 3);
  const ip = end === -1 ? '' : line.slice(a + 3, end);
  if (normalizeIp(ip) === null) return;
  s.ip = ip;
  const d = line.indexOf('D=', at);
  if (d !== -1 && d < a && s.host === null) {
    const sp = line.indexOf(' ', d);
    if (sp !== -1) s.host = line.slice(d + 2, sp);
  }
}

/** Splits `addr:port`, `[v6]:port` or `v6:port`; `ip` is set (as written) when the address is an IP. */
function endpoint(text: string): { addr: string; port: boolean; ip: string | null } {
  let addr = text;
  let port = false;
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']');
    port = close !== -1 && addr[close + 1] === ':';
    addr = close === -1 ? addr.slice(1) : addr.slice(1, close);
  } else {
    const colon = addr.lastIndexOf(':');
    const before = addr.slice(0, colon);
    const splits = colon > 0 && /^\d{1,5}$/.test(addr.slice(colon + 1))
      && (before.indexOf(':') === -1 || normalizeIp(before) !== null);
    if (splits) {
      addr = before;
      port = true;
    }
  }
  const ip = isIpLike(addr) && normalizeIp(addr) !== null ? addr : null;
  return { addr, port, ip };
}
