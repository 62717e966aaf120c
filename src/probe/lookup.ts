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
 * that cannot be queried (a space, an empty or over-long label), the rest temporary. A plain function, not an
 * async one: two queries per probe, so one promise fewer each counts.
 */
function settle(query: () => Promise<string[]>): Promise<Outcome> {
  try {
    return query().then(answered, failed);
  } catch (error) {
    return Promise.resolve(failed(error));
  }
}

function answered(values: string[]): Outcome {
  return values.length > 0 ? { kind: 'answer', values } : { kind: 'nodata' };
}

function failed(error: unknown): Outcome {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOTFOUND') return { kind: 'nxdomain' };
  if (code === 'EBADNAME') return { kind: 'badname' };
  if (code === 'ENODATA') return { kind: 'nodata' };
  return { kind: 'temperror', reason: typeof code === 'string' ? code : String((error as Error).message ?? error) };
}

/** The A (IPv4) or AAAA (IPv6) lookup of one PTR name. */
async function forwardLookup(name: string, family: Family, resolver: Resolver): Promise<{ name: string; outcome: Outcome }> {
  return { name, outcome: await settle(() => (family === 'ipv4' ? resolver.resolve4(name) : resolver.resolve6(name))) };
}

/** Looks up the PTR names of a normalised ip, then A (IPv4) or AAAA (IPv6) of every checked name in parallel; never throws. */
export async function lookupTarget(ip: string, family: Family, resolver: Resolver): Promise<LookupOutcomes> {
  const name = reverseName(ip);
  const ptr = await settle(() => resolver.resolvePtr(name));
  if (ptr.kind !== 'answer') return { reverseName: name, ptr, forward: [] };
  const { names } = checkedPtrNames(ptr.values);
  const forward = names.length === 1
    ? [await forwardLookup(names[0]!, family, resolver)]
    : await Promise.all(names.map((n) => forwardLookup(n, family, resolver)));
  return { reverseName: name, ptr, forward };
}
