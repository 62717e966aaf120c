import type { Provider } from './types.js';

/** Host name suffixes per provider (a suffix matches the name itself or any subdomain). Order matters. */
const HOST_SUFFIXES: readonly [Provider, readonly string[]][] = [
  ['gmail', ['google.com', 'googlemail.com', 'gmail.com']],
  ['microsoft', ['outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'office365.com']],
  ['yahoo', ['yahoodns.net', 'yahoo.com', 'aol.com']],
  ['comcast', ['comcast.net']],
  ['apple', ['icloud.com', 'me.com', 'mac.com', 'apple.com']],
  ['united_internet', ['gmx.net', 'gmx.de', 'gmx.com', 'web.de', 'mail.com', 'kundenserver.de']],
  ['t_online', ['t-online.de']],
  ['orange', ['orange.fr', 'wanadoo.fr']],
  ['free', ['free.fr']],
];

/** Substrings that identify a provider's host anywhere in the name (`1and1`, `ionos`, `wanadoo`). */
const HOST_SUBSTRINGS: readonly [Provider, string][] = [
  ['united_internet', '1and1'],
  ['united_internet', 'ionos'],
  ['orange', 'wanadoo'],
];

/** Phrases in a reply that name the provider when the host does not (MDaemon excerpts, IP-only relays). */
const REPLY_SIGNATURES: readonly [Provider, RegExp][] = [
  ['gmail', /[-\u2013] gsmtp\s*$|support\.google\.com\/mail/i],
  ['microsoft', /protection\.outlook\.com|\bA?S3150\b/],
  ['yahoo', /postmaster\.yahoo(?:inc)?\.com|\[TSS\d\d\]/i],
  ['comcast', /Comcast requires|postmaster\.comcast\.net/i],
  ['united_internet', /Nemesis ESMTP|postmaster\.gmx\.|web\.de\/email\/senderguidelines|\((?:mxgmx|mxweb)\d+\)/i],
  ['t_online', /rx\.t-online\.de/i],
  ['orange', /\bOFR_\d+|\bmwinf\w+ ME\b/i],
];

/** Provider of a remote host name, or 'other'. */
export function providerFromHost(host: string | null): Provider {
  if (!host) return 'other';
  let h = host.toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  for (const [provider, suffixes] of HOST_SUFFIXES) {
    for (const s of suffixes) {
      if (h === s || (h.endsWith(s) && h.charCodeAt(h.length - s.length - 1) === 46)) return provider;
    }
  }
  for (const [provider, part] of HOST_SUBSTRINGS) if (h.includes(part)) return provider;
  return 'other';
}

/** Provider named by the reply text itself (Gmail's `- gsmtp` trailer and similar), or 'other'. */
export function providerFromReply(text: string): Provider {
  for (const [provider, pattern] of REPLY_SIGNATURES) if (pattern.test(text)) return provider;
  return 'other';
}

/** Provider from the remote host name, falling back to the reply text. */
export function providerOf(host: string | null, text: string): Provider {
  const p = providerFromHost(host);
  return p === 'other' ? providerFromReply(text) : p;
}
