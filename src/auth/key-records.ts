import { errorCode, type Lookup } from './dns.js';
import { judgeDkimKey } from './dkim-key.js';
import { judgeDmarcRecords } from './dmarc-record.js';
import type { DkimCheck, DmarcCheck } from './types.js';

/** The TXT records at a name, each joined from its character-strings; [] for NXDOMAIN/NODATA; else the failure. */
async function txtRecords(name: string, lookup: Lookup): Promise<string[] | { temperror: string }> {
  try {
    return ((await lookup(name, 'TXT')) as string[][]).map((r) => r.join(''));
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOTFOUND' || code === 'ENODATA' || code === 'EBADNAME') return [];
    return { temperror: `${code} looking up TXT ${name}` };
  }
}

/** The key record at SELECTOR._domainkey.DOMAIN (RFC 6376 section 3.6.2.1); never throws. */
export async function checkDkim(domain: string, selector: string, lookup: Lookup): Promise<DkimCheck> {
  const name = `${selector}._domainkey.${domain}`;
  const records = await txtRecords(name, lookup);
  if (!Array.isArray(records)) return { selector, status: 'temperror', bits: null, key_type: null, error: records.temperror };
  if (records.length === 0) return { selector, status: 'missing', bits: null, key_type: null, error: `no TXT record at ${name}` };
  if (records.length > 1) {
    return { selector, status: 'invalid', bits: null, key_type: null, error: `${records.length} TXT records at ${name}; publish one key per selector` };
  }
  return { selector, ...judgeDkimKey(records[0] ?? '') };
}

/** The DMARC record at _dmarc.DOMAIN (RFC 7489 section 6.1); never throws. */
export async function checkDmarc(domain: string, lookup: Lookup): Promise<DmarcCheck> {
  const records = await txtRecords(`_dmarc.${domain}`, lookup);
  if (!Array.isArray(records)) return { status: 'temperror', policy: null, record: null, error: records.temperror };
  return judgeDmarcRecords(records);
}
