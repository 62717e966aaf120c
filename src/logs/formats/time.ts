/** Timestamps of log lines: syslog (`Jan  2 07:31:13`, no year) and ISO 8601 / RFC 3339. */

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
