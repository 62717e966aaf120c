/** Makes a DNS-derived string safe and bounded as a label value: control characters escaped, length capped. */
export function labelValue(text: string, maxLength: number): string {
  // eslint-disable-next-line no-control-regex -- the class matches the C0 controls and DEL on purpose
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return clean.length > maxLength ? `${clean.slice(0, maxLength - 3)}...` : clean;
}
