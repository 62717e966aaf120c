import { addressKind, familyOf, type Family } from '../targets/address.js';
import { providerOf } from './provider.js';
import { senderIpFromReply } from './reply.js';
import type { DeliveryEvent, Provider, Reason, Rejection } from './types.js';

/**
 * One row of the classifier. A rule matches when every condition it sets holds: `text` on the
 * normalised reply text, `codes` on the enhanced code or the reply code, `provider`, `family`.
 */
export interface ClassifyRule {
  reason: Reason;
  text?: RegExp;
  codes?: readonly string[];
  provider?: Provider;
  family?: Family;
  /** Where the wording comes from (provider, public source) or why the rule is placed here. */
  note: string;
}

/**
 * The ordered rule table; the first matching rule wins, no match means 'other'. Text rules come
 * before code rules (Gmail used 5.7.1 for DMARC and for the IPv6 rule alike), PTR wording before
 * auth, block-list and rate-limit wording (Gmail's 421 4.7.0 and 4.7.23 PTR texts say "rate
 * limited", https://support.google.com/a/answer/3726730).
 * Every pattern is a plain alternation of literals or bounded repeats, so matching stays linear.
 */
export const RULES: readonly ClassifyRule[] = [
  { reason: 'ipv6_ptr_auth', text: /IPv6 sending guidelines|\?p=IPv6AuthError|\?p=ipv6_authentication_error/i,
    note: 'Gmail IPv6 rule, https://support.google.com/mail/answer/81126; before auth because the text says "authentication"' },
  { reason: 'other', text: /\brelaying denied\b|\brelay access denied\b|\brelaying not (?:allowed|permitted)\b/i,
    note: 'relay denials, e.g. Sendmail "Relaying denied. IP name lookup failed" (cf/m4/proto.m4), are not a PTR verdict' },
  { reason: 'ptr', text: /must have (?:a )?reverse DNS record/i, note: 'Microsoft IPv6 reverse DNS rule (learn.microsoft.com, "Support for anonymous inbound email messages over IPv6")' },
  { reason: 'ptr',
    text: /does not match the IP address of the hostname|forward DNS entry (?:does not|doesn't) (?:point|match|reference)|PTR record's forward DNS|inconsistent or no DNS PTR|does not resolve to an IP|cannot find your (?:reverse )?hostname|full circle DNS|no proper reverse mapping|does not resolve to an existing hostname|possibly forged hostname/i,
    note: 'FCrDNS wording: Gmail (support.google.com/a/answer/3726730), freenet, Free, Postfix reject_unknown_* (smtpd_check.c), Spectrum, Sendmail' },
  { reason: 'ptr',
    text: /\bPTR\b|\breverse (?:DNS|hostname|lookup|\(address-to-name\))|\brDNS\b|\bFCrDNS\b|IP name lookup failed|no DNS reverse|Client IP address \S{1,64} does not resolve|\bIB108\b/i,
    note: 'PTR wording: Gmail, Comcast, GMX/WEB.DE c=rdns, LinkedIn, ImprovMX, Forpsi, Cox, GoDaddy, MagicSpam, Haraka fcrdns' },
  { reason: 'ipv6_auth', text: /over IPv6 .{0,80}?must pass (?:either )?SPF or DKIM/i, note: 'Microsoft IPv6 SPF-or-DKIM rule' },
  { reason: 'auth',
    text: /unauthenticated|\bDMARC\b|\bSPF\b|\bDKIM\b|authentication information|pass authentication checks|required authentication level|authenticate with either/i,
    note: 'Gmail authentication and DMARC, Microsoft 5.7.515, Yahoo 5.7.9, Orange SPF/DNS' },
  { reason: 'blocklist',
    text: /blocked using|\bblock ?list|\bblacklist|\bdnsbl\b|\bRBL\b|banned sending IP|\bspamhaus\b|\bspamcop\b|\bbarracuda|\bFBLW?\d+\b|\bA?S3150\b|\bsorbs\b|uceprotect|\bCBL\b|abuseat\.org|\[TSS(?:09|11)\]|(?:bad|low|poor) reputation|\((?:BL|NOWL)\)|cloudmark/i,
    note: 'Spamhaus and other DNSBLs, Microsoft S3150/FBLW15, Apple/Proofpoint, Yahoo TSS09/TSS11, T-Online, reputation' },
  { reason: 'rate_limit',
    text: /unusual rate|rate[- ]?limit|\[TSS04\]|too many (?:connections|messages|recipients|concurrent|sessions|mails?|emails?)\b|receiving mail (?:at a rate|too quickly)|unexpected volume|throttl|sending rate/i,
    note: 'Gmail unusual rate (4.7.28), Yahoo TSS04, generic throttling' },
  { reason: 'recipient',
    text: /user unknown|unknown user|no such (?:user|mailbox|recipient)|NoSuchUser|does not exist|doesn't exist|user not found|mailbox (?:unavailable|not found|is full|full|disabled|is disabled|inactive)|over ?quota|quota exceeded|exceeded (?:the |their )?(?:storage|quota)|invalid (?:mailbox|recipient)|recipient (?:not found|unknown)|account (?:is )?(?:disabled|inactive|suspended)|unrouteable address/i,
    note: 'unknown users (Gmail ?p=NoSuchUser), over quota' },
  { reason: 'other', text: /likely unsolicited|likely suspicious|\bspam\b/i,
    note: 'content/spam verdicts; placed before the truncated Gmail IPv6 rule below so they never become IPv6 PTR' },
  { reason: 'ipv6_ptr_auth', provider: 'gmail', codes: ['5.7.1'], family: 'ipv6',
    text: /\b(?:Our system|Gmail) has detected that\b/i,
    note: 'Gmail IPv6 rule with the middle lines missing (excerpts that show the first and last line only)' },
  { reason: 'ptr', codes: ['5.7.25', '4.7.25', '4.7.23'],
    note: 'Gmail/Microsoft PTR codes when the text is cut (Sendmail stat= keeps only the first line)' },
  { reason: 'auth', codes: ['5.7.26', '4.7.26', '5.7.27', '4.7.27', '5.7.20', '5.7.21', '5.7.22', '5.7.23', '5.7.24', '4.7.24', '5.7.30', '4.7.30', '5.7.32', '4.7.32', '5.7.515', '5.7.9'],
    note: 'authentication codes (RFC 7372, Gmail, Microsoft, Yahoo)' },
  { reason: 'blocklist', codes: ['5.7.606', '5.7.511'], note: 'Microsoft banned/blocked IP' },
  { reason: 'rate_limit', codes: ['4.7.28', '5.7.28'], note: 'Gmail unusual rate' },
  { reason: 'recipient', codes: ['5.1.1', '5.1.10', '5.1.6', '5.2.2', '4.2.2'], note: 'unknown user, disabled or full mailbox' },
];

/** The reason of the first rule that matches. */
export function reasonOf(text: string, enhancedCode: string | null, replyCode: string, provider: Provider, family: Family): Reason {
  for (const rule of RULES) {
    if (rule.provider !== undefined && rule.provider !== provider) continue;
    if (rule.family !== undefined && rule.family !== family) continue;
    if (rule.codes !== undefined && !rule.codes.includes(enhancedCode ?? '') && !rule.codes.includes(replyCode)) continue;
    if (rule.text !== undefined && !rule.text.test(text)) continue;
    return rule.reason;
  }
  return 'other';
}

/** Classifies a delivery event; null unless the reply is a 4xx or 5xx. */
export function classify(ev: DeliveryEvent): Rejection | null {
  const c = ev.replyCode.charCodeAt(0);
  if (c !== 52 && c !== 53) return null;
  const provider = providerOf(ev.remoteHost, ev.text);
  // Event addresses are normalised already (replyEvent).
  const local = ev.localIp;
  const senderIp = senderIpFromReply(ev.text, provider) ?? (local !== null && isPublic(local) ? local : null);
  // Family of our sending IP if known, else of the remote, else of the local endpoint.
  const ref = senderIp ?? ev.remoteIp ?? local;
  const known = ref !== null ? familyOf(ref) : null;
  const reason = reasonOf(ev.text, ev.enhancedCode, ev.replyCode, provider, known ?? 'ipv4');
  return {
    provider,
    reason,
    code: ev.enhancedCode ?? ev.replyCode,
    replyCode: ev.replyCode,
    family: known ?? (reason === 'ipv6_ptr_auth' || reason === 'ipv6_auth' ? 'ipv6' : 'ipv4'),
    senderIp,
    time: ev.time,
  };
}

/** True unless the address is private, loopback, link-local and the like: a NAT inside address is not what the receiver saw. */
function isPublic(ip: string): boolean {
  const kind = addressKind(ip);
  return kind === 'global' || kind === 'teredo' || kind === '6to4' || kind === 'documentation';
}
