import { isUtf8 } from 'node:buffer';

/** Windows-1252 bytes 0x80-0x9F as Unicode (WHATWG Encoding); 0xA0-0xFF are the same code points. */
const HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/**
 * Passes UTF-8 through and turns every byte that is not part of valid UTF-8 into its Windows-1252
 * character (as UTF-8), so text MDaemon writes in the Windows code page reads as written instead
 * of as U+FFFD. Keeps at most 3 bytes of a character split across chunks.
 */
export class Utf8OrWindows1252 {
  private pending: Buffer = Buffer.alloc(0);

  /** True while the first bytes of a character cut off at the end of the last chunk are held back. */
  get holding(): boolean {
    return this.pending.length > 0;
  }

  /** Converts a chunk; the result is valid UTF-8 and may be a view into the chunk. */
  push(chunk: Buffer): Buffer {
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    if (isUtf8(buf)) return buf;
    // Most often the chunk is UTF-8 whose last character continues in the next chunk.
    const cut = cutCharacterAt(buf);
    if (cut >= 0 && isUtf8(buf.subarray(0, cut))) {
      this.pending = Buffer.from(buf.subarray(cut));
      return buf.subarray(0, cut);
    }
    const out: number[] = [];
    let i = 0;
    while (i < buf.length) {
      const n = sequenceLength(buf, i);
      if (n > 0) {
        for (let k = 0; k < n; k++) out.push(buf[i + k] as number);
        i += n;
      } else if (n === 0) {
        this.pending = Buffer.from(buf.subarray(i));
        break;
      } else {
        pushCodePoint(out, decodeByte(buf[i] as number));
        i++;
      }
    }
    return Buffer.from(out);
  }

  /** Flushes a character cut off at the end of the input. */
  end(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    const out: number[] = [];
    for (const b of rest) pushCodePoint(out, decodeByte(b));
    return Buffer.from(out);
  }
}

/** Where a UTF-8 character that the end of buf cuts off starts (its bytes so far valid), or -1. */
function cutCharacterAt(buf: Buffer): number {
  for (let i = buf.length - 1; i >= 0 && i >= buf.length - 3; i--) {
    const b = buf[i] as number;
    if (b < 0x80) return -1;
    if (b >= 0xc0) return sequenceLength(buf, i) === 0 ? i : -1;
  }
  return -1;
}

/** Length of the valid UTF-8 sequence at i, 0 when it is cut off by the end of buf, -1 when invalid. */
function sequenceLength(buf: Buffer, i: number): number {
  const b = buf[i] as number;
  if (b < 0x80) return 1;
  const n = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
  if (n === 0) return -1;
  // Second-byte ranges that exclude overlong forms, surrogates and code points above U+10FFFF.
  const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
  const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
  for (let k = 1; k < n; k++) {
    if (i + k >= buf.length) return 0;
    const c = buf[i + k] as number;
    if (c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return -1;
  }
  return n;
}

function decodeByte(b: number): number {
  return b >= 0x80 && b < 0xa0 ? (HIGH[b - 0x80] as number) : b;
}

function pushCodePoint(out: number[], cp: number): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  else out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}
