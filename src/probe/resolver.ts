import { promises as dns } from 'node:dns';
import { DnsClient } from './dns-client.js';
import type { DnsSettings } from './types.js';
import { formatServerAddress, parseServerAddress, type ServerAddress } from './server-address.js';

/** The lookups the prober needs. */
export interface Resolver {
  resolvePtr(name: string): Promise<string[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  cancel(): void;
}

/**
 * The resolver of one set of DNS settings: PTR, A and AAAA (every probe) through DnsClient, the other record
 * types (SPF, DKIM, DMARC) through Node's c-ares resolver, both on the same servers, timeout and tries.
 */
export class ProbeResolver implements Resolver {
  private readonly client: DnsClient;

  constructor(private readonly cares: dns.Resolver, timeoutMs: number, attempts: number) {
    this.client = new DnsClient(serverAddresses(cares.getServers()), timeoutMs, attempts);
  }

  resolvePtr(name: string): Promise<string[]> {
    return this.client.query(name, 'PTR');
  }

  resolve4(name: string): Promise<string[]> {
    return this.client.query(name, 'A');
  }

  resolve6(name: string): Promise<string[]> {
    return this.client.query(name, 'AAAA');
  }

  /** Any other record type (TXT, MX for SPF, DKIM, DMARC), with `dns.promises.Resolver#resolve`'s answer shapes. */
  resolve(name: string, type: string): Promise<unknown> {
    return this.cares.resolve(name, type as 'A');
  }

  /** The servers as `dns.Resolver#getServers` lists them. */
  getServers(): string[] {
    return this.cares.getServers();
  }

  /** Ends every query in flight (ECANCELLED). */
  cancel(): void {
    this.client.cancel();
    this.cares.cancel();
  }
}

/**
 * Creates the resolver for the configured servers (the system's when empty), with a per-query timeout and a
 * number of tries. Node 20 turns c-ares' query cache off and DnsClient has none, so every lookup reaches the
 * server (tested in test/probe-resolver.test.ts). Throws on a server address that parseServerAddress rejects
 * (a config error).
 */
export function createResolver(settings: DnsSettings): ProbeResolver {
  const timeoutMs = Math.max(1, Math.round(settings.timeoutMs));
  const attempts = Math.max(1, Math.round(settings.attempts));
  const cares = new dns.Resolver({ timeout: timeoutMs, tries: attempts });
  if (settings.servers.length > 0) {
    cares.setServers(settings.servers.map((s) => {
      const parsed = parseServerAddress(s);
      if (!parsed) throw new Error(`invalid DNS server address: ${JSON.stringify(s)}`);
      return formatServerAddress(parsed);
    }));
  }
  return new ProbeResolver(cares, timeoutMs, attempts);
}

/** The endpoints of getServers()' list ("1.2.3.4", "1.2.3.4:5353", "[::1]:53"); entries it cannot read are left out. */
function serverAddresses(servers: readonly string[]): ServerAddress[] {
  return servers.map(parseServerAddress).filter((s): s is ServerAddress => s !== null);
}
