import { promises as dns } from 'node:dns';
import type { DnsSettings } from './types.js';
import { formatServerAddress, parseServerAddress } from './server-address.js';

/** The lookups the prober needs; Node's `dns.promises.Resolver` fits it. */
export interface Resolver {
  resolvePtr(name: string): Promise<string[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  cancel(): void;
}

/**
 * Creates a c-ares resolver with the configured servers (the system's when empty), a per-query timeout and a
 * number of tries. Node 20 turns c-ares' query cache off, so every lookup reaches the server (tested in
 * test/probe-resolver.test.ts). Throws on a server address that parseServerAddress rejects (a config error).
 */
export function createResolver(settings: DnsSettings): dns.Resolver {
  const resolver = new dns.Resolver({
    timeout: Math.max(1, Math.round(settings.timeoutMs)),
    tries: Math.max(1, Math.round(settings.attempts)),
  });
  if (settings.servers.length > 0) {
    resolver.setServers(settings.servers.map((s) => {
      const parsed = parseServerAddress(s);
      if (!parsed) throw new Error(`invalid DNS server address: ${JSON.stringify(s)}`);
      return formatServerAddress(parsed);
    }));
  }
  return resolver;
}
