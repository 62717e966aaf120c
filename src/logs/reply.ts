import { normalizeIpCached as normalizeIp } from './ip-cache.js';
import type { Provider } from './types.js';

/** Longest raw reply considered; real multi-line replies stay far below it (Gmail's are ~600 chars). */
export const MAX_REPLY_CHARS = 16 * 1024;

/** The first reply line's code, separator and enhanced code. */
export interface ReplyHead {
  code: string;
  sep: ' ' | '-';
  enhanced: string | null;
  /** Index just after the head (code, separator, enhanced code). */
  end: number;
}

/** A reply reduced to its codes and one line of text without continuation prefixes. */
export interface NormalizedReply {
  replyCode: string;
  enhancedCode: string | null;
  text: string;
}

/**
 * Reads the reply head at `from` (leading whitespace allowed): `550-5.7.1`, `421 4.7.0`, `554 `.
 * The enhanced code must be followed by whitespace, so freenet's `550 1912 2.1)` (RFC 1912 section 2.1) is no code.
 */
export function parseReplyHead(s: string, from = 0): ReplyHead | null {
  let i = from;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  const c0 = s.charCodeAt(i);
  if (c0 < 50 || c0 > 53 || !isDigit(s.charCodeAt(i + 1)) || !isDigit(s.charCodeAt(i + 2))) return null;
  const sepChar = s[i + 3];
  if (sepChar !== ' ' && sepChar !== '-' && sepChar !== undefined) return null;
  const code = s.slice(i, i + 3);
  const sep = sepChar === '-' ? '-' : ' ';
  if (sepChar === undefined) return { code, sep, enhanced: null, end: i + 3 };
  const enhEnd = enhancedEnd(s, i + 4);
  if (enhEnd > 0) return { code, sep, enhanced: s.slice(i + 4, enhEnd), end: enhEnd };
  return { code, sep, enhanced: null, end: i + 4 };
}

/**
 * Normalises a reply whose lines were joined with spaces (Postfix style): reads the head, removes
 * every `<code>-<enh> ` / `<code> <enh> ` prefix that repeats the first line's code, and collapses
 * whitespace. Returns null when the text does not start with a reply code.
 */
export function normalizeReply(raw: string): NormalizedReply | null {
  const s = raw.length > MAX_REPLY_CHARS ? raw.slice(0, MAX_REPLY_CHARS) : raw;
  const head = parseReplyHead(s);
  if (!head) return null;
  return { replyCode: head.code, enhancedCode: head.enhanced, text: collapseSpaces(stripPrefixes(s, head)) };
}

/** Joins the lines of a multi-line reply (MDaemon `<--` lines, Exim `\n` pieces) and normalises it. */
export function normalizeReplyLines(lines: readonly string[]): NormalizedReply | null {
  return normalizeReply(lines.join(' '));
}

/** Removes continuation prefixes: the code must start the text or follow whitespace. */
function stripPrefixes(s: string, head: ReplyHead): string {
  const { code, enhanced } = head;
  let out = '';
  let copied = 0;
  let pos = s.indexOf(code);
  while (pos !== -1) {
    const sep = s[pos + 3];
    const atBoundary = (pos === 0 || isSpace(s.charCodeAt(pos - 1))) && (sep === ' ' || sep === '-' || sep === undefined);
    if (!atBoundary) {
      pos = s.indexOf(code, pos + 1);
      continue;
    }
    let end = pos + 4;
    const enhEnd = enhancedEnd(s, end);
    if (enhEnd > 0 && (enhanced === null || s.slice(end, enhEnd) === enhanced)) end = enhEnd;
    if (end < s.length && isSpace(s.charCodeAt(end))) end++;
    out += s.slice(copied, pos) + ' ';
    copied = Math.min(end, s.length);
    pos = s.indexOf(code, copied);
  }
  return out + s.slice(copied);
}

/** End index of an enhanced code `[245].d{1,3}.d{1,3}` at i that is followed by whitespace or the end, else -1. */
function enhancedEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if ((c !== 50 && c !== 52 && c !== 53) || s[i + 1] !== '.') return -1;
  let j = i + 2;
  const a = j;
  while (j < s.length && j - a < 4 && isDigit(s.charCodeAt(j))) j++;
  if (j === a || j - a > 3 || s[j] !== '.') return -1;
  j++;
  const b = j;
  while (j < s.length && j - b < 4 && isDigit(s.charCodeAt(j))) j++;
  if (j === b || j - b > 3) return -1;
  if (j < s.length && !isSpace(s.charCodeAt(j))) return -1;
  return j;
}

/** Collapses runs of whitespace into one space and trims. */
export function collapseSpaces(s: string): string {
  return s.replace(/\s{2,}|[^\S ]/g, ' ').trim();
}

const BRACKET_IP = /\[(?:IPv6:)?(\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?:\s+\d{1,3})?\]/g;

/** Provider-specific places where a reply names our IP without brackets; `applies` limits a rule to one provider. */
const FALLBACKS: readonly { applies?: Provider; pattern: RegExp }[] = [
  { applies: 'comcast', pattern: /comcast (\S{1,64}) Comcast requires/i },
  { applies: 'united_internet', pattern: /[?&]ip=([^&\s]{1,64})&c=rdns/i },
  { applies: 'yahoo', pattern: /messages from (\S{1,64}) (?:temporarily|will be)/i },
  { applies: 't_online', pattern: /\bIP=(\S{1,64}) -/ },
  { pattern: /sending mail server at (\S{1,64}) does/i },
  { pattern: /PTR record for (\S{1,64}) \(see/i },
  { pattern: /no DNS reverse for (\S{1,64})/i },
  { pattern: /no RDNS entry for (\S{1,64})/i },
  { pattern: /reverse DNS for (\S{1,64})/i },
  { pattern: /Client IP address (\S{1,64}) does not resolve/i },
];

/**
 * Our sending IP as the reply names it: the first bracketed IP (Gmail's `[addr      16]` quirk
 * allowed), else a provider's unbracketed form. Placeholders such as `[MY_IPV6]` are rejected;
 * the result is normalised.
 */
export function senderIpFromReply(text: string, provider: Provider): string | null {
  if (text.indexOf('[') !== -1) {
    BRACKET_IP.lastIndex = 0;
    let tries = 0;
    for (let m = BRACKET_IP.exec(text); m && tries < 8; m = BRACKET_IP.exec(text), tries++) {
      const ip = normalizeIp(m[1] ?? '');
      if (ip) return ip.ip;
    }
  }
  for (const f of FALLBACKS) {
    if (f.applies !== undefined && f.applies !== provider && provider !== 'other') continue;
    const m = f.pattern.exec(text);
    const ip = m ? normalizeIp(trimPunctuation(m[1] ?? '')) : null;
    if (ip) return ip.ip;
  }
  return null;
}

/** Removes brackets and sentence punctuation around an address (`1.2.3.4.` or `(2001:db8::1)`). */
function trimPunctuation(s: string): string {
  return s.replace(/^[[(<"']+/, '').replace(/[\])>"',;.]+$/, '');
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 160;
}
