import { opendir, open, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes of one message kept; the rest (the returned original message, attachments) is dropped. */
export const MAX_MESSAGE_BYTES = 1 << 20;

/** Counts what a reader consumed, for progress and the scan report. */
export type OnRead = (bytes: number, lines: number) => void;

/**
 * The messages at a path, one at a time (memory stays bounded by one message): a Maildir folder
 * (the files in `new/` and `cur/`, or in the folder itself when it has neither), else the byte
 * stream of a file or stdin: an mbox (starts with a `From ` line; split at `From ` lines after a
 * blank line) or a single message or pasted text.
 */
export async function* readMessages(path: string, chunks: () => AsyncIterable<Buffer>, onRead: OnRead): AsyncGenerator<Uint8Array> {
  if (path !== '-' && (await stat(path)).isDirectory()) yield* maildirMessages(path, onRead);
  else yield* streamMessages(chunks(), onRead);
}

/** The files of a Maildir folder as messages. */
async function* maildirMessages(dir: string, onRead: OnRead): AsyncGenerator<Uint8Array> {
  const subs: string[] = [];
  for (const sub of ['new', 'cur']) {
    const s = await stat(join(dir, sub)).catch(() => null);
    if (s?.isDirectory()) subs.push(join(dir, sub));
  }
  if (subs.length === 0) subs.push(dir);
  for (const folder of subs) {
    for await (const entry of await opendir(folder)) {
      if (!entry.isFile() || entry.name.startsWith('.')) continue;
      const bytes = await readHead(join(folder, entry.name));
      onRead(bytes.length, countLines(bytes));
      yield bytes;
    }
  }
}

/** The first MAX_MESSAGE_BYTES of a file. */
async function readHead(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const buf = Buffer.allocUnsafe(Math.min(size, MAX_MESSAGE_BYTES));
    let n = 0;
    while (n < buf.length) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, null);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return buf.subarray(0, n);
  } finally {
    await fh.close();
  }
}

/** Splits a byte stream into mbox messages (or yields it whole when it is not an mbox); chunks must not be reused by the caller. */
async function* streamMessages(chunks: AsyncIterable<Buffer>, onRead: OnRead): AsyncGenerator<Uint8Array> {
  let parts: Buffer[] = [];
  let size = 0;
  let carry: Buffer | null = null;
  let mbox: boolean | null = null;
  let lineStart = true;
  let afterBlank = true;
  for await (const raw of chunks) {
    const chunk: Buffer = carry ? Buffer.concat([carry, raw]) : raw;
    carry = null;
    onRead(raw.length, countLines(raw));
    let from = 0;
    for (let nl = chunk.indexOf(10); ; nl = chunk.indexOf(10, from)) {
      const end = nl === -1 ? chunk.length : nl + 1;
      const line = chunk.subarray(from, end);
      if (nl === -1 && line.length < 5 && line.length > 0) { carry = Buffer.from(line); break; }
      if (lineStart) {
        const isFrom = line.length >= 5 && line.toString('latin1', 0, 5) === 'From ';
        mbox ??= isFrom;
        if (mbox && isFrom && afterBlank && size > 0) {
          yield Buffer.concat(parts);
          parts = [];
          size = 0;
        }
        afterBlank = line.length <= 2 && (line[0] === 10 || line[0] === 13);
      }
      if (size < MAX_MESSAGE_BYTES && line.length > 0) {
        const kept = line.subarray(0, MAX_MESSAGE_BYTES - size);
        parts.push(kept);
        size += kept.length;
      }
      lineStart = nl !== -1;
      if (nl === -1) break;
      from = end;
      if (from >= chunk.length) break;
    }
  }
  if (carry && size < MAX_MESSAGE_BYTES) parts.push(carry);
  if (size > 0 || carry) yield Buffer.concat(parts);
}

function countLines(b: Uint8Array): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}
