import type { DoctorFindings, DoctorProblem } from './problems.js';

/** The human output of `doctor`: what was found, then numbered problems with fixes, then the verdict. */
export function renderDoctor(f: DoctorFindings, problems: readonly DoctorProblem[], verdict: string, notes: readonly string[] = []): string {
  const out: string[] = [];
  out.push('Addresses of this host:');
  if (f.addresses.length === 0) out.push('  none found');
  for (const a of f.addresses) out.push(`  ${a.ip.padEnd(40)} ${a.family}  ${a.kind}`);
  out.push(`Sends from: IPv4 ${f.egress.ipv4 ?? 'no route'}, IPv6 ${f.egress.ipv6 ?? 'no route'}`);
  out.push('Reverse DNS:');
  if (f.targets.length === 0) out.push('  no sending address to check');
  for (const t of f.targets) out.push(`  ${t.ip.padEnd(40)} ${t.status}${t.ptr.length > 0 ? `  ${t.ptr.join(', ')}` : ''}`);
  if (f.auth.length > 0) {
    out.push('Authentication:');
    for (const a of f.auth) {
      const dkim = a.dkim.map((d) => `${d.selector} ${d.status}`).join(', ') || 'no selector given';
      out.push(`  ${a.ip} ${a.domain}: SPF ${a.spf.result}, DKIM ${dkim}, DMARC ${a.dmarc.status}${a.dmarc.policy ? ` p=${a.dmarc.policy}` : ''}`);
    }
  }
  for (const m of f.mta) out.push(`MTA: ${m.name} (${m.file}): IPv6 ${m.ipv6} (${m.detail})`);
  if (f.rejections) out.push(`Rejections in the last 24 hours: ${f.rejections.totals.rejections}, ${f.rejections.totals.ptr_related} for reverse DNS`);
  for (const n of notes) out.push(`Note: ${n}`);
  out.push('');
  if (problems.length === 0) out.push('No problems.');
  problems.forEach((p, i) => {
    out.push(`${i + 1}. [${p.severity}] ${p.what}`);
    if (p.fix !== '') out.push(`   Fix: ${p.fix}`);
  });
  out.push('', verdict);
  return `${out.join('\n')}\n`;
}
