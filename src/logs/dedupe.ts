import type { DeliveryEvent } from './types.js';

/** Keys remembered at most; per-recipient copies are written back to back, so a short memory suffices. */
export const DEDUPE_MAX_KEYS = 4096;
/** Keys older than this many seconds (behind the newest event) are forgotten. */
export const DEDUPE_WINDOW_SECONDS = 5;

/** Decides whether a delivery event is a new rejection or only repeats one. */
export interface Deduper {
  /** True when the event counts: not a replay and not a per-recipient copy of a reply already counted. */
  accept(ev: DeliveryEvent): boolean;
}

/**
 * Replays are never counted. Copies of one reply (same queue id, remote host and IP, reply codes
 * and text, same second) count once. Events without a queue id are always counted, and so is each
 * per-MX attempt line, since those differ in host or IP. Memory is bounded by DEDUPE_MAX_KEYS;
 * the text is kept as a hash, not as a copy.
 */
export function createDeduper(maxKeys = DEDUPE_MAX_KEYS, windowSeconds = DEDUPE_WINDOW_SECONDS): Deduper {
  const seen = new Map<string, number>();
  let newest = -Infinity;
  return {
    accept(ev: DeliveryEvent): boolean {
      if (ev.replay) return false;
      if (ev.queueId === null) return true;
      const second = ev.time === null ? -1 : Math.floor(ev.time / 1000);
      if (second > newest) {
        newest = second;
        for (const [k, s] of seen) {
          if (s >= newest - windowSeconds) break;
          seen.delete(k);
        }
      }
      const key = `${ev.queueId}\u0000${ev.remoteHost ?? ''}\u0000${ev.remoteIp ?? ''}\u0000${ev.replyCode}\u0000${ev.enhancedCode ?? ''}\u0000${second}\u0000${ev.text.length}\u0000${hash(ev.text)}`;
      if (seen.has(key)) return false;
      seen.set(key, second);
      if (seen.size > maxKeys) {
        const oldest = seen.keys().next().value;
        if (oldest !== undefined) seen.delete(oldest);
      }
      return true;
    },
  };
}

/** Two 32-bit FNV-1a variants combined: collisions between replies seconds apart are negligible. */
function hash(s: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return `${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}`;
}
