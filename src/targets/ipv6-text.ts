import { isIP } from 'node:net';

/**
 * IPv6 text without ipaddr.js, for the hot paths (every probe, every forward answer): the eight 16-bit
 * groups of a hex-only address (RFC 4291 section 2.2 forms 1 and 2, no embedded IPv4, no zone id), and the
 * RFC 5952 text of eight groups; ipVersion tells the version of any text, for hex-only IPv6 without net.isIP.
 */

/** The eight groups of a valid IPv6 text made of hex groups and at most one "::"; null for any other form. */
export function ipv6Groups(text: string): number[] | null {
  const head: number[] = [];
  const tail: number[] = [];
  let groups = head;
  let value = 0;
  let digits = 0;
  let i = 0;
  if (text.startsWith('::')) {
    groups = tail;
    i = 2;
  }
  for (; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : -1;
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (digit >= 0) {
      if (++digits > 4) return null;
      value = value * 16 + digit;
      continue;
    }
    if (c !== 58 && c !== -1) return null;
    if (digits === 0) {
      // An empty group is only the end of a text that ends in "::" (or is "::").
      if (c === -1 && groups === tail && tail.length === 0 && text.endsWith('::')) break;
      return null;
    }
    groups.push(value);
    value = 0;
    digits = 0;
    if (c === 58 && text.charCodeAt(i + 1) === 58) {
      if (groups === tail) return null;
      groups = tail;
      i++;
      if (i + 1 === text.length) break;
    }
  }
  const missing = 8 - head.length - tail.length;
  if (groups === head ? missing !== 0 : missing < 1) return null;
  const all = head;
  for (let k = 0; k < missing; k++) all.push(0);
  for (const g of tail) all.push(g);
  return all;
}

/**
 * The IP version of a text (0 when it is not an IP, as net.isIP says) and, for a hex-only IPv6 text, its groups.
 * ipv6Groups accepts exactly the valid hex-only IPv6 texts, so those skip net.isIP's slower regular expression.
 */
export function ipVersion(text: string): { version: 0 | 4 | 6; groups: number[] | null } {
  const groups = text.includes(':') ? ipv6Groups(text) : null;
  return { version: groups === null ? (isIP(text) as 0 | 4 | 6) : 6, groups };
}

/** RFC 5952 section 4: lowercase, no leading zeros, the longest run (the first of equals) of two or more zero groups as "::". */
export function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string => {
    let text = '';
    for (let i = from; i < to; i++) text += i === from ? groups[i]!.toString(16) : `:${groups[i]!.toString(16)}`;
    return text;
  };
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}
