import type { Family } from '../targets/address.js';

/** The six probe verdicts. */
export const STATUSES = ['pass', 'no_ptr', 'no_forward', 'mismatch', 'helo_mismatch', 'temperror'] as const;
export type ProbeStatus = (typeof STATUSES)[number];

/** RFC 8601 iprev result. */
export type Iprev = 'pass' | 'fail' | 'permerror' | 'temperror';

/** One probe's outcome; the JSON shape of `probe --json`. */
export interface ProbeResult {
  ip: string;
  family: Family;
  status: ProbeStatus;
  iprev: Iprev;
  ptr: string[];
  forward: Record<string, string[]>;
  confirmed: string[];
  helo: string | null;
  duration_seconds: number;
  error: string | null;
  /** PTR names beyond the checked ones (see checkedPtrNames), not looked up; absent when none. */
  ptr_skipped?: number;
}

/** Resolver settings: servers as "HOST", "HOST:PORT" or "[IPv6]:PORT"; empty means the system's. */
export interface DnsSettings {
  servers: string[];
  timeoutMs: number;
  attempts: number;
}
