import type { TargetStatus } from '../exporter/exporter.js';
import { EXAMPLE_PUBLIC_IP, noPublicAddress, TARGETS_SNIPPET } from '../targets/public-address.js';
import { escapeHtml as e } from './html.js';

/** Addresses listed in the paragraph; the rest are counted. */
const SHOWN = 8;

/**
 * The banner paragraph for a host that found no address used on the Internet and has no target
 * configured or learned (typically behind NAT): what that means and how to add the public address.
 * Empty when it does not apply.
 */
export function publicAddressParagraph(targets: readonly TargetStatus[]): string {
  if (!noPublicAddress(targets)) return '';
  const shown = targets.slice(0, SHOWN).map((t) => `<code>${e(t.ip)}</code> (${e(t.kind)})`).join(', ');
  const more = targets.length > SHOWN ? ` and ${targets.length - SHOWN} more` : '';
  return `<div id="no-public-address"><p><b>No public sending address found.</b> This host has only addresses that are not used on the Internet: ${shown}${more}. `
    + 'Receiving mail servers never see them, so nothing is probed.</p>'
    + "<p>A mail server behind NAT sends from its router's public address (the router's status page shows it, as does the <code>Received:</code> "
    + 'header of a mail you send to an outside mailbox). Add that address to the config file and reload:</p>'
    + `<pre><code>${e(TARGETS_SNIPPET)}</code></pre>`
    + `<p>(${EXAMPLE_PUBLIC_IP} is an example; use your public address.) To check an address now: <code>ptr-exporter probe IP</code>.</p></div>`;
}
