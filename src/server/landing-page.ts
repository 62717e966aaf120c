import type { AuthStatus } from '../exporter/auth-status.js';
import type { StatusReport, TargetStatus } from '../exporter/exporter.js';
import type { SenderRow, TallyRow } from '../exporter/rejection-tally.js';
import { isPtrRelated, type Reason } from '../logs/types.js';
import { statusMeaning } from '../probe/meaning.js';
import { escapeHtml as e } from './html.js';
import { refusedSentences, senderTable } from './refused-senders.js';
import { publicAddressParagraph } from './public-address-paragraph.js';

/** What the landing page shows. */
export interface LandingData {
  version: string;
  telemetryPath: string;
  status: StatusReport;
  rejections: TallyRow[];
  /** Rejections by the sending IP the reply named. */
  senders: SenderRow[];
  advice: (t: TargetStatus) => string | null;
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1f2328;background:#fff;max-width:90rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem}
.meta{color:#59636e;margin-bottom:1rem}
.verdict{border-radius:6px;padding:.8rem 1.1rem;margin:1rem 0;border:1px solid;border-left-width:6px}
.verdict h2{margin:0 0 .3rem;font-size:1.2rem}.verdict p{margin:.3rem 0}.verdict ul{margin:.4rem 0 0;padding-left:1.2rem}.verdict li{margin:.45rem 0}
.verdict.fail{background:#ffebe9;border-color:#cf222e;color:#82071e}.verdict.warn{background:#fff8c5;border-color:#bf8700;color:#4d2d00}
.verdict.ok{background:#dafbe1;border-color:#1a7f37;color:#044f1e}.verdict.none{background:#f6f8fa;border-color:#6e7781}
.verdict .fix{color:#1f2328;font-size:.9rem;display:block;margin-top:.1rem}
.summary{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}.card{border:1px solid #d1d9e0;border-radius:6px;padding:.6rem 1rem;min-width:7rem}
.card b{display:block;font-size:1.4rem}.card.fail b{color:#cf222e}.card.warn b{color:#9a6700}.card.ok b{color:#1a7f37}
table{border-collapse:collapse;width:100%;font-size:.92rem}th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #d1d9e0;vertical-align:top}
th{background:#f6f8fa}code{font-family:ui-monospace,Consolas,monospace;font-size:.88rem;overflow-wrap:anywhere}
td:first-child{border-left:4px solid transparent}td.when{white-space:nowrap;color:#59636e}
.st{display:inline-block;padding:.1rem .5rem;border-radius:1rem;font-weight:600;font-size:.85rem;color:#fff}
.st.pass{background:#1a7f37}.st.fail{background:#cf222e}.st.temp{background:#9a6700}.st.none{background:#6e7781}
tr.bad td{background:#fff5f5}tr.bad td:first-child{border-left-color:#cf222e}tr.unsure td:first-child{border-left-color:#bf8700}
.why{font-weight:600;margin-left:.4rem}.detail{color:#59636e;font-size:.85rem;margin-top:.2rem}
tr.ptr td{background:#fff5f5}.tag{font-size:.75rem;font-weight:600;color:#cf222e;border:1px solid #cf222e;border-radius:3px;padding:0 .25rem;margin-left:.4rem}
.closed{color:#cf222e;font-weight:600}
`;

/** Failing first, then unknown (temperror), then not yet probed, then passing; otherwise as listed. */
function rank(t: TargetStatus): number {
  if (t.status === null) return 2;
  return t.status === 'pass' ? 3 : t.status === 'temperror' ? 1 : 0;
}

const isFailing = (t: TargetStatus): boolean => rank(t) === 0;
const countPassing = (targets: TargetStatus[]): number => targets.filter((t) => t.status === 'pass').length;
const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * IPv6 senders (configured, egress or log-learned) with a forward-confirmed PTR that are not ready for a domain: SPF
 * does not pass and no DKIM key is valid. Pairs whose SPF or DKIM check ended in temperror are unknown, not shown.
 */
function notReadyIpv6(d: LandingData): AuthStatus[] {
  const pass = new Set(d.status.targets.filter((t) => t.status === 'pass').map((t) => t.ip));
  return d.status.auth.filter((a) => a.family === 'ipv6' && a.source !== 'interface' && pass.has(a.ip) && !a.ready
    && a.spf.result !== 'temperror' && !a.dkim.some((k) => k.status === 'temperror'));
}

/** One banner line per not-ready IPv6 sender: the sentence that names the record and the mechanism to add. */
function authItems(pairs: AuthStatus[]): string {
  return pairs.map((a) => `<li><code><b>${e(a.ip)}</b></code> <span class="st fail">SPF ${e(a.spf.result)}</span> <b>for ${e(a.domain)}</b>`
    + `<span class="fix">${e(a.advice ?? `${a.ip} sends for ${a.domain}, which has neither an SPF pass nor a valid DKIM key.`)}</span></li>`).join('');
}

/** Renders the HTML landing page: plain HTML, no script, no external resource. Every value that came from DNS or a log is escaped: a PTR name is attacker-controlled. */
export function renderLandingPage(d: LandingData): string {
  const targets = d.status.targets.map((t, i) => ({ t, i })).sort((a, b) => rank(a.t) - rank(b.t) || a.i - b.i).map((x) => x.t);
  const failing = targets.filter(isFailing);
  const unknown = targets.filter((t) => t.status === 'temperror');
  const passing = countPassing(targets);
  const ptrRejections = d.rejections.filter((r) => isPtrRelated(r.reason as Reason));
  const closedLogs = d.status.logs.filter((l) => !l.open);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${failing.length > 0 ? `${failing.length} failing · ` : ''}ptr-exporter</title><style>${STYLE}</style></head><body>
<h1>ptr-exporter</h1>
<div class="meta">version ${e(d.version)} · <a href="${e(d.telemetryPath)}">metrics</a> · <a href="api/v1/status">status JSON</a></div>
${verdict(d, targets, failing, unknown, ptrRejections, closedLogs.map((l) => l.path))}
<div class="summary">
<div class="card${failing.length > 0 ? ' fail' : ''}" id="failing"><b>${failing.length}</b>failing</div>
<div class="card${unknown.length > 0 ? ' warn' : ''}"><b>${unknown.length}</b>DNS errors</div>
<div class="card${passing > 0 ? ' ok' : ''}"><b>${passing}</b>passing</div>
<div class="card"><b>${targets.length}</b>targets</div>
<div class="card${ptrRejections.length > 0 ? ' fail' : ''}"><b>${ptrRejections.reduce((n, r) => n + r.count, 0)}</b>PTR rejections</div>
</div>
<h2>Sending IPs</h2>
<table id="targets"><thead><tr><th>IP</th><th>Status</th><th>PTR names (✓ resolves back)</th><th>Source / kind</th><th>Last checked</th></tr></thead><tbody>
${targets.length === 0 ? '<tr><td colspan="5">No targets yet.</td></tr>' : targets.map(targetRow).join('\n')}
</tbody></table>
<h2>Rejections since start</h2>
<table id="rejections"><thead><tr><th>Provider</th><th>Reason</th><th>Code</th><th>Count</th><th>Last seen</th></tr></thead><tbody>
${d.rejections.length === 0 ? '<tr><td colspan="5">None seen.</td></tr>' : d.rejections.map(rejectionRow).join('\n')}
</tbody></table>
<h2>Rejections by sending IP</h2>
${senderTable(d.senders, targets)}
<h2>Logs</h2>
<table id="logs"><thead><tr><th>Path</th><th>Open</th><th>Lines</th></tr></thead><tbody>
${d.status.logs.length === 0 ? `<tr><td colspan="3" class="closed">${e(d.status.log_warning ?? 'No log configured.')}</td></tr>` : d.status.logs.map((l) => `<tr><td><code>${e(l.path)}</code></td><td>${l.open ? 'yes' : '<span class="closed">no: not readable yet</span>'}</td><td>${l.lines}</td></tr>`).join('\n')}
</tbody></table>
</body></html>
`;
}

/** The banner at the top: what is wrong, for which IP, and what to do. */
function verdict(d: LandingData, targets: TargetStatus[], failing: TargetStatus[], unknown: TargetStatus[], ptrRejections: TallyRow[], closedLogs: string[]): string {
  const extra = [
    unknown.length > 0
      ? `<p>${plural(unknown.length, 'IP', 'IPs')} could not be checked (DNS error, not a PTR failure): ${unknown.map((t) => `<code>${e(t.ip)}</code>`).join(', ')}. Check that the configured DNS servers answer.</p>`
      : '',
    ptrRejections.length > 0 ? refusedSentences(d.rejections, d.senders, targets, d.advice) : '',
    closedLogs.length > 0 ? `<p>${plural(closedLogs.length, 'mail log is', 'mail logs are')} not open, so rejections there go uncounted: ${closedLogs.map((p) => `<code>${e(p)}</code>`).join(', ')}.</p>` : '',
    d.status.log_warning ? `<p id="no-log">${e(d.status.log_warning)}</p>` : '',
    publicAddressParagraph(targets),
  ].join('');
  const auth = notReadyIpv6(d);
  const authNote = 'Gmail refuses IPv6 mail that passes neither SPF nor DKIM, even with a valid PTR.';
  const authIps = new Set(auth.map((a) => a.ip)).size;
  const authPart = auth.length > 0 ? `<p>IPv6 mail from ${plural(authIps, 'address', 'addresses')} passes neither SPF nor DKIM: ${authNote}</p><ul>${authItems(auth)}</ul>` : '';
  if (failing.length > 0) {
    const items = failing.map((t) => {
      const advice = d.advice(t);
      return `<li><code><b>${e(t.ip)}</b></code> <span class="st fail">${e(t.status!)}</span> <b>${e(statusMeaning(t.status!, t.family))}</b>${advice ? `<span class="fix">${e(advice)}</span>` : ''}</li>`;
    }).join('');
    return `<div class="verdict fail" id="verdict" role="alert"><h2>${plural(failing.length, 'sending IP fails', 'sending IPs fail')} reverse DNS</h2>`
      + `<p>Receiving mail servers (Gmail, Microsoft, GMX and others) may refuse or defer mail sent from ${failing.length === 1 ? 'it' : 'them'}.</p><ul>${items}</ul>${authPart}${extra}</div>`;
  }
  if (auth.length > 0) {
    return `<div class="verdict fail" id="verdict" role="alert"><h2>IPv6 mail from ${plural(authIps, 'address', 'addresses')} passes reverse DNS but neither SPF nor DKIM</h2>`
      + `<p>${authNote}</p><ul>${authItems(auth)}</ul>${extra}</div>`;
  }
  if (extra !== '') {
    return `<div class="verdict warn" id="verdict"><h2>No sending IP fails reverse DNS, but look here</h2>${extra}</div>`;
  }
  const probed = targets.filter((t) => t.probed);
  if (probed.length > 0 && countPassing(probed) === probed.length) {
    return `<div class="verdict ok" id="verdict"><h2>All ${plural(probed.length, 'sending IP passes', 'sending IPs pass')} forward-confirmed reverse DNS</h2></div>`;
  }
  return `<div class="verdict none" id="verdict"><h2>${targets.length === 0 ? 'No sending IPs to check yet' : 'The first check has not finished yet'}</h2></div>`;
}

function targetRow(t: TargetStatus): string {
  const cls = t.status === null ? 'none' : t.status === 'pass' ? 'pass' : t.status === 'temperror' ? 'temp' : 'fail';
  const rowClass = cls === 'fail' ? 'bad' : cls === 'temp' ? 'unsure' : '';
  const label = t.status ?? (t.probed ? 'pending' : 'not probed');
  const why = t.status === null || t.status === 'pass' ? '' : `<span class="why">${e(statusMeaning(t.status, t.family))}</span>`;
  const names = t.ptr.length === 0 ? '<em>none</em>' : t.ptr.map((n) => `<code>${e(n)}</code>${t.confirmed.includes(n) ? ' ✓' : ' ✗'}`).join('<br>');
  const skipped = t.ptr_skipped ? `<div class="detail">${plural(t.ptr_skipped, 'more PTR name', 'more PTR names')} not checked</div>` : '';
  return `<tr class="${rowClass}" data-ip="${e(t.ip)}"><td><code>${e(t.ip)}</code>${t.helo ? `<div class="detail">HELO ${e(t.helo)}</div>` : ''}</td>`
    + `<td><span class="st ${cls}">${e(label)}</span>${why}${t.error ? `<div class="detail">${e(t.error)}</div>` : ''}</td>`
    + `<td class="names">${names}${skipped}</td><td>${e(t.source)} / ${e(t.kind)}</td><td class="when">${e(when(t.last_checked))}</td></tr>`;
}

function rejectionRow(r: TallyRow): string {
  const ptr = isPtrRelated(r.reason as Reason);
  return `<tr${ptr ? ' class="ptr"' : ''}><td>${e(r.provider)}</td><td>${e(r.reason)}${ptr ? '<span class="tag">PTR</span>' : ''}</td><td>${e(r.code)}</td><td>${r.count}</td><td class="when">${e(when(new Date(r.lastSeenMs).toISOString()))}</td></tr>`;
}

/** An ISO timestamp shortened to "YYYY-MM-DD HH:MM:SSZ". */
function when(iso: string | null): string {
  return iso === null ? '-' : iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
