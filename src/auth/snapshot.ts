import type { AuthCycle } from './check.js';
import type { SpfResult } from './types.js';

/** The latest authentication cycle with each pair's last definite SPF result (temperror ignored). */
export interface AuthSnapshot {
  cycle: AuthCycle;
  /** By pairKey(ip, domain); a pair that never had a definite result is absent. */
  lastDefinite: ReadonlyMap<string, SpfResult>;
}

/** The key of an (IP, domain) pair. */
export const pairKey = (ip: string, domain: string): string => `${ip} ${domain}`;

/** The snapshot after `cycle`: pairs no longer checked are dropped, a temperror keeps the previous definite result. */
export function nextSnapshot(previous: AuthSnapshot | null, cycle: AuthCycle): AuthSnapshot {
  const lastDefinite = new Map<string, SpfResult>();
  for (const p of cycle.pairs) {
    const key = pairKey(p.ip, p.domain);
    const definite = p.spf.result === 'temperror' ? previous?.lastDefinite.get(key) : p.spf.result;
    if (definite !== undefined) lastDefinite.set(key, definite);
  }
  return { cycle, lastDefinite };
}
