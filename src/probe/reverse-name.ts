import ipaddr from 'ipaddr.js';
import { ipVersion } from '../targets/ipv6-text.js';

const HEX = '0123456789abcdef';

/** The reverse-zone name of an IP address: "25.2.0.192.in-addr.arpa" or the 32 nibbles under "ip6.arpa"; throws on a non-IP. */
export function reverseName(ip: string): string {
  const { version, groups } = ipVersion(ip);
  if (version === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  if (groups !== null && !(groups[5] === 0xffff && groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0)) {
    let name = '';
    for (let i = 7; i >= 0; i--) {
      const g = groups[i]!;
      name += `${HEX[g & 15]}.${HEX[(g >> 4) & 15]}.${HEX[(g >> 8) & 15]}.${HEX[g >> 12]}.`;
    }
    return `${name}ip6.arpa`;
  }
  let addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  if (addr.kind() === 'ipv4') return `${[...addr.toByteArray()].reverse().join('.')}.in-addr.arpa`;
  const nibbles = addr.toByteArray().flatMap((b) => [(b >> 4).toString(16), (b & 15).toString(16)]);
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}
