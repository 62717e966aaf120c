import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { formatIpv6, ipVersion, isMappedGroups } from './ipv6-text.js';

/** Address family label used in metrics. */
export type Family = 'ipv4' | 'ipv6';

/** What kind of address a target is; only some kinds are reachable from the Internet. */
export type AddressKind =
  | 'global' | 'teredo' | '6to4' | 'ula' | 'private' | 'cgnat'
  | 'link_local' | 'loopback' | 'documentation' | 'reserved';

/** A normalised address: IPv4-mapped IPv6 becomes IPv4, IPv6 is lowercase and compressed (RFC 5952). */
export interface NormalizedIp { ip: string; family: Family }

const DOCUMENTATION = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32', '3fff::/20']
  .map((c) => ipaddr.parseCIDR(c));

/**
 * The zone id of a scoped IPv6 address ("eth0" in "fe80::1%eth0", RFC 4007 section 11), or null when there is none.
 * A zone id names an interface of this host; DNS knows nothing about it, so no verdict can be made about it.
 */
export function zoneIdOf(text: string): string | null {
  const s = text.trim();
  const at = s.indexOf('%');
  return at > 0 && isIP(s) === 6 ? s.slice(at + 1) : null;
}

/** Why an address with a zone id is refused, for error messages. */
export function zoneIdProblem(zone: string): string {
  return `has an IPv6 zone id (%${zone}), which names a local interface and means nothing to DNS: give the address without it`;
}

/** Normalises an IP address string, or returns null when it is not a valid IP (addresses with a zone id are not). */
export function normalizeIp(text: string): NormalizedIp | null {
  const s = text.trim();
  const { version, groups } = ipVersion(s);
  if (version === 0 || s.includes('%')) return null;
  // net.isIP accepts IPv4 only in dotted decimal without leading zeros, which is already the normal form.
  if (version === 4) return { ip: s, family: 'ipv4' };
  if (groups !== null) {
    if (!isMappedGroups(groups)) return { ip: formatIpv6(groups), family: 'ipv6' };
    const hi = groups[6]!;
    const lo = groups[7]!;
    return { ip: [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.'), family: 'ipv4' };
  }
  let addr = ipaddr.parse(s);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
  }
  return { ip: addr.toString(), family: addr.kind() === 'ipv4' ? 'ipv4' : 'ipv6' };
}

/** Family of an already normalised address. */
export function familyOf(ip: string): Family {
  return ip.includes(':') ? 'ipv6' : 'ipv4';
}

/** Parses an IP text into ipaddr.js's object; plain IPv4 and hex-only IPv6 skip its slower text parser. */
function parseAddress(ip: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const { version, groups } = ipVersion(ip);
  if (groups !== null) return new ipaddr.IPv6(groups);
  return version === 4 ? new ipaddr.IPv4(ip.split('.').map(Number)) : ipaddr.parse(ip);
}

/** Classifies an address into the kinds shown in ptr_target_info. */
export function addressKind(ip: string): AddressKind {
  const addr = parseAddress(ip);
  if (DOCUMENTATION.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits))) return 'documentation';
  switch (addr.range()) {
    case 'unicast': return 'global';
    case 'teredo': return 'teredo';
    case '6to4': return '6to4';
    case 'uniqueLocal': return 'ula';
    case 'private': return 'private';
    case 'carrierGradeNat': return 'cgnat';
    case 'linkLocal': return 'link_local';
    case 'loopback': return 'loopback';
    default: return 'reserved';
  }
}

/** Kinds whose reverse DNS matters to a receiving mail server: they are globally routable. */
export function isRoutableKind(kind: AddressKind): boolean {
  return kind === 'global' || kind === 'teredo' || kind === '6to4';
}

/** True when the normalised ip lies in one of the CIDR networks. */
export function inNetworks(ip: string, networks: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][]): boolean {
  const addr = parseAddress(ip);
  return networks.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
}
