import { isIP } from 'node:net';

/**
 * IPv6 text without ipaddr.js, for the hot paths (every probe, every forward answer): the eight 16-bit
 * groups of a hex-only address (RFC 4291 section 2.2 forms 1 and 2, no embedded IPv4, no zone id), and the
 * RFC 5952 text of eight groups; ipVersion tells the version of any text, for hex-only IPv6 without net.isIP.
 */

/** The eight groups of a valid IPv6 text made of hex groups and at most one "::"; null for any other form. */
export function ipv6Groups(text: string): number[] | null {
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  let count = 0;
  /** Where "::" stands (the number of groups before it), -1 when there is none. */
  let gap = -1;
  let value = 0;
  let digits = 0;
  let i = 0;
  if (text.startsWith('::')) {
    gap = 0;
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
      if (c === -1 && gap === count && text.endsWith('::')) break;
      return null;
    }
    if (count === 8) return null;
    groups[count++] = value;
    value = 0;
    digits = 0;
    if (c === 58 && text.charCodeAt(i + 1) === 58) {
      if (gap >= 0) return null;
      gap = count;
      i++;
      if (i + 1 === text.length) break;
    }
  }
  if (gap < 0) return count === 8 ? groups : null;
  if (count > 7) return null;
  // Move the groups after "::" to the end and zero the ones it stands for.
  const missing = 8 - count;
  for (let k = count - 1; k >= gap; k--) groups[k + missing] = groups[k]!;
  for (let k = gap; k < gap + missing; k++) groups[k] = 0;
  return groups;
}

/** True for the groups of an IPv4-mapped address (::ffff:0:0/96, RFC 4291 section 2.5.5.2). */
export function isMappedGroups(groups: readonly number[]): boolean {
  return groups[5] === 0xffff && groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0;
}

/**
 * The IP version of a text (0 when it is not an IP, as net.isIP says) and, for a hex-only IPv6 text, its groups.
 * ipv6Groups accepts exactly the valid hex-only IPv6 texts, so those skip net.isIP's slower regular expression.
 */
export function ipVersion(text: string): { version: 0 | 4 | 6; groups: number[] | null } {
  const groups = text.includes(':') ? ipv6Groups(text) : null;
  return { version: groups === null ? (isIP(text) as 0 | 4 | 6) : 6, groups };
}

/** ASCII codes of the lowercase hex digits. */
export const HEX_CODES = Buffer.from('0123456789abcdef', 'latin1');
const COLON = 58;
/** Room for the longest RFC 5952 text, as ASCII bytes: eight groups of four digits and seven colons. */
const textBytes = Buffer.alloc(39);

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
  // Written as bytes and made into one flat string: no intermediate strings per group.
  if (bestStart < 0) return bytesText(writeGroups(groups, 0, 8, 0));
  let at = writeGroups(groups, 0, bestStart, 0);
  textBytes[at++] = COLON;
  textBytes[at++] = COLON;
  return bytesText(writeGroups(groups, bestStart + bestLength, 8, at));
}

/** Writes groups[from..to) as hex without leading zeros, colon-separated, into textBytes at `at`; returns the new end. */
function writeGroups(groups: readonly number[], from: number, to: number, at: number): number {
  for (let i = from; i < to; i++) {
    if (i > from) textBytes[at++] = COLON;
    const g = groups[i]!;
    if (g >= 0x1000) textBytes[at++] = HEX_CODES[g >> 12]!;
    if (g >= 0x100) textBytes[at++] = HEX_CODES[(g >> 8) & 15]!;
    if (g >= 0x10) textBytes[at++] = HEX_CODES[(g >> 4) & 15]!;
    textBytes[at++] = HEX_CODES[g & 15]!;
  }
  return at;
}

/** The first `length` bytes of textBytes as a string. */
function bytesText(length: number): string {
  return textBytes.toString('latin1', 0, length);
}
