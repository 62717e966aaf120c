import { mapConcurrent } from '../probe/pool.js';
import type { Family } from '../targets/address.js';
import { spfAdvice } from './advice.js';
import type { Lookup } from './dns.js';
import { checkDkim, checkDmarc } from './key-records.js';
import { checkSpf } from './spf.js';
import type { AuthDomain, AuthEntry, AuthTarget, DkimCheck, DmarcCheck, SpfCheck } from './types.js';

/** SPF of one (IP, domain) pair. */
export interface SpfPair {
  ip: string;
  family: Family;
  domain: string;
  spf: SpfCheck;
  ready: boolean;
}

/** The DKIM keys and DMARC record of one domain. */
export interface DomainKeys {
  domain: string;
  dkim: DkimCheck[];
  dmarc: DmarcCheck;
}

/** One cycle's authentication results; `skipped` pairs exceeded the limit and were not checked. */
export interface AuthCycle {
  pairs: SpfPair[];
  domains: DomainKeys[];
  skipped: number;
}

export interface AuthCheckOptions {
  /** (IP, domain) pairs checked at most; the rest are counted in `skipped`. */
  maxPairs: number;
  /** Pairs in flight at once. */
  concurrency: number;
  signal?: AbortSignal;
}

/** Gmail's rule on the DNS side: FCrDNS passes and SPF passes or the domain has a valid DKIM key. */
export function isReady(fcrdnsPass: boolean, spf: SpfCheck, dkim: readonly DkimCheck[]): boolean {
  return fcrdnsPass && (spf.result === 'pass' || dkim.some((d) => d.status === 'valid'));
}

/**
 * Checks every domain's DKIM keys and DMARC record once, then SPF for each (target, domain) pair up to maxPairs, in
 * target order. `lookup` should be one cycle's cache (cachedLookup) so each record is fetched once. Never throws
 * except on abort.
 */
export async function runAuthChecks(targets: readonly AuthTarget[], domains: readonly AuthDomain[], lookup: Lookup, options: AuthCheckOptions): Promise<AuthCycle> {
  if (domains.length === 0) return { pairs: [], domains: [], skipped: 0 };
  const keys = await mapConcurrent(domains, options.concurrency, async (d): Promise<DomainKeys> => ({
    domain: d.name,
    dkim: await Promise.all(d.dkimSelectors.map((s) => checkDkim(d.name, s, lookup))),
    dmarc: await checkDmarc(d.name, lookup),
  }), options.signal);
  const byDomain = new Map(keys.map((k) => [k.domain, k]));
  const all = targets.flatMap((t) => domains.map((d) => ({ target: t, domain: d.name })));
  const chosen = all.slice(0, Math.max(0, options.maxPairs));
  const pairs = await mapConcurrent(chosen, options.concurrency, async ({ target, domain }): Promise<SpfPair> => {
    const spf = await checkSpf(target.ip, domain, lookup);
    return { ip: target.ip, family: target.family, domain, spf, ready: isReady(target.fcrdnsPass, spf, byDomain.get(domain)?.dkim ?? []) };
  }, options.signal);
  return { pairs, domains: keys, skipped: all.length - chosen.length };
}

/** The "auth" array of one IP for `probe --json`: one entry per domain checked for it. */
export function authEntries(ip: string, cycle: AuthCycle): AuthEntry[] {
  const keys = new Map(cycle.domains.map((k) => [k.domain, k]));
  return cycle.pairs.filter((p) => p.ip === ip).map((p) => {
    const k = keys.get(p.domain);
    return {
      domain: p.domain,
      spf: p.spf,
      dkim: k?.dkim ?? [],
      dmarc: k?.dmarc ?? { status: 'missing', policy: null, record: null, error: null },
      ready: p.ready,
      advice: spfAdvice(p.ip, p.family, p.domain, p.spf),
    };
  });
}
