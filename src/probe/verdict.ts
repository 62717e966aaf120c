import { normalizeIp } from '../targets/address.js';
import { normalizeHostname } from '../targets/hostname.js';
import type { LookupOutcomes, Outcome } from './lookup.js';
import { checkedPtrNames, MAX_PTR_NAMES } from './ptr-names.js';
import type { Iprev, ProbeResult, ProbeStatus } from './types.js';

/** The fields of a ProbeResult that the DNS answers decide. */
export type Verdict = Pick<ProbeResult, 'status' | 'iprev' | 'ptr' | 'forward' | 'confirmed' | 'error' | 'ptr_skipped'>;

/** RFC 8601 iprev result of each status. */
export const IPREV: Record<ProbeStatus, Iprev> = {
  pass: 'pass',
  no_ptr: 'permerror',
  no_forward: 'fail',
  mismatch: 'fail',
  helo_mismatch: 'fail',
  temperror: 'temperror',
};

/** The normalised, distinct, sorted addresses the forward lookups answered (an answer equal to target is already normal). */
function forwardAddresses(found: readonly Outcome[], target: string): string[] {
  const addresses = new Set<string>();
  for (const o of found) {
    if (o.kind !== 'answer') continue;
    for (const a of o.values) {
      const ip = a === target ? a : normalizeIp(a)?.ip;
      if (ip !== undefined) addresses.add(ip);
    }
  }
  return addresses.size > 1 ? [...addresses].sort() : [...addresses];
}

/**
 * Decides the probe status from the raw lookup outcomes of a target ip, written as normalizeIp writes it
 * (forward-confirmed reverse DNS, RFC 8601 section 3 "iprev"). Only the names checkedPtrNames picks count;
 * more are reported in ptr_skipped.
 * With several PTR names the ip passes when at least one name resolves back to it; forward addresses are
 * compared after normalizeIp, so "::ffff:", uppercase or uncompressed forms match. A temporary error on the
 * PTR lookup is temperror; on a forward lookup it is temperror only when no other name confirms (one
 * confirmed name is enough to pass). NXDOMAIN and NODATA on the PTR are no_ptr; names whose forward
 * lookups all give NXDOMAIN/NODATA are no_forward; names that resolve, but never to the ip, are mismatch.
 * helo (case-insensitive, trailing dot ignored) is compared with the CONFIRMED names only: FCrDNS passing
 * with no confirmed name equal to helo is helo_mismatch.
 */
export function verdict(outcomes: LookupOutcomes, target: string, helo: string | null): Verdict {
  const rrType = target.includes(':') ? 'AAAA' : 'A';
  const { ptr } = outcomes;
  const { names, skipped } = ptr.kind === 'answer' ? checkedPtrNames(ptr.values) : { names: [], skipped: 0 };
  const more = skipped > 0 ? `; ${skipped} more PTR ${skipped === 1 ? 'name' : 'names'} not checked (at most ${MAX_PTR_NAMES} are, in alphabetical order)` : '';
  const result = (status: ProbeStatus, error: string | null, ptrNames: string[] = [], forward: Record<string, string[]> = {}, confirmed: string[] = []): Verdict => ({
    status, iprev: IPREV[status], ptr: ptrNames, forward, confirmed,
    error: error === null ? null : `${error}${more}`, ...(skipped > 0 ? { ptr_skipped: skipped } : {}),
  });

  if (ptr.kind === 'temperror') return result('temperror', `PTR lookup of ${outcomes.reverseName} failed: ${ptr.reason}`);
  if (names.length === 0) return result('no_ptr', `no PTR record for ${outcomes.reverseName} (${ptr.kind === 'nxdomain' ? 'NXDOMAIN' : ptr.kind === 'badname' ? 'the name cannot be queried' : 'NODATA'})`);

  const byName = new Map<string, Outcome[]>();
  for (const { name, outcome } of outcomes.forward) {
    const key = normalizeHostname(name);
    const list = byName.get(key);
    if (list) list.push(outcome);
    else byName.set(key, [outcome]);
  }
  // Keyed by PTR names, which differ per target: a null-prototype object is a dictionary from the start, so V8
  // does not create (and keep) a hidden class for each new name.
  const forward = Object.create(null) as Record<string, string[]>;
  const confirmed: string[] = [];
  const elsewhere: string[] = [];
  const failed: { name: string; reason: string }[] = [];
  const badNames: string[] = [];
  for (const name of names) {
    const found = byName.get(name) ?? [];
    const addresses = forwardAddresses(found, target);
    forward[name] = addresses;
    if (addresses.includes(target)) confirmed.push(name);
    else if (addresses.length > 0) elsewhere.push(name);
    else {
      const temp = found.find((o) => o.kind === 'temperror');
      if (temp) failed.push({ name, reason: temp.reason });
      else if (found.length === 0) failed.push({ name, reason: 'not looked up' });
      else if (found.some((o) => o.kind === 'badname')) badNames.push(name);
    }
  }

  if (confirmed.length > 0) {
    // The results are kept until the next probe: copies of exact length, not the pushed arrays with spare room.
    const wanted = helo === null ? '' : normalizeHostname(helo);
    if (wanted !== '' && !confirmed.includes(wanted)) {
      return result('helo_mismatch', `HELO ${helo} is not a confirmed PTR name (confirmed: ${confirmed.join(', ')})`, names, forward, confirmed.slice());
    }
    return result('pass', null, names, forward, confirmed.slice());
  }
  const first = failed[0];
  if (first) return result('temperror', `${rrType} lookup of ${first.name} failed: ${first.reason}`, names, forward);
  if (elsewhere.length > 0) {
    const where = elsewhere.map((n) => `${n} resolves to ${(forward[n] ?? []).join(', ')}`).join('; ');
    return result('mismatch', `PTR name ${where}, not ${target}`, names, forward);
  }
  const missing = names.filter((n) => !badNames.includes(n));
  const why = [
    ...badNames.map((n) => `PTR name "${n}" is not a valid host name, so it cannot be looked up`),
    ...(missing.length > 0 ? [`PTR name ${missing.join(', ')} has no ${rrType} record`] : []),
  ];
  return result('no_forward', why.join('; '), names, forward);
}
