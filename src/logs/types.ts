import type { Family } from '../targets/address.js';

/** One SMTP reply received from a remote server while delivering, as a parser extracts it. */
export interface DeliveryEvent {
  /** Unix milliseconds, or null when the line has no usable timestamp. */
  time: number | null;
  remoteHost: string | null;
  remoteIp: string | null;
  /** Our sending IP when the log itself names it (OpenSMTPD source=, MDaemon local endpoint). */
  localIp: string | null;
  /** Three-digit reply code, e.g. "550". */
  replyCode: string;
  /** Enhanced status code from the remote's reply, e.g. "5.7.25", or null. */
  enhancedCode: string | null;
  /** Reply text joined into one line, continuation prefixes removed. */
  text: string;
  /** Queue id, message id or session id, used to drop per-recipient copies. */
  queueId: string | null;
  /** True when the line only repeats an earlier reply (Postfix "delivery temporarily suspended"). */
  replay: boolean;
}

export const PROVIDERS = ['gmail', 'microsoft', 'yahoo', 'apple', 'comcast', 'united_internet', 't_online', 'orange', 'free', 'other'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const REASONS = ['ipv6_ptr_auth', 'ptr', 'ipv6_auth', 'auth', 'blocklist', 'rate_limit', 'recipient', 'other'] as const;
export type Reason = (typeof REASONS)[number];

/** A classified rejection, ready to be counted. */
export interface Rejection {
  provider: Provider;
  reason: Reason;
  /** Enhanced code from the reply, else the reply code: the `code` label. */
  code: string;
  replyCode: string;
  family: Family;
  /** Our sending IP named in the reply (or known from the log), normalised; null when unknown. */
  senderIp: string | null;
  time: number | null;
}

/** A parser turns lines into delivery events; it may keep state across lines (MDaemon sessions). */
export interface LineParser {
  push(line: string): DeliveryEvent[];
  /** The input ended: replies still gathered (a pasted excerpt without its final line) come out once. */
  end?(): DeliveryEvent[];
}

/** True for reasons that mean the PTR/FCrDNS check failed. */
export function isPtrRelated(reason: Reason): boolean {
  return reason === 'ipv6_ptr_auth' || reason === 'ptr';
}
