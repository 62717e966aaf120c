import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { ipv6Groups } from '../targets/ipv6-text.js';

/** The reverse-zone name of an IP address: "25.2.0.192.in-addr.arpa" or the 32 nibbles under "ip6.arpa"; throws on a non-IP. */
export function reverseName(ip: string): string {
  if (isIP(ip) === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const groups = isIP(ip) === 6 ? ipv6Groups(ip) : null;
  if (groups !== null && !(groups[5] === 0xffff && groups.slice(0, 5).every((g) => g === 0))) {
    const nibbles: string[] = [];
    for (let i = 7; i >= 0; i--) {
      const g = groups[i] ?? 0;
      nibbles.push((g & 15).toString(16), ((g >> 4) & 15).toString(16), ((g >> 8) & 15).toString(16), (g >> 12).toString(16));
    }
    return `${nibbles.join('.')}.ip6.arpa`;
  }
  let addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  if (addr.kind() === 'ipv4') return `${[...addr.toByteArray()].reverse().join('.')}.in-addr.arpa`;
  const nibbles = addr.toByteArray().flatMap((b) => [(b >> 4).toString(16), (b & 15).toString(16)]);
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}
