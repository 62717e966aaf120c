/**
 * IPv6 text without ipaddr.js, for the hot paths (every probe, every forward answer): the eight 16-bit
 * groups of a hex-only address (RFC 4291 section 2.2 forms 1 and 2, no embedded IPv4, no zone id), and the
 * RFC 5952 text of eight groups. Callers check the text with net.isIP first.
 */

/** The eight groups of a valid IPv6 text made of hex groups and at most one "::"; null for any other form. */
export function ipv6Groups(text: string): number[] | null {
  if (text.includes('.') || text.includes('%')) return null;
  const gap = text.indexOf('::');
  const head = gap < 0 ? text : text.slice(0, gap);
  const tail = gap < 0 ? '' : text.slice(gap + 2);
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  if (gap < 0 ? missing !== 0 : missing < 1) return null;
  const groups: number[] = [];
  for (const g of left) groups.push(Number.parseInt(g, 16));
  for (let i = 0; i < missing; i++) groups.push(0);
  for (const g of right) groups.push(Number.parseInt(g, 16));
  return groups.every((g) => g >= 0 && g <= 0xffff) ? groups : null;
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
  const hex = (from: number, to: number): string => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}
