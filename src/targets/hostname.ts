/** A DNS host name (RFC 1123 labels, underscores allowed as in real PTR data), with an optional trailing dot. */
const HOSTNAME = /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** True when text is a host name as a HELO name or PTR target may be written. */
export function isHostname(text: string): boolean {
  return HOSTNAME.test(text);
}

/** Lowercases a host name and drops trailing dots, so names compare as DNS compares them (RFC 4343). */
export function normalizeHostname(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower.replace(/\.+$/, '') : lower;
}
