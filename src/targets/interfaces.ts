import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { normalizeIp } from './address.js';

/** The addresses of this host's interfaces (loopback and link-local included; kinds decide what is probed). */
export function interfaceAddresses(ifaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string[] {
  const out = new Set<string>();
  for (const list of Object.values(ifaces)) {
    for (const info of list ?? []) {
      const n = normalizeIp(info.address.split('%')[0]!);
      if (n) out.add(n.ip);
    }
  }
  return [...out];
}
