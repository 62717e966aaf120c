import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { normalizeIp } from './address.js';

/**
 * The source address the kernel picks to reach a destination: a UDP socket is connected (which
 * only chooses a route; nothing is sent) and its local address read. No route gives null.
 */
export function egressAddress(destination: string, port = 53): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = createSocket(isIP(destination) === 6 ? 'udp6' : 'udp4');
    const done = (ip: string | null): void => {
      socket.close();
      resolve(ip);
    };
    socket.on('error', () => done(null));
    try {
      socket.connect(port, destination, () => {
        const local = normalizeIp(socket.address().address);
        done(local && local.ip !== '0.0.0.0' && local.ip !== '::' ? local.ip : null);
      });
    } catch {
      done(null);
    }
  });
}

/** Egress source addresses for several destinations, deduplicated. */
export async function egressAddresses(destinations: readonly string[]): Promise<string[]> {
  const found = await Promise.all(destinations.map((d) => egressAddress(d)));
  return [...new Set(found.filter((ip): ip is string => ip !== null))];
}
