import ipaddr from 'ipaddr.js';
import type { Family } from '../targets/address.js';
import type { DkimCheck, SpfCheck } from './types.js';

/** The SPF mechanism that authorises a sending address: its /64 for IPv6 (one host's usual prefix), else the address. */
export function mechanismFor(ip: string, family: Family): string {
  if (family === 'ipv4') return `ip4:${ip}`;
  const bytes = ipaddr.parse(ip).toByteArray().map((b, i) => (i < 8 ? b : 0));
  return `ip6:${ipaddr.fromByteArray(bytes).toString()}/64`;
}

/** The terms of an SPF record after "v=spf1", each with its 1-based character position. */
function terms(record: string): { term: string; position: number }[] {
  const out: { term: string; position: number }[] = [];
  for (const m of record.matchAll(/\S+/g)) out.push({ term: m[0], position: (m.index ?? 0) + 1 });
  return out.slice(1);
}

const mechanismName = (term: string): string => term.replace(/^[+?~-]/, '').split(/[:/=]/)[0]?.toLowerCase() ?? '';

/** True when the record authorises addresses only through ip4: terms (no ip6, a, mx, ptr, exists, include, redirect). */
export function listsOnlyIpv4(record: string): boolean {
  const names = terms(record).map((t) => mechanismName(t.term));
  return names.includes('ip4') && names.every((n) => n === 'ip4' || n === 'all' || n === 'exp');
}

/** The record with `mechanism` added before its "all" term or redirect (else at the end). */
export function withMechanism(record: string, mechanism: string): string {
  const words = record.trim().split(/\s+/);
  const at = words.findIndex((w, i) => i > 0 && /^([+?~-]?all|redirect=.*)$/i.test(w));
  words.splice(at < 0 ? words.length : at, 0, mechanism);
  return words.join(' ');
}

/** Why a record is a permerror, in words a mail admin can act on. */
function permerrorCause(domain: string, spf: SpfCheck): string {
  const error = spf.error ?? '';
  if (/multiple SPF records/i.test(error)) {
    return `${domain} publishes more than one TXT record starting with "v=spf1" (RFC 7208 section 4.5): merge them into one record`;
  }
  if (/too many DNS requests/i.test(error)) {
    return `the SPF record of ${domain} needs more than 10 DNS lookups (RFC 7208 section 4.6.4; an include loop does this too): `
      + 'remove includes that loop or are not needed, or replace a, mx and include terms with ip4:/ip6: ranges';
  }
  if (/too many void/i.test(error)) {
    return `more than 2 lookups of the SPF record of ${domain} found no record (RFC 7208 section 4.6.4): remove the terms that name nothing`;
  }
  const needle = /(?:mechanism|modifier|definition:|target)\s+(\S+)$/i.exec(error)?.[1];
  const hit = needle && spf.record ? terms(spf.record).find((t) => t.term.toLowerCase().includes(needle.toLowerCase())) : undefined;
  const where = hit ? ` at position ${hit.position} ("${hit.term}")` : '';
  return `the SPF record of ${domain} has a syntax error${where}: ${error || 'permanent error'}; fix it (RFC 7208 section 4.6.1)`;
}

/**
 * One line of advice for an SPF result of `ip` sending for `domain`, or null when it passed. For fail, softfail and
 * neutral it names the record and the mechanism to add; for none it proposes a minimal record; for permerror it names
 * the cause; temperror is a DNS problem, never an SPF failure.
 */
export function spfAdvice(ip: string, family: Family, domain: string, spf: SpfCheck): string | null {
  const mechanism = mechanismFor(ip, family);
  switch (spf.result) {
    case 'pass':
      return null;
    case 'temperror':
      return `The SPF check of ${domain} for ${ip} could not be made (${spf.error ?? 'temporary DNS error'}): check that the configured DNS servers answer; this is not an SPF failure.`;
    case 'none':
      return `${domain} publishes no SPF record, so ${ip} cannot pass SPF: publish the TXT record "v=spf1 ${mechanism} ~all" at ${domain} (with your other sending addresses).`;
    case 'permerror':
      return `SPF of ${domain} is a permerror for every sender: ${permerrorCause(domain, spf)}.`;
    default: {
      const record = spf.record ?? '';
      const fixed = record ? ` (the record becomes "${withMechanism(record, mechanism)}")` : '';
      if (family === 'ipv6' && listsOnlyIpv4(record)) {
        return `${ip} sends for ${domain}, whose SPF record lists only IPv4: add ${mechanism}${fixed}.`;
      }
      return `${ip} sends for ${domain}, whose SPF record "${record}" gives ${spf.result} for it: add ${mechanism}${fixed}.`;
    }
  }
}

/** One line of advice for a DKIM key record that is not valid, or null when it is. */
export function dkimAdvice(domain: string, dkim: DkimCheck): string | null {
  const name = `${dkim.selector}._domainkey.${domain}`;
  switch (dkim.status) {
    case 'valid':
      return null;
    case 'missing':
      return `No DKIM key at ${name}: publish the public key of the selector the MTA signs with (or list the selector it really uses).`;
    case 'revoked':
      return `The DKIM key at ${name} is revoked (empty p=): sign with a current key and list its selector instead.`;
    case 'weak':
      return `The DKIM key at ${name} has ${dkim.bits ?? '?'} bits; Gmail requires at least 1024: create a 2048-bit key, publish it under a new selector and sign with it.`;
    case 'invalid':
      return `The DKIM key record at ${name} does not parse (${dkim.error ?? 'invalid'}): republish it as "v=DKIM1; k=rsa; p=<base64 public key>".`;
    case 'temperror':
      return `The DKIM key at ${name} could not be checked (${dkim.error ?? 'temporary DNS error'}): check that the configured DNS servers answer.`;
  }
}
