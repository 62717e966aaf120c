import { isRoutableKind, type AddressKind } from './address.js';
import type { TargetSource } from './target.js';

/** What an address kind is, in words, for the kinds receivers never see. */
const NOT_ON_INTERNET: Partial<Record<AddressKind, string>> = {
  private: 'a private address (RFC 1918)',
  ula: 'a unique local IPv6 address (fc00::/7, RFC 4193)',
  cgnat: "a carrier-grade NAT address (100.64.0.0/10, RFC 6598), shared inside the provider's network",
  loopback: 'a loopback address',
  link_local: 'a link-local address',
  documentation: 'a documentation address (RFC 5737, RFC 3849, RFC 9637)',
  reserved: 'a reserved address',
};

/** The kind in words ("a private address (RFC 1918)"), or null for kinds used on the Internet (global, Teredo, 6to4). */
export function notOnInternetWords(kind: AddressKind): string | null {
  return isRoutableKind(kind) ? null : (NOT_ON_INTERNET[kind] ?? null);
}

/** The part of a target this verdict reads. */
export interface SourcedKind { ip: string; source: TargetSource; kind: AddressKind }

/**
 * True when discovery (interfaces, egress) found addresses but none of them is used on the Internet
 * and no target is configured or learned from a log: the host is behind NAT (or has no public address
 * yet), so nothing is probed and the operator must name the public sending address.
 */
export function noPublicAddress(targets: readonly SourcedKind[]): boolean {
  if (targets.length === 0) return false;
  return targets.every((t) => (t.source === 'interface' || t.source === 'egress') && !isRoutableKind(t.kind));
}

/** The example in the fix text: a documentation address (RFC 5737) standing for the router's public one. */
export const EXAMPLE_PUBLIC_IP = '203.0.113.25';

/** The config snippet that names the public sending address. */
export const TARGETS_SNIPPET = `targets:\n  - ip: ${EXAMPLE_PUBLIC_IP}`;

/** The found addresses as "IP (kind)", at most `max` of them, then "and N more". */
export function describeAddresses(targets: readonly SourcedKind[], max = 8): string {
  const shown = targets.slice(0, max).map((t) => `${t.ip} (${t.kind})`);
  const more = targets.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}
