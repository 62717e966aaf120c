import { runAuthChecks } from '../auth/check.js';
import { type RecordResolver, cachedLookup } from '../auth/dns.js';
import { nextSnapshot, type AuthSnapshot } from '../auth/snapshot.js';
import type { AuthDomain, AuthTarget } from '../auth/types.js';
import type { Logger } from '../logger.js';

/** What one authentication cycle needs from the config. */
export interface AuthSettings { domains: readonly AuthDomain[]; maxPairs: number; concurrency: number }

/** Runs the SPF, DKIM and DMARC checks once per probe cycle with a fresh lookup cache; keeps the latest snapshot. */
export class AuthRunner {
  private snapshot: AuthSnapshot | null = null;

  constructor(private readonly logger: Logger) {}

  /** The latest snapshot, null before the first cycle. */
  latest(): AuthSnapshot | null {
    return this.snapshot;
  }

  /** Checks the probed targets against the configured domains; rejects only on abort. */
  async run(targets: readonly AuthTarget[], settings: AuthSettings, resolver: RecordResolver, signal: AbortSignal): Promise<AuthSnapshot> {
    const cache = cachedLookup(resolver);
    const cycle = await runAuthChecks(targets, settings.domains, cache.lookup, { maxPairs: settings.maxPairs, concurrency: settings.concurrency, signal });
    if (cycle.skipped > 0) this.logger.warn('(IP, domain) pairs beyond limits.max_auth_pairs are not checked', { skipped: cycle.skipped });
    this.logger.debug('auth checks done', { pairs: cycle.pairs.length, domains: cycle.domains.length, queries: cache.queries() });
    this.snapshot = nextSnapshot(this.snapshot, cycle);
    return this.snapshot;
  }
}
