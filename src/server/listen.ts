import type { ListenAddress } from '../config/listen-address.js';

/** What a server listens with: host, port, and whether an IPv6 socket refuses IPv4 (mapped) connections. */
export interface ListenOptions { host: string; port: number; ipv6Only: boolean }

/** Errors of an IPv6 socket on a host without IPv6 (kernel built or booted without it). */
const NO_IPV6 = new Set(['EAFNOSUPPORT', 'EPROTONOSUPPORT', 'EADDRNOTAVAIL']);

/**
 * The ways to listen on an address, best first. ":PORT" is one dual-stack socket on "::" (IPv4 arrives as
 * IPv4-mapped IPv6; libuv clears IPV6_V6ONLY whatever the system default), then "0.0.0.0" where the host has no
 * IPv6. "0.0.0.0:PORT" is IPv4 only and "[::]:PORT" IPv6 only, as written.
 */
export function listenAttempts({ host, port }: ListenAddress): ListenOptions[] {
  if (host === null) return [{ host: '::', port, ipv6Only: false }, { host: '0.0.0.0', port, ipv6Only: false }];
  return [{ host, port, ipv6Only: host === '::' }];
}

/** Listens with the first attempt that works, moving on only when IPv6 is missing; returns the one used. */
export async function listenOn(address: ListenAddress, listen: (options: ListenOptions) => Promise<unknown>): Promise<ListenOptions> {
  const attempts = listenAttempts(address);
  for (let i = 0; ; i++) {
    const attempt = attempts[i]!;
    try {
      await listen(attempt);
      return attempt;
    } catch (err) {
      if (i === attempts.length - 1 || !NO_IPV6.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
  }
}

/** An address as HOST:PORT, IPv6 in brackets. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
