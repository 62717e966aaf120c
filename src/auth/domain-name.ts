const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Lowercases a domain name and drops a trailing dot (names compare case-insensitively, RFC 4343). */
export function normalizeDomain(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/** True for a domain name of one or more labels of letters, digits, hyphens and underscores (RFC 2181 section 11), 253 characters at most. */
export function isDomainName(name: string, minLabels = 2): boolean {
  const n = normalizeDomain(name);
  const labels = n.split('.');
  return n.length > 0 && n.length <= 253 && labels.length >= minLabels && labels.every((l) => LABEL.test(l));
}

/** True for a DKIM selector: one or more dot-separated labels (RFC 6376 section 3.1). */
export function isSelector(name: string): boolean {
  return isDomainName(name, 1) && !name.endsWith('.');
}
