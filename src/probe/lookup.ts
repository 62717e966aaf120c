import type { Family } from '../targets/address.js';
import { checkedPtrNames } from './ptr-names.js';
import type { Resolver } from './resolver.js';
import { reverseName } from './reverse-name.js';

/** The raw outcome of one DNS query, as a value. */
export type Outcome =
  | { kind: 'answer'; values: string[] }
  | { kind: 'nodata' }
  | { kind: 'nxdomain' }
  | { kind: 'badname' }
  | { kind: 'temperror'; reason: string };

/** Everything the verdict needs: the PTR lookup and one A/AAAA lookup per checked PTR name (see checkedPtrNames). */
export interface LookupOutcomes {
  reverseName: string;
  ptr: Outcome;
  forward: { name: string; outcome: Outcome }[];
}

/**
 * Runs one query and turns its rejection into an outcome: ENOTFOUND = NXDOMAIN, ENODATA = NODATA, EBADNAME = a name
 * that cannot be queried (a space, an empty or over-long label), the rest temporary.
 */
async function settle(query: () => Promise<string[]>): Promise<Outcome> {
  try {
    const values = await query();
    return values.length > 0 ? { kind: 'answer', values } : { kind: 'nodata' };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOTFOUND') return { kind: 'nxdomain' };
    if (code === 'EBADNAME') return { kind: 'badname' };
    if (code === 'ENODATA') return { kind: 'nodata' };
    return { kind: 'temperror', reason: typeof code === 'string' ? code : String((error as Error).message ?? error) };
  }
}

/** Looks up the PTR names of a normalised ip, then A (IPv4) or AAAA (IPv6) of every checked name in parallel; never throws. */
export async function lookupTarget(ip: string, family: Family, resolver: Resolver): Promise<LookupOutcomes> {
  const name = reverseName(ip);
  const ptr = await settle(() => resolver.resolvePtr(name));
  if (ptr.kind !== 'answer') return { reverseName: name, ptr, forward: [] };
  const { names } = checkedPtrNames(ptr.values);
  const one = async (n: string): Promise<{ name: string; outcome: Outcome }> => ({
    name: n,
    outcome: await settle(() => (family === 'ipv4' ? resolver.resolve4(n) : resolver.resolve6(n))),
  });
  const forward = names.length === 1 ? [await one(names[0]!)] : await Promise.all(names.map(one));
  return { reverseName: name, ptr, forward };
}
