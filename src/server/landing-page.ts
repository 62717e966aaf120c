import type { StatusReport, TargetStatus } from '../exporter/exporter.js';
import type { TallyRow } from '../exporter/rejection-tally.js';
import { escapeHtml as e } from './html.js';

/** What the landing page shows. */
export interface LandingData {
  version: string;
  telemetryPath: string;
  status: StatusReport;
  rejections: TallyRow[];
  advice: (t: TargetStatus) => string | null;
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1f2328;background:#fff}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin-top:2rem}
.meta{color:#59636e;margin-bottom:1rem}
.summary{display:flex;gap:1rem;margin:1rem 0}.card{border:1px solid #d1d9e0;border-radius:6px;padding:.6rem 1rem;min-width:7rem}
.card b{display:block;font-size:1.4rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #d1d9e0;vertical-align:top}
th{background:#f6f8fa}code{font-family:ui-monospace,Consolas,monospace;font-size:.88rem;word-break:break-all}
.st{display:inline-block;padding:.1rem .5rem;border-radius:1rem;font-weight:600;font-size:.85rem;color:#fff}
.pass{background:#1a7f37}.fail{background:#cf222e}.temp{background:#bf8700}.none{background:#6e7781}
tr.bad td{background:#fff5f5}.advice{color:#59636e;font-size:.85rem;margin-top:.2rem}
`;

/** Renders the HTML landing page. Every value that came from DNS or a log is escaped: a PTR name is attacker-controlled. */
export function renderLandingPage(d: LandingData): string {
  const targets = d.status.targets;
  const failing = targets.filter((t) => t.status !== null && t.status !== 'pass' && t.status !== 'temperror').length;
  const unknown = targets.filter((t) => t.status === 'temperror').length;
  const passing = targets.filter((t) => t.status === 'pass').length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>ptr-exporter</title><style>${STYLE}</style></head><body>
<h1>ptr-exporter</h1>
<div class="meta">version ${e(d.version)} · <a href="${e(d.telemetryPath)}">metrics</a> · <a href="api/v1/status">status JSON</a></div>
<div class="summary">
<div class="card" id="failing"><b>${failing}</b>failing</div>
<div class="card"><b>${unknown}</b>DNS errors</div>
<div class="card"><b>${passing}</b>passing</div>
<div class="card"><b>${targets.length}</b>targets</div>
</div>
<h2>Sending IPs</h2>
<table id="targets"><thead><tr><th>IP</th><th>Status</th><th>PTR names</th><th>Source / kind</th><th>Last checked</th></tr></thead><tbody>
${targets.length === 0 ? '<tr><td colspan="5">No targets yet.</td></tr>' : targets.map((t) => targetRow(t, d.advice(t))).join('\n')}
</tbody></table>
<h2>Rejections since start</h2>
<table id="rejections"><thead><tr><th>Provider</th><th>Reason</th><th>Code</th><th>Count</th><th>Last seen</th></tr></thead><tbody>
${d.rejections.length === 0 ? '<tr><td colspan="5">None seen.</td></tr>' : d.rejections.map(rejectionRow).join('\n')}
</tbody></table>
<h2>Logs</h2>
<table id="logs"><thead><tr><th>Path</th><th>Open</th><th>Lines</th></tr></thead><tbody>
${d.status.logs.length === 0 ? '<tr><td colspan="3">No log configured.</td></tr>' : d.status.logs.map((l) => `<tr><td><code>${e(l.path)}</code></td><td>${l.open ? 'yes' : '<b>no</b>'}</td><td>${l.lines}</td></tr>`).join('\n')}
</tbody></table>
</body></html>
`;
}

function targetRow(t: TargetStatus, advice: string | null): string {
  const cls = t.status === null ? 'none' : t.status === 'pass' ? 'pass' : t.status === 'temperror' ? 'temp' : 'fail';
  const label = t.status ?? (t.probed ? 'pending' : 'not probed');
  const names = t.ptr.length === 0 ? '<em>none</em>' : t.ptr.map((n) => `<code>${e(n)}</code>${t.confirmed.includes(n) ? ' ✓' : ' ✗'}`).join('<br>');
  const detail = [t.error ? `<div class="advice">${e(t.error)}</div>` : '', advice ? `<div class="advice">${e(advice)}</div>` : ''].join('');
  return `<tr class="${cls === 'fail' ? 'bad' : ''}" data-ip="${e(t.ip)}"><td><code>${e(t.ip)}</code>${t.helo ? `<div class="advice">HELO ${e(t.helo)}</div>` : ''}</td>`
    + `<td><span class="st ${cls}">${e(label)}</span>${detail}</td><td>${names}</td><td>${e(t.source)} / ${e(t.kind)}</td><td>${e(t.last_checked ?? '-')}</td></tr>`;
}

function rejectionRow(r: TallyRow): string {
  return `<tr><td>${e(r.provider)}</td><td>${e(r.reason)}</td><td>${e(r.code)}</td><td>${r.count}</td><td>${e(new Date(r.lastSeenMs).toISOString())}</td></tr>`;
}
