import { normalizeIpCached } from '../ip-cache.js';
import type { NormalizedReply } from '../reply.js';
import type { DeliveryEvent, LineParser } from '../types.js';
import { timeAt, type TimeAt } from './time.js';

/** Options every format parser takes. */
export interface ParserOptions {
  /** Pasted excerpts: prefixes may be cut off, dashes may be typographic (`scan --format X`). */
  lenient?: boolean;
  /** Year for timestamps without one (syslog); default: the current year, or the previous one if that lies ahead. */
  year?: number;
}

/** Shared empty result, so the common "nothing here" path allocates nothing. */
export const NO_EVENTS: never[] = [];

/**
 * One entry of the format registry: a line format with its name, the README's description, the
 * line signature `auto` votes with, and its parser factory.
 */
export interface LineFormat<N extends string = string> {
  readonly name: N;
  /** What is read, as the README's format table says it. */
  readonly reads: string;
  /** Matches lines that only this format writes. */
  readonly signature: RegExp;
  create(opts: ParserOptions): LineParser;
}

/**
 * A registry entry for a format read as whole messages (bounces): `scan` hands it each message of
 * an .eml file, mbox or Maildir; `signature` recognises its lines for `auto`.
 */
export interface MessageFormat<N extends string = string> {
  readonly name: N;
  readonly reads: string;
  readonly signature: RegExp;
  /** Matches the first line of an input that holds messages (an mbox `From ` line, a header). */
  readonly firstLine: RegExp;
  events(message: Uint8Array): Promise<DeliveryEvent[]>;
}

/** Where a line's own text starts (after a container prefix; for pastes also spaces) and its timestamp there. */
export interface Prelude { start: number; ts: TimeAt | null }

/** Reads the shared start of a log line; `read` is the timestamp reader (syslog or ISO by default). */
export function prelude(line: string, lenient: boolean, year: number | undefined, read: (line: string, i: number, year?: number) => TimeAt | null = timeAt): Prelude {
  let start = afterContainerPrefix(line);
  if (lenient) start = skipSpaces(line, start);
  return { start, ts: read(line, start, year) };
}

const PROGRAM_TAG = /[\w/.@-]{1,64}\[\d{1,10}\]: /y;

/**
 * True when the line carries a syslog prefix: a timestamp, or a `program[pid]: ` tag, at its
 * start. Leniency for pasted excerpts is only for lines without any, so another program's line in
 * a whole syslog file is never taken for one with its prefix cut off.
 */
export function hasSyslogPrefix(line: string, p: Prelude): boolean {
  if (p.ts !== null) return true;
  PROGRAM_TAG.lastIndex = p.start;
  return PROGRAM_TAG.test(line);
}

/**
 * A parser for formats where one line carries at most one reply. `quick` is a cheap prefilter;
 * pasted lines (lenient) are cleaned of typographic characters first, and a line that only passes
 * the prefilter once cleaned (no-break spaces) is read too.
 */
export function onePerLine(opts: ParserOptions, quick: (line: string) => boolean, parse: (line: string, lenient: boolean, year: number | undefined) => DeliveryEvent | null): LineParser {
  const lenient = opts.lenient === true;
  return {
    push(raw: string): DeliveryEvent[] {
      let line = raw;
      if (quick(raw)) {
        if (lenient) line = cleanPasted(raw);
      } else {
        if (!lenient) return NO_EVENTS;
        line = cleanPasted(raw);
        if (line === raw || !quick(line)) return NO_EVENTS;
      }
      const ev = parse(line, lenient, opts.year);
      return ev ? [ev] : NO_EVENTS;
    },
  };
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

/**
 * A delivery event for one reply. This is the one place where the addresses a log names are
 * normalised; one that is not an IP becomes null. `replay` marks lines that only repeat a reply.
 */
export function replyEvent(time: number | null, remoteHost: string | null, remoteIp: string | null, localIp: string | null, reply: NormalizedReply, queueId: string | null, replay = false): DeliveryEvent {
  return {
    time,
    remoteHost,
    remoteIp: remoteIp === null ? null : normalizeIpCached(remoteIp)?.ip ?? null,
    localIp: localIp === null ? null : normalizeIpCached(localIp)?.ip ?? null,
    replyCode: reply.replyCode,
    enhancedCode: reply.enhancedCode,
    text: reply.text,
    queueId,
    replay,
  };
}
