import { performance } from 'node:perf_hooks';
import { familyOf, normalizeIp, zoneIdOf } from '../targets/address.js';
import { lookupTarget } from './lookup.js';
import type { Resolver } from './resolver.js';
import type { ProbeResult } from './types.js';
import { verdict } from './verdict.js';

/** A sending IP to check, with the HELO name its MTA announces (null when not configured). */
export interface ProbeTarget {
  ip: string;
  helo: string | null;
}

const seconds = (start: number): number => Math.round((performance.now() - start) * 1000) / 1e6;

/** Probes one target's forward-confirmed reverse DNS; never throws (an unparsable ip, or one with a zone id, gives temperror without a lookup). */
export async function probeIp(target: ProbeTarget, resolver: Resolver): Promise<ProbeResult> {
  const start = performance.now();
  const helo = target.helo !== null && target.helo.trim() !== '' ? target.helo.trim() : null;
  const normalized = normalizeIp(target.ip);
  if (!normalized) {
    const zone = zoneIdOf(target.ip);
    return {
      ip: target.ip, family: familyOf(target.ip), status: 'temperror', iprev: 'temperror', ptr: [], forward: {},
      confirmed: [], helo, duration_seconds: 0,
      error: zone === null ? `not an IP address: ${target.ip}` : `${target.ip} has an IPv6 zone id (%${zone}), which means nothing to DNS: not checked`,
    };
  }
  const outcomes = await lookupTarget(normalized.ip, normalized.family, resolver);
  const decided = verdict(outcomes, normalized.ip, helo);
  // The target's own string when they are equal: a kept result then holds no second copy of it.
  return { ip: normalized.ip === target.ip ? target.ip : normalized.ip, family: normalized.family, ...decided, helo, duration_seconds: seconds(start) };
}
