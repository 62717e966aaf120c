import { normalizeIpCached } from '../ip-cache.js';
import type { NormalizedReply } from '../reply.js';
import type { DeliveryEvent } from '../types.js';

/** Options every format parser takes. */
export interface ParserOptions {
  /** Pasted excerpts: prefixes may be cut off, dashes may be typographic (`scan --format X`). */
  lenient?: boolean;
  /** Year for timestamps without one (syslog); default: the current year, or the previous one if that lies ahead. */
  year?: number;
}

/** Shared empty result, so the common "nothing here" path allocates nothing. */
export const NO_EVENTS: never[] = [];

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

/** A parsed timestamp and the index just after it. */
export interface TimeAt { time: number; end: number }

const SYSLOG_TIME = /([A-Z][a-z]{2}) ([ \d]?\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?/y;
const ISO_TIME = /(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?(Z|[+-]\d\d:?\d\d| [+-]\d{4})?/y;

/** Reads a syslog (`Jan  2 07:31:13`) or RFC 3339 timestamp at index i; syslog times are local time. */
export function timeAt(line: string, i: number, year?: number): TimeAt | null {
  const c = line.charCodeAt(i);
  if (c >= 48 && c <= 57) return isoTimeAt(line, i);
  SYSLOG_TIME.lastIndex = i;
  const m = SYSLOG_TIME.exec(line);
  if (!m) return null;
  const month = MONTHS[m[1] ?? ''];
  if (month === undefined) return null;
  const day = Number(m[2]);
  let y = year ?? currentYear();
  let t = localTime(y, month, day, Number(m[3]), Number(m[4]), Number(m[5]), fraction(m[6]));
  if (year === undefined && t > Date.now() + 86_400_000) {
    y -= 1;
    t = localTime(y, month, day, Number(m[3]), Number(m[4]), Number(m[5]), fraction(m[6]));
  }
  return Number.isFinite(t) ? { time: t, end: SYSLOG_TIME.lastIndex } : null;
}

let yearCache = { year: 0, until: 0 };

/** The current local year, looked up at most once a minute. */
function currentYear(): number {
  const now = Date.now();
  if (now >= yearCache.until) yearCache = { year: new Date(now).getFullYear(), until: now + 60_000 };
  return yearCache.year;
}

let hourCache = { key: -1, start: 0 };

/**
 * Local wall-clock time to Unix ms. Log lines come in order, so the start of the last hour is
 * remembered (zone offsets change on hour boundaries) and only minutes and seconds are added.
 */
function localTime(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return NaN;
  const key = ((y * 12 + mo) * 31 + d) * 24 + h;
  if (key !== hourCache.key) hourCache = { key, start: new Date(y, mo, d, h).getTime() };
  return hourCache.start + mi * 60_000 + s * 1000 + ms;
}

/** Reads `YYYY-MM-DD[T ]HH:MM:SS[.frac][zone]` at index i: with a zone it is exact, without it local time. */
export function isoTimeAt(line: string, i: number): TimeAt | null {
  ISO_TIME.lastIndex = i;
  const m = ISO_TIME.exec(line);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const ms = fraction(m[7]);
  let t: number;
  const zone = m[8]?.trim();
  if (zone === undefined) {
    t = localTime(y, mo - 1, d, h, mi, s, ms);
  } else {
    t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
    if (zone !== 'Z') {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
    }
  }
  return Number.isFinite(t) ? { time: t, end: ISO_TIME.lastIndex } : null;
}

function fraction(digits: string | undefined): number {
  return digits ? Math.floor(Number(`0.${digits}`) * 1000) : 0;
}

const CONTAINER_PREFIX = /[\w.-]{1,128} {0,8}\| ?/y;

/** Index after a `docker compose logs` prefix such as `postfix-mailcow-1  | `, else 0. */
export function afterContainerPrefix(line: string): number {
  const bar = line.indexOf('| ');
  if (bar <= 0 || bar > 140) return 0;
  CONTAINER_PREFIX.lastIndex = 0;
  return CONTAINER_PREFIX.test(line) ? CONTAINER_PREFIX.lastIndex : 0;
}

/** Index of the first character that is not whitespace. */
export function skipSpaces(line: string, i = 0): number {
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 160 && c !== 0xfeff) break;
    i++;
  }
  return i;
}

const TYPOGRAPHIC = /[\u2010-\u2015\u2212\u00a0\u201c\u201d\u201e\u2018\u2019]/;

/**
 * Undoes what blogs and word processors do to pasted log lines: `<–` becomes `<--`, other
 * dashes `-`, curly quotes straight, no-break spaces plain. Leaves ASCII lines untouched.
 */
export function cleanPasted(line: string): string {
  if (!TYPOGRAPHIC.test(line)) return line;
  return line
    .replace(/<[\u2010-\u2015\u2212]/g, '<--')
    .replace(/[\u2010-\u2015\u2212]>/g, '-->')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/\u00a0/g, ' ')
    .replace(/[\u201c\u201d\u201e]/g, '"')
    .replace(/[\u2018\u2019]/g, "'");
}

/** True when s looks like an IP literal (hex digits, dots, colons), as opposed to a host name. */
export function isIpLike(s: string): boolean {
  return /^[0-9a-fA-F:.]+$/.test(s) && (s.includes('.') || s.includes(':'));
}

/** A delivery event for one reply; addresses are normalised, a missing one stays null. */
export function replyEvent(time: number | null, remoteHost: string | null, remoteIp: string | null, localIp: string | null, reply: NormalizedReply, queueId: string | null): DeliveryEvent {
  return {
    time,
    remoteHost,
    remoteIp: remoteIp === null ? null : normalizeIpCached(remoteIp)?.ip ?? null,
    localIp: localIp === null ? null : normalizeIpCached(localIp)?.ip ?? null,
    replyCode: reply.replyCode,
    enhancedCode: reply.enhancedCode,
    text: reply.text,
    queueId,
    replay: false,
  };
}
