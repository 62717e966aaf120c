import { DKIM_STATUSES, DMARC_STATUSES, SPF_RESULTS } from './auth/types.js';
import { pairKey, type AuthSnapshot } from './auth/snapshot.js';
import { helpOf, METRICS, type MetricName } from './metric-names.js';

/** The authentication families, rendered from plain state once per cycle. */
export const AUTH_FAMILIES = [
  'ptr_spf_status', 'ptr_spf_last_definite_status', 'ptr_dkim_key_status', 'ptr_dmarc_status', 'ptr_sending_ready',
] as const satisfies readonly MetricName[];

const header = (name: MetricName): string => `# HELP ${name} ${helpOf(name)}\n# TYPE ${name} ${METRICS[name].type}\n`;
const DEFINITE = SPF_RESULTS.filter((r) => r !== 'temperror');

/** The Prometheus text of a snapshot; nothing while no domain is configured. Domains and selectors come from the validated config. */
export function renderAuthSeries(snapshot: AuthSnapshot | null): Buffer {
  if (snapshot === null || snapshot.cycle.domains.length === 0) return Buffer.alloc(0);
  const [spf, last, dkim, dmarc, ready] = AUTH_FAMILIES.map(header) as [string, string, string, string, string];
  const out = { spf: [spf], last: [last], dkim: [dkim], dmarc: [dmarc], ready: [ready] };
  for (const p of snapshot?.cycle.pairs ?? []) {
    const base = `ip="${p.ip}",family="${p.family}",domain="${p.domain}"`;
    for (const r of SPF_RESULTS) out.spf.push(`ptr_spf_status{${base},result="${r}"} ${r === p.spf.result ? 1 : 0}\n`);
    const definite = snapshot.lastDefinite.get(pairKey(p.ip, p.domain));
    if (definite !== undefined) for (const r of DEFINITE) out.last.push(`ptr_spf_last_definite_status{${base},result="${r}"} ${r === definite ? 1 : 0}\n`);
    out.ready.push(`ptr_sending_ready{${base}} ${p.ready ? 1 : 0}\n`);
  }
  for (const d of snapshot?.cycle.domains ?? []) {
    for (const k of d.dkim) {
      for (const st of DKIM_STATUSES) out.dkim.push(`ptr_dkim_key_status{domain="${d.domain}",selector="${k.selector}",status="${st}"} ${st === k.status ? 1 : 0}\n`);
    }
    for (const st of DMARC_STATUSES) {
      const policy = st === d.dmarc.status ? d.dmarc.policy ?? '' : '';
      out.dmarc.push(`ptr_dmarc_status{domain="${d.domain}",status="${st}",policy="${policy}"} ${st === d.dmarc.status ? 1 : 0}\n`);
    }
  }
  return Buffer.from([...out.spf, ...out.last, ...out.dkim, ...out.dmarc, ...out.ready].join(''), 'utf8');
}
