import ipaddr from 'ipaddr.js';
import { HEX_CODES, ipVersion, isMappedGroups } from '../targets/ipv6-text.js';

/** 32 nibbles, each followed by a dot, then "ip6.arpa", as ASCII bytes; the nibbles are written per call. */
const nameBytes = Buffer.from(`${'0.'.repeat(32)}ip6.arpa`, 'latin1');

/** The reverse-zone name of an IP address: "25.2.0.192.in-addr.arpa" or the 32 nibbles under "ip6.arpa"; throws on a non-IP. */
export function reverseName(ip: string): string {
  const { version, groups } = ipVersion(ip);
  if (version === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  if (groups !== null && !isMappedGroups(groups)) {
    // One flat string from bytes: a concatenation would build 60 intermediate strings, flattened again when sent.
    for (let i = 7, at = 0; i >= 0; i--, at += 8) {
      const g = groups[i]!;
      nameBytes[at] = HEX_CODES[g & 15]!;
      nameBytes[at + 2] = HEX_CODES[(g >> 4) & 15]!;
      nameBytes[at + 4] = HEX_CODES[(g >> 8) & 15]!;
      nameBytes[at + 6] = HEX_CODES[g >> 12]!;
    }
    return nameBytes.toString('latin1');
  }
  let addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  if (addr.kind() === 'ipv4') return `${[...addr.toByteArray()].reverse().join('.')}.in-addr.arpa`;
  const nibbles = addr.toByteArray().flatMap((b) => [(b >> 4).toString(16), (b & 15).toString(16)]);
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}
