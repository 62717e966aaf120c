import { normalizeIp, type NormalizedIp } from '../targets/address.js';

const CACHE_SIZE = 1024;
const cache = new Map<string, NormalizedIp | null>();

/**
 * normalizeIp with a small memo: logs name the same few remote and sending addresses over and
 * over, and parsing them is the costliest step per rejection. The memo is cleared when full.
 */
export function normalizeIpCached(text: string): NormalizedIp | null {
  let v = cache.get(text);
  if (v !== undefined) return v;
  v = normalizeIp(text);
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(text, v);
  return v;
}
