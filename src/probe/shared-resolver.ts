import { createResolver, type Resolver } from './resolver.js';
import type { DnsSettings } from './types.js';

/**
 * Hands out one resolver per DNS settings (servers, timeout, attempts), kept until the settings change:
 * its queries share one socket per server, so requests do not open their own. A replaced resolver is left to finish its queries.
 */
export class SharedResolver {
  private key = '';
  private resolver: Resolver | null = null;

  /** The resolver for these settings; throws like createResolver on a bad server address. */
  get(settings: DnsSettings): Resolver {
    const key = JSON.stringify([settings.servers, settings.timeoutMs, settings.attempts]);
    if (this.resolver === null || key !== this.key) {
      this.resolver = createResolver(settings);
      this.key = key;
    }
    return this.resolver;
  }
}
