/**
 * Parses a DKIM-style tag list (RFC 6376 section 3.2, also used by DMARC, RFC 7489 section 6.4): "tag=value" pairs
 * separated by ";", whitespace around names and values ignored, a trailing ";" allowed. Returns the tags in order,
 * or an error text for a pair without "=", an empty or malformed name, or a duplicate name (which voids the list).
 */
export function parseTagList(text: string): { tags: [string, string][] } | { error: string } {
  const tags: [string, string][] = [];
  const seen = new Set<string>();
  const parts = text.split(';');
  for (let i = 0; i < parts.length; i++) {
    const part = (parts[i] ?? '').trim();
    if (part === '') {
      if (i === parts.length - 1) continue;
      return { error: `empty tag at position ${i + 1}` };
    }
    const eq = part.indexOf('=');
    if (eq < 0) return { error: `tag ${i + 1} ("${part}") has no "="` };
    const name = part.slice(0, eq).trim();
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) return { error: `tag ${i + 1} has an invalid name "${name}"` };
    const key = name.toLowerCase();
    if (seen.has(key)) return { error: `tag ${name} occurs twice` };
    seen.add(key);
    tags.push([key, part.slice(eq + 1).trim()]);
  }
  return { tags };
}
