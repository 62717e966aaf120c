/** What an MTA's own configuration says about sending over IPv6. */
export type MtaIpv6 = 'enabled' | 'disabled' | 'preferred_ipv4' | 'unknown';

/** One MTA configuration file read by `doctor`. */
export interface MtaSetting { name: 'postfix' | 'exim'; file: string; ipv6: MtaIpv6; detail: string }

/**
 * Parameters of a Postfix main.cf: `name = value`, a line starting with white space continues the
 * previous one, `#` starts a comment line, and a later definition wins (postconf(5)).
 */
export function parsePostfixMainCf(text: string): Map<string, string> {
  const params = new Map<string, string>();
  let last: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*(#|$)/.test(raw)) continue;
    if (/^\s/.test(raw)) {
      if (last !== null) params.set(last, `${params.get(last) ?? ''} ${raw.trim()}`.trim());
      continue;
    }
    const m = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(raw);
    last = m ? m[1]! : null;
    if (m) params.set(m[1]!, m[2]!.trim());
  }
  return params;
}

/**
 * IPv6 use of the Postfix SMTP client: `inet_protocols` (default `all` since Postfix 3.0) says
 * whether IPv6 is used at all; `smtp_address_preference` (default `any`) which family is tried
 * first when a destination has both (https://www.postfix.org/postconf.5.html).
 */
export function postfixIpv6(params: ReadonlyMap<string, string>): { ipv6: MtaIpv6; detail: string } {
  const protocols = (params.get('inet_protocols') ?? 'all').toLowerCase();
  const preference = (params.get('smtp_address_preference') ?? 'any').toLowerCase();
  const list = protocols.split(/[\s,]+/).filter((p) => p !== '');
  const detail = `inet_protocols = ${protocols}, smtp_address_preference = ${preference}`;
  if (!list.includes('all') && !list.includes('ipv6')) return { ipv6: 'disabled', detail };
  if (list.includes('all') || list.includes('ipv4')) {
    if (preference === 'ipv4') return { ipv6: 'preferred_ipv4', detail };
  }
  return { ipv6: 'enabled', detail };
}

/**
 * IPv6 use of Exim: the main option `disable_ipv6` turns it off; `dns_ipv4_lookup = *` stops AAAA
 * lookups for every domain, so no mail leaves over IPv6 either (Exim spec, "Main configuration").
 * `.ifdef`/`.ifndef`/`.else`/`.endif` blocks are followed with the macros the file defines.
 */
export function eximIpv6(text: string): { ipv6: MtaIpv6; detail: string } {
  const macros = new Set<string>();
  const active: boolean[] = [];
  let disable: boolean | null = null;
  let v4only: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const cond = /^\.(ifdef|ifndef)\s+(\S+)/.exec(line);
    const on = active.every(Boolean);
    if (cond) { active.push((cond[1] === 'ifdef') === macros.has(cond[2]!)); continue; }
    if (line.startsWith('.else')) { active.push(!(active.pop() ?? true)); continue; }
    if (line.startsWith('.endif')) { active.pop(); continue; }
    if (!on || line === '' || line.startsWith('#')) continue;
    if (/^begin\s/.test(line)) break;
    const macro = /^([A-Z][A-Za-z0-9_]*)\s*=/.exec(line);
    if (macro) { macros.add(macro[1]!); continue; }
    const opt = /^(no_|not_)?disable_ipv6\s*(?:=\s*(\S+))?/.exec(line);
    if (opt) disable = opt[1] ? false : /^(true|yes)$/i.test(opt[2] ?? 'true');
    const dns = /^dns_ipv4_lookup\s*=\s*(.*)$/.exec(line);
    if (dns) v4only = dns[1]!.trim();
  }
  if (disable === true) return { ipv6: 'disabled', detail: 'disable_ipv6 = true' };
  if (v4only === '*') return { ipv6: 'disabled', detail: 'dns_ipv4_lookup = *' };
  return { ipv6: 'enabled', detail: disable === false ? 'disable_ipv6 = false' : 'disable_ipv6 not set (IPv6 is used)' };
}
