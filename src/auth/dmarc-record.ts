import { parseTagList } from './tag-list.js';
import { DMARC_POLICIES, type DmarcCheck, type DmarcPolicy } from './types.js';

/**
 * Judges the TXT records at _dmarc.DOMAIN (RFC 7489 section 6.6.3): exactly one must start with "v=DMARC1" and it
 * must carry p=none, quarantine or reject. No records means missing; records of which none (or more than one) is a
 * DMARC record, a missing or unknown p=, or a broken tag list mean invalid.
 */
export function judgeDmarcRecords(records: readonly string[]): DmarcCheck {
  if (records.length === 0) return { status: 'missing', policy: null, record: null, error: null };
  const dmarc = records.filter((r) => /^v\s*=\s*DMARC1\s*(;|$)/.test(r.trim()));
  const invalid = (record: string | null, error: string): DmarcCheck => ({ status: 'invalid', policy: null, record, error });
  if (dmarc.length === 0) return invalid(records[0] ?? null, 'no record starts with "v=DMARC1"');
  if (dmarc.length > 1) return invalid(dmarc[0] ?? null, `${dmarc.length} DMARC records, so receivers apply none of them`);
  const record = (dmarc[0] ?? '').trim();
  const parsed = parseTagList(record);
  if ('error' in parsed) return invalid(record, parsed.error);
  const p = parsed.tags.find(([name]) => name === 'p')?.[1];
  if (p === undefined) return invalid(record, 'no p= tag');
  const policy = p.toLowerCase();
  if (!(DMARC_POLICIES as readonly string[]).includes(policy)) return invalid(record, `unknown policy p=${p}`);
  return { status: 'present', policy: policy as DmarcPolicy, record, error: null };
}
