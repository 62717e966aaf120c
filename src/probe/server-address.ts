import { isIP } from 'node:net';

/** A DNS server endpoint. */
export interface ServerAddress {
  host: string;
  port: number;
}

const DEFAULT_PORT = 53;

function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : null;
}

/** Parses "HOST", "HOST:PORT" or "[IPv6]:PORT" (HOST an IPv4 or IPv6 address, never a name); null when invalid. */
export function parseServerAddress(s: string): ServerAddress | null {
  if (s.includes('%')) return null; // zone ids: setServers silently drops them
  if (isIP(s) !== 0) return { host: s, port: DEFAULT_PORT };
  const bracketed = /^\[([^\]]+)\](?::([^:]*))?$/.exec(s);
  if (bracketed) {
    const host = bracketed[1] ?? '';
    const port = bracketed[2] === undefined ? DEFAULT_PORT : parsePort(bracketed[2]);
    return isIP(host) === 6 && port !== null ? { host, port } : null;
  }
  const colon = s.lastIndexOf(':');
  if (colon < 0) return null;
  const host = s.slice(0, colon);
  const port = parsePort(s.slice(colon + 1));
  return isIP(host) === 4 && port !== null ? { host, port } : null;
}

/** Formats an endpoint as `dns.Resolver#setServers` accepts it: "1.2.3.4:53" or "[::1]:53". */
export function formatServerAddress(address: ServerAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
