import { authEntries } from '../auth/check.js';
import { pairKey, type AuthSnapshot } from '../auth/snapshot.js';
import type { AuthEntry, SpfResult } from '../auth/types.js';
import type { Target } from '../targets/target.js';

/** One (IP, domain) pair in /api/v1/status "auth": the `probe --json` entry plus the target and the last definite SPF result. */
export interface AuthStatus extends AuthEntry {
  ip: string;
  family: Target['family'];
  source: Target['source'];
  kind: Target['kind'];
  spf_last_definite: SpfResult | null;
}

/** The pairs of the latest snapshot, in target order then domain order; [] before the first cycle. */
export function authStatus(snapshot: AuthSnapshot | null, targets: readonly Target[]): AuthStatus[] {
  if (snapshot === null) return [];
  return targets.flatMap((t) => authEntries(t.ip, snapshot.cycle).map((e) => ({
    ip: t.ip,
    family: t.family,
    source: t.source,
    kind: t.kind,
    ...e,
    spf_last_definite: snapshot.lastDefinite.get(pairKey(t.ip, e.domain)) ?? null,
  })));
}
