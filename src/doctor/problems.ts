import { dkimAdvice } from '../auth/advice.js';
import type { AuthEntry } from '../auth/types.js';
import { adviceFor } from '../probe/advice.js';
import { statusMeaning } from '../probe/meaning.js';
import type { ProbeResult } from '../probe/types.js';
import type { ScanReport } from '../logs/scan.js';
import { providerName } from '../logs/provider-names.js';
import { isPtrRelated } from '../logs/types.js';
import { addressKind, type AddressKind, type Family } from '../targets/address.js';
import { EXAMPLE_PUBLIC_IP } from '../targets/public-address.js';
import type { MtaSetting } from './mta-settings.js';

/** One of this host's addresses as `doctor` lists it. */
export interface DoctorAddress { ip: string; family: Family; kind: AddressKind }

/** The authentication checks of one (IP, domain) pair: a `probe --json` auth entry with its IP. */
export type DoctorAuth = AuthEntry & { ip: string };

/** What `doctor` found, before it is judged. */
export interface DoctorFindings {
  addresses: DoctorAddress[];
  egress: { ipv4: string | null; ipv6: string | null };
  targets: ProbeResult[];
  auth: DoctorAuth[];
  mta: MtaSetting[];
  rejections: ScanReport | null;
}

/** A numbered problem of `doctor`'s output. */
export interface DoctorProblem { id: string; severity: 'critical' | 'warning'; what: string; fix: string }

/** True when the host would send mail over IPv6: it has an IPv6 route and no readable MTA setting turns IPv6 off. */
export function sendsIpv6(f: DoctorFindings): boolean {
  if (f.mta.length > 0 && f.mta.every((m) => m.ipv6 === 'disabled')) return false;
  return f.egress.ipv6 !== null || f.targets.some((t) => t.family === 'ipv6');
}

interface Found extends DoctorProblem { family: Family | null }

/** The problems in `f` (every probed target is judged: the caller chooses them), critical first, each with its fix, and the one-line answer to "will my mail be refused?". */
export function diagnose(f: DoctorFindings): { problems: DoctorProblem[]; verdict: string } {
  const found = findProblems(f);
  const problems = found.map(({ family: _family, ...p }) => p);
  return { problems, verdict: verdict(f, found) };
}

function findProblems(f: DoctorFindings): Found[] {
  const out: Found[] = [];
  const v6 = sendsIpv6(f);
  const off = f.mta.find((m) => m.ipv6 === 'disabled');
  const severityFor = (family: Family): DoctorProblem['severity'] => (family === 'ipv6' && !v6 ? 'warning' : 'critical');
  for (const t of f.targets) {
    const kind = addressKind(t.ip);
    if (t.status === 'pass') continue;
    const fix = adviceFor(t, kind) ?? '';
    if (t.status === 'temperror') {
      out.push({ id: `dns:${t.ip}`, family: t.family, severity: 'warning', what: `The reverse DNS of ${t.ip} could not be checked: ${t.error ?? 'temporary DNS error'}.`, fix });
      continue;
    }
    const unused = t.family === 'ipv6' && !v6 ? ` (not used for mail now${off ? `: ${off.name} ${off.detail}` : ': no IPv6 route'})` : '';
    out.push({ id: `ptr:${t.ip}`, family: t.family, severity: severityFor(t.family), what: `${t.ip} fails forward-confirmed reverse DNS: ${statusMeaning(t.status, t.family)}${unused}.`, fix });
  }
  for (const a of f.auth) {
    if (a.spf.result === 'pass' || a.spf.result === 'temperror') continue;
    const family: Family = a.ip.includes(':') ? 'ipv6' : 'ipv4';
    const dkim = a.dkim.some((d) => d.status === 'valid');
    const severity = dkim ? 'warning' : severityFor(family);
    const record = a.spf.record ? `"${a.spf.record}"` : 'no SPF record';
    out.push({ id: `spf:${a.ip}:${a.domain}`, family, severity, what: `SPF of ${a.domain} gives ${a.spf.result} for ${a.ip} (${record})${dkim ? '; a valid DKIM key is published, so signed mail can still pass' : ' and no valid DKIM key is published'}.`, fix: a.advice ?? '' });
  }
  for (const [domain, a] of firstPerDomain(f.auth)) {
    for (const d of a.dkim) {
      if (d.status !== 'valid' && d.status !== 'temperror') {
        out.push({ id: `dkim:${domain}:${d.selector}`, family: null, severity: 'warning', what: `The DKIM key ${d.selector}._domainkey.${domain} is ${d.status}.`, fix: dkimAdvice(domain, d) ?? '' });
      }
    }
    if (a.dmarc.status === 'missing' || a.dmarc.status === 'invalid') {
      out.push({ id: `dmarc:${domain}`, family: null, severity: 'warning', what: `The DMARC record _dmarc.${domain} is ${a.dmarc.status}.`, fix: `Publish a TXT record at _dmarc.${domain}, for example "v=DMARC1; p=none; rua=mailto:postmaster@${domain}" (Gmail requires DMARC from bulk senders).` });
    }
  }
  for (const row of f.rejections?.rejections ?? []) {
    if (!isPtrRelated(row.reason)) continue;
    const ip = row.sender_ip ?? 'an address the reply did not name';
    const probed = f.targets.find((t) => t.ip === row.sender_ip);
    const fix = probed
      ? (adviceFor(probed, addressKind(probed.ip)) ?? `${probed.ip} passes now: the rejections should stop; watch ptr_smtp_rejections_total.`)
      : 'Find the address the MTA sent from in the log and probe it: ptr-exporter probe IP.';
    out.push({ id: `rejected:${row.provider}:${row.sender_ip ?? 'unknown'}:${row.code}`, family: row.family, severity: 'critical', what: `${providerName(row.provider)} refused mail from ${ip} for reverse DNS ${row.count} time${row.count === 1 ? '' : 's'} in the last 24 hours (${row.reply_code} ${row.code}).`, fix });
  }
  if (f.targets.length === 0 && f.addresses.length > 0) {
    out.push({ id: 'no-public-address', family: null, severity: 'warning',
      what: 'No sending address was checked: this host has no address used on the Internet and no target is configured (behind NAT, mail leaves from the router\'s public address).',
      fix: `Add the public sending address to the config file as targets: [{ ip: ${EXAMPLE_PUBLIC_IP} }] (an example address: use yours), or check one now with: ptr-exporter probe IP` });
  }
  return [...out.filter((p) => p.severity === 'critical'), ...out.filter((p) => p.severity === 'warning')];
}

function verdict(f: DoctorFindings, problems: readonly Found[]): string {
  const critical = problems.filter((p) => p.severity === 'critical');
  const v6 = critical.find((p) => p.family === 'ipv6');
  if (v6 && sendsIpv6(f)) return `Mail to Gmail over IPv6 will be refused: ${v6.what}`;
  if (critical.length > 0) return `Mail will be refused by receivers that check reverse DNS or authentication: ${critical[0]!.what}`;
  if (problems.length > 0) return `No refusal expected, but ${problems.length} warning${problems.length === 1 ? '' : 's'} to look at.`;
  const checked = f.targets.length;
  return `No problem found: ${checked} sending address${checked === 1 ? '' : 'es'} checked${f.auth.length > 0 ? ', SPF passes' : ''}.`;
}

function firstPerDomain(auth: readonly DoctorAuth[]): Map<string, DoctorAuth> {
  const out = new Map<string, DoctorAuth>();
  for (const a of auth) if (!out.has(a.domain)) out.set(a.domain, a);
  return out;
}
