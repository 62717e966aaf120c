import ipaddr from 'ipaddr.js';

/** The reverse-zone name of an IP address: "25.2.0.192.in-addr.arpa" or the 32 nibbles under "ip6.arpa"; throws on a non-IP. */
export function reverseName(ip: string): string {
  let addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  if (addr.kind() === 'ipv4') return `${[...addr.toByteArray()].reverse().join('.')}.in-addr.arpa`;
  const nibbles = addr.toByteArray().flatMap((b) => [(b >> 4).toString(16), (b & 15).toString(16)]);
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}
