import type { Family } from '../targets/address.js';

/** RFC 7208 section 2.6 results of check_host(). */
export const SPF_RESULTS = ['pass', 'fail', 'softfail', 'neutral', 'none', 'permerror', 'temperror'] as const;
export type SpfResult = (typeof SPF_RESULTS)[number];

/** The state of one DKIM key record (RFC 6376 section 3.6.1): `weak` is RSA under 1024 bits, `revoked` an empty p=. */
export const DKIM_STATUSES = ['valid', 'missing', 'revoked', 'invalid', 'weak', 'temperror'] as const;
export type DkimStatus = (typeof DKIM_STATUSES)[number];

/** The state of a domain's DMARC record (RFC 7489 section 6.1). */
export const DMARC_STATUSES = ['present', 'missing', 'invalid', 'temperror'] as const;
export type DmarcStatus = (typeof DMARC_STATUSES)[number];

/** The DMARC policies of RFC 7489 section 6.3 (p=). */
export const DMARC_POLICIES = ['none', 'quarantine', 'reject'] as const;
export type DmarcPolicy = (typeof DMARC_POLICIES)[number];

/** SPF check_host(ip, domain): `record` is the domain's own SPF record text, `error` the reason for an error result. */
export interface SpfCheck {
  result: SpfResult;
  record: string | null;
  error: string | null;
  /** The library's explanation (the Received-SPF comment). */
  explanation: string;
}

/** One DKIM selector's key: `bits` for RSA keys, `key_type` rsa or ed25519 when the key parsed. */
export interface DkimCheck {
  selector: string;
  status: DkimStatus;
  bits: number | null;
  key_type: 'rsa' | 'ed25519' | null;
  error: string | null;
}

/** The domain's DMARC record and its policy (null unless present). */
export interface DmarcCheck {
  status: DmarcStatus;
  policy: DmarcPolicy | null;
  record: string | null;
  error: string | null;
}

/** One (IP, domain) pair as `probe --json` shows it in the "auth" array. */
export interface AuthEntry {
  domain: string;
  spf: SpfCheck;
  dkim: DkimCheck[];
  dmarc: DmarcCheck;
  /** FCrDNS pass and (SPF pass or a valid DKIM key). */
  ready: boolean;
  /** One line a mail admin can act on, or null when nothing needs doing. */
  advice: string | null;
}

/** A domain the host sends for, with the DKIM selectors whose keys must be published. */
export interface AuthDomain {
  name: string;
  dkimSelectors: string[];
}

/** A probed address as the auth checks need it. */
export interface AuthTarget {
  ip: string;
  family: Family;
  /** Whether FCrDNS passed for this address. */
  fcrdnsPass: boolean;
}
