/** What one line of `journalctl --output=json` gave: the entry's cursor and the log line it stands for. */
export type JournalEntryResult =
  | { kind: 'line'; cursor: string | null; line: string; binary: boolean }
  | { kind: 'no-message'; cursor: string | null }
  | { kind: 'error'; error: string };

/** A journal field value as journalctl prints it: a string, a byte array (binary or not UTF-8), null (too large), or an array of those (a field repeated). */
type FieldValue = string | number[] | null | FieldValue[];

const UTF8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Turns one JSON entry into the syslog line the MTA parsers read: `TIMESTAMP HOST IDENT[PID]: MESSAGE`
 * with an RFC 3339 UTC timestamp; Exim's entries take the form of its main log (`YYYY-MM-DD HH:MM:SS +0000 MESSAGE`),
 * which the Exim parser reads. A byte-array MESSAGE (journalctl prints non-UTF-8 or control-character
 * values that way, see systemd's journal JSON format) is decoded as UTF-8 with U+FFFD for bad bytes.
 * Newlines inside a message become spaces, so one entry is one line.
 */
export function journalEntryToLine(json: string): JournalEntryResult {
  let entry: unknown;
  try {
    entry = JSON.parse(json);
  } catch (e) {
    return { kind: 'error', error: `not JSON: ${(e as Error).message}` };
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return { kind: 'error', error: 'not a JSON object' };
  const fields = entry as Record<string, FieldValue>;
  const cursor = typeof fields.__CURSOR === 'string' ? fields.__CURSOR : null;
  const message = decodeField(fields.MESSAGE);
  if (message === null) return { kind: 'no-message', cursor };
  const text = message.value.replace(/\r\n|[\r\n]/g, ' ');
  const time = microseconds(fields._SOURCE_REALTIME_TIMESTAMP) ?? microseconds(fields.__REALTIME_TIMESTAMP);
  const ident = decodeField(fields.SYSLOG_IDENTIFIER)?.value ?? decodeField(fields._COMM)?.value ?? 'unknown';
  const pid = decodeField(fields._PID)?.value ?? decodeField(fields.SYSLOG_PID)?.value ?? null;
  const host = decodeField(fields._HOSTNAME)?.value ?? 'localhost';
  const line = /^exim/.test(ident)
    ? `${eximTime(time)} ${text}`
    : `${isoTime(time)} ${token(host)} ${token(ident)}${pid !== null && /^\d{1,10}$/.test(pid) ? `[${pid}]` : ''}: ${text}`;
  return { kind: 'line', cursor, line, binary: message.binary };
}

/** The first value of a field as text; byte arrays decoded as UTF-8. */
function decodeField(v: FieldValue | undefined): { value: string; binary: boolean } | null {
  if (typeof v === 'string') return { value: v, binary: false };
  if (!Array.isArray(v) || v.length === 0) return null;
  if (typeof v[0] === 'number') {
    const bytes = Uint8Array.from(v as number[], (b) => (Number.isInteger(b) && b >= 0 && b <= 255 ? b : 0x3f));
    return { value: UTF8.decode(bytes), binary: true };
  }
  return decodeField(v[0]);
}

/** A journal timestamp (decimal microseconds since the epoch) in microseconds, or null. */
function microseconds(v: FieldValue | undefined): number | null {
  return typeof v === 'string' && /^\d{1,20}$/.test(v) ? Number(v) : null;
}

/** A value fit for one space-separated field of a syslog line. */
function token(s: string): string {
  const t = s.replace(/\s+/g, '_');
  return t === '' ? '-' : t;
}

/** RFC 3339 in UTC with microseconds; the epoch when the entry has no timestamp. */
function isoTime(us: number | null): string {
  const t = us ?? 0;
  const base = new Date(Math.floor(t / 1000)).toISOString().slice(0, 19);
  return `${base}.${String(t % 1_000_000).padStart(6, '0')}Z`;
}

/** Exim's main log timestamp in UTC: `YYYY-MM-DD HH:MM:SS +0000`. */
function eximTime(us: number | null): string {
  return `${new Date(Math.floor((us ?? 0) / 1000)).toISOString().slice(0, 19).replace('T', ' ')} +0000`;
}
