import { normalizeHostname } from '../targets/hostname.js';

/**
 * At most this many PTR names of one IP are looked up: RFC 7208 section 4.6.4 lets a receiver check only
 * 10 of them and ignore the rest, so a name beyond the tenth cannot be relied on to confirm the IP.
 */
export const MAX_PTR_NAMES = 10;

/** The PTR names that are checked (normalised, distinct, in alphabetical order, at most MAX_PTR_NAMES) and how many more were skipped. */
export function checkedPtrNames(values: readonly string[]): { names: string[]; skipped: number } {
  const all = [...new Set(values.map(normalizeHostname))].filter((n) => n !== '').sort();
  return { names: all.slice(0, MAX_PTR_NAMES), skipped: Math.max(0, all.length - MAX_PTR_NAMES) };
}
