import type { AddressKind } from '../targets/address.js';
import { isHostname } from '../targets/hostname.js';
import { notOnInternetWords } from '../targets/public-address.js';
import { MAX_PTR_NAMES } from './ptr-names.js';
import { reverseName } from './reverse-name.js';
import type { ProbeResult } from './types.js';

const NO_IPV6 = 'MDaemon Setup > Server Settings > IPv6 "accept only IPv4"; '
  + 'Postfix smtp_address_preference = ipv4 or inet_protocols = ipv4; Exim disable_ipv6 = true';

const TUNNEL: Partial<Record<AddressKind, string>> = {
  teredo: 'is a Teredo address (2001:0::/32): its PTR cannot be fixed by you. Disable Teredo on the host '
    + '(Windows: netsh interface teredo set state disabled) or stop sending mail over IPv6',
  '6to4': 'is a 6to4 address (2002::/16): its PTR cannot be fixed by you. Disable 6to4 on the host '
    + '(Windows: netsh interface 6to4 set state disabled) or stop sending mail over IPv6',
};

/** One line a mail admin can act on for a failing probe, or null when it passed. */
export function adviceFor(result: ProbeResult, kind: AddressKind): string | null {
  const { ip, status } = result;
  if (status === 'pass') return null;
  if (status === 'temperror') {
    return `The DNS check of ${ip} could not be made (${result.error ?? 'temporary error'}): check that the configured DNS servers answer, then retry.`;
  }
  const tunnel = TUNNEL[kind];
  if (tunnel) return `${ip} ${tunnel} (${NO_IPV6}).`;
  const v6 = result.family === 'ipv6';
  const rr = v6 ? 'AAAA' : 'A';
  const names = (list: string[]): string => (list.length > 1 ? `names ${list.join(', ')}` : `name ${list[0] ?? ''}`);
  const wrong = result.ptr.filter((n) => (result.forward[n] ?? []).length > 0);
  const invalid = result.ptr.filter((n) => !isHostname(n));
  const [problem, fix] = ((): [string, string] => {
    switch (status) {
      case 'no_ptr':
        return [`No PTR record for ${ip}`, `ask the owner of the reverse zone (${v6 ? 'the holder of the IPv6 prefix, usually your ISP or hosting provider' : 'your ISP or hosting provider'}) `
          + `to publish a PTR record at ${reverseName(ip)} naming a host whose ${rr} record is ${ip}.`];
      case 'no_forward':
        if (invalid.length > 0) {
          return [`The PTR ${names(invalid.map((n) => `"${n}"`))} of ${ip} ${invalid.length > 1 ? 'are not valid host names' : 'is not a valid host name'}, so it cannot be looked up`,
            `change the PTR at ${reverseName(ip)} to a host name whose ${rr} record is ${ip}.`];
        }
        return [`The PTR ${names(result.ptr)} of ${ip} ${result.ptr.length > 1 ? 'have' : 'has'} no ${rr} record`, `add "${result.ptr[0] ?? ''} ${rr} ${ip}" to its zone.`];
      case 'mismatch':
        return [`The PTR ${names(wrong.length > 0 ? wrong : result.ptr)} of ${ip} resolve${wrong.length > 1 ? '' : 's'} elsewhere`, `add ${ip} to ${rr} records, `
          + `or change the PTR at ${reverseName(ip)} to a name whose ${rr} record is ${ip}.`];
      case 'helo_mismatch':
        return [`The MTA announces HELO ${result.helo ?? ''}, but the confirmed PTR ${names(result.confirmed)} of ${ip} ${result.confirmed.length > 1 ? 'do' : 'does'} not match it`,
          `set the MTA's HELO name to ${result.confirmed[0] ?? ''} (or point the PTR and ${rr} records at ${result.helo ?? ''}).`];
    }
  })();
  const local = notOnInternetWords(kind);
  if (local) return `${problem}. ${notOnInternet(ip, local)}`;
  const line = `${problem}: ${fix}`;
  const skipped = result.ptr_skipped ?? 0;
  const more = skipped > 0
    ? ` Only ${MAX_PTR_NAMES} of its ${MAX_PTR_NAMES + skipped} PTR names were checked, as receivers check at most ${MAX_PTR_NAMES}: publish one PTR record.`
    : '';
  return v6 ? `${line}${more} Or stop sending mail over IPv6 (${NO_IPV6}).` : `${line}${more}`;
}

/** Why a failure does not matter for an address receivers never see, and what to check instead. */
function notOnInternet(ip: string, words: string): string {
  return `That does not matter to receivers: ${ip} is ${words}, which is not used on the Internet, so receiving mail servers never see it. `
    + "A mail server behind NAT sends from its router's public address: add that address under targets: in the config, or check it now with: ptr-exporter probe IP.";
}
