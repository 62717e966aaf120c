import { errorCode, type Lookup, type RecordType } from './dns.js';
import { SPF_RESULTS, type SpfCheck, type SpfResult } from './types.js';

/** The MTA name the library puts into its explanation. */
const MTA = 'ptr-exporter';

/** Codes that mean "no such record" to SPF (RFC 7208 section 4.3 and 4.6.4: a void lookup). */
const VOID_CODES = new Set(['ENOTFOUND', 'ENODATA']);

/**
 * RFC 7208 check_host(ip, domain) through mailauth's SPF evaluator (include, a, mx, ptr, exists, redirect, macros,
 * the 10-lookup and 2-void-lookup limits). Every DNS failure other than NXDOMAIN/NODATA becomes temperror, also
 * inside an include, where the library would otherwise skip a failing term. Never throws.
 */
export async function checkSpf(ip: string, domain: string, lookup: Lookup): Promise<SpfCheck> {
  const resolver = async (name: string, type: string): Promise<string[][] | string[]> => {
    try {
      return (await lookup(name, type as RecordType)) as string[][] | string[];
    } catch (error) {
      const code = errorCode(error);
      if (VOID_CODES.has(code)) throw error;
      if (code === 'EBADNAME') throw Object.assign(error as Error, { spfResult: { error: 'permerror', text: `invalid domain name ${name}` } });
      throw Object.assign(error as Error, { spfResult: { error: 'temperror', text: `${code} looking up ${type} ${name}` } });
    }
  };
  const sender = `postmaster@${domain}`;
  let answer;
  try {
    // Loaded on first use: mailauth and its dependencies add about 20 MiB to a process that checks no domain.
    const { spf } = await import('mailauth/lib/spf/index.js');
    answer = await spf({ ip, sender, mta: MTA, resolver });
  } catch (error) {
    return { result: 'temperror', record: null, error: String((error as Error)?.message ?? error), explanation: '' };
  }
  const result = (SPF_RESULTS as readonly string[]).includes(answer.status.result) ? (answer.status.result as SpfResult) : 'temperror';
  const explanation = answer.status.comment ?? '';
  const detail = /during lookup of \S+?: (.*)$/.exec(explanation)?.[1] ?? null;
  const records = await spfRecords(domain, lookup);
  return {
    result,
    record: answer.rr ?? records[0] ?? null,
    error: result === 'none' ? `no SPF record at ${domain}` : result === 'permerror' || result === 'temperror' ? detail ?? explanation : null,
    explanation,
  };
}

/** The domain's TXT records that start with "v=spf1" (RFC 7208 section 4.5); empty when the lookup fails. */
export async function spfRecords(domain: string, lookup: Lookup): Promise<string[]> {
  try {
    const rows = (await lookup(domain, 'TXT')) as string[][];
    return rows.map((r) => r.join('')).filter((t) => /^v=spf1(\s|$)/i.test(t));
  } catch {
    return [];
  }
}
