import { performance } from 'node:perf_hooks';
import { familyOf, normalizeIp } from '../targets/address.js';
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

/** Probes one target's forward-confirmed reverse DNS; never throws (an unparsable ip gives temperror). */
export async function probeIp(target: ProbeTarget, resolver: Resolver): Promise<ProbeResult> {
  const start = performance.now();
  const helo = target.helo !== null && target.helo.trim() !== '' ? target.helo.trim() : null;
  const normalized = normalizeIp(target.ip);
  if (!normalized) {
    return {
      ip: target.ip, family: familyOf(target.ip), status: 'temperror', iprev: 'temperror', ptr: [], forward: {},
      confirmed: [], helo, duration_seconds: 0, error: `not an IP address: ${target.ip}`,
    };
  }
  const outcomes = await lookupTarget(normalized.ip, normalized.family, resolver);
  const decided = verdict(outcomes, normalized.ip, helo);
  return { ip: normalized.ip, family: normalized.family, ...decided, helo, duration_seconds: seconds(start) };
}
