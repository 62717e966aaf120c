import { dkimAdvice } from '../auth/advice.js';
import type { AuthEntry } from '../auth/types.js';

/** One IP's authentication entries, for the table. */
export interface IpAuth { ip: string; auth: AuthEntry[] }

const dkimCell = (e: AuthEntry): string => e.dkim.map((d) => `${d.selector}=${d.status}${d.bits ? `(${d.bits})` : d.key_type === 'ed25519' ? '(ed25519)' : ''}`).join(',') || '-';
const dmarcCell = (e: AuthEntry): string => (e.dmarc.policy ? `${e.dmarc.status}/${e.dmarc.policy}` : e.dmarc.status);

/** A plain table of SPF, DKIM, DMARC and readiness per IP and domain, with the fixes under each row; DKIM fixes once per domain. */
export function formatAuthTable(rows: readonly IpAuth[]): string {
  const cells = rows.flatMap((r) => r.auth.map((e) => [r.ip, e.domain, e.spf.result, dkimCell(e), dmarcCell(e), e.ready ? 'yes' : 'no']));
  const head = ['IP', 'DOMAIN', 'SPF', 'DKIM', 'DMARC', 'READY'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(head)];
  const advisedDomains = new Set<string>();
  let i = 0;
  for (const r of rows) {
    for (const e of r.auth) {
      out.push(line(cells[i++]!));
      if (e.spf.record) out.push(`  spf: ${e.spf.record}`);
      if (e.advice) out.push(`  fix: ${e.advice}`);
      if (advisedDomains.has(e.domain)) continue;
      advisedDomains.add(e.domain);
      for (const d of e.dkim) {
        const advice = dkimAdvice(e.domain, d);
        if (advice) out.push(`  fix: ${advice}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}
