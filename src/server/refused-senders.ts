import type { TargetStatus } from '../exporter/exporter.js';
import type { SenderRow, TallyRow } from '../exporter/rejection-tally.js';
import { providerName } from '../logs/provider-names.js';
import { isPtrRelated, type Reason } from '../logs/types.js';
import { statusMeaning } from '../probe/meaning.js';
import { escapeHtml as e } from './html.js';

const times = (n: number): string => `${n} ${n === 1 ? 'time' : 'times'}`;

/** What the prober says now about a refused IP, in words. */
function verdictOf(t: TargetStatus | undefined): string {
  return !t || t.status === null ? 'not probed yet' : statusMeaning(t.status, t.family);
}

/**
 * The banner's sentences naming each sender IP a receiver refused for reverse DNS, with provider,
 * codes, count, the IP's current probe verdict and its fix ("Gmail refused 2001:db8::27 (5.7.1,
 * 3 times): no PTR record. ..."). Rejections that named no IP are summed in one sentence.
 */
export function refusedSentences(rows: readonly TallyRow[], senders: readonly SenderRow[], targets: readonly TargetStatus[], advice: (t: TargetStatus) => string | null): string {
  const ptrSenders = senders.filter((s) => isPtrRelated(s.reason as Reason));
  const byIpProvider = new Map<string, { ip: string; provider: string; codes: Set<string>; count: number }>();
  for (const s of ptrSenders) {
    const key = `${s.senderIp}\u0000${s.provider}`;
    const g = byIpProvider.get(key) ?? { ip: s.senderIp, provider: s.provider, codes: new Set<string>(), count: 0 };
    g.codes.add(s.code);
    g.count += s.count;
    byIpProvider.set(key, g);
  }
  const items = [...byIpProvider.values()].map((g) => {
    const t = targets.find((x) => x.ip === g.ip);
    const fix = t && t.status !== null && t.status !== 'pass' ? advice(t) : null;
    const who = g.ip === 'other' ? 'more sending IPs than limits.max_sender_ips' : `<code><b>${e(g.ip)}</b></code>`;
    return `<li>${e(providerName(g.provider))} refused ${who} (${e([...g.codes].join(', '))}, ${times(g.count)}): ${e(verdictOf(t))}.${fix ? `<span class="fix">${e(fix)}</span>` : ''}</li>`;
  });
  const named = ptrSenders.reduce((n, s) => n + s.count, 0);
  const all = rows.filter((r) => isPtrRelated(r.reason as Reason));
  const total = all.reduce((n, r) => n + r.count, 0);
  const unnamed = total - named;
  const rest = unnamed > 0
    ? `<p>Receivers refused mail for reverse DNS ${times(unnamed)} without naming the sending IP: ${all.map((r) => `${e(r.provider)} ${e(r.code)}`).join(', ')}.</p>`
    : '';
  return (items.length > 0 ? `<p>Receivers refused mail for reverse DNS since start:</p><ul id="refused">${items.join('')}</ul>` : '') + rest;
}

/** The sender-IP view of the rejections: which of our IPs were refused, by whom, and their verdict now. */
export function senderTable(senders: readonly SenderRow[], targets: readonly TargetStatus[]): string {
  const rows = senders.map((s) => {
    const ptr = isPtrRelated(s.reason as Reason);
    const t = targets.find((x) => x.ip === s.senderIp);
    return `<tr${ptr ? ' class="ptr"' : ''}><td><code>${e(s.senderIp)}</code></td><td>${e(s.provider)}</td><td>${e(s.reason)}${ptr ? '<span class="tag">PTR</span>' : ''}</td>`
      + `<td>${e(s.code)}</td><td>${s.count}</td><td>${e(t?.status ?? 'not probed')}</td></tr>`;
  });
  return `<table id="senders"><thead><tr><th>Sender IP</th><th>Provider</th><th>Reason</th><th>Code</th><th>Count</th><th>PTR status now</th></tr></thead><tbody>
${rows.length === 0 ? '<tr><td colspan="6">No rejection named a sending IP.</td></tr>' : rows.join('\n')}
</tbody></table>`;
}
