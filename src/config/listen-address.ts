/** Where to listen: host null means every address of both families (":PORT"). */
export interface ListenAddress { host: string | null; port: number }

/** Splits "HOST:PORT", "[IPv6]:PORT" or ":PORT" into host and port, or returns null. */
export function parseListenAddress(text: string): ListenAddress | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  return { host: m[1] ?? (m[2] || null), port };
}
