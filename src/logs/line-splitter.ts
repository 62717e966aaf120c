import { isAscii } from 'node:buffer';
import { Utf8OrWindows1252 } from './windows-1252.js';

/** Default cap on one line; the rest of a longer line is dropped and the cut is counted. */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * Turns byte chunks into complete lines. CRLF and LF both end a line; a partial last line waits
 * for its newline. Bytes that are not valid UTF-8 read as Windows-1252 (MDaemon writes its logs in
 * the Windows code page) and never stop reading. A line longer than maxLineChars is cut: its head is
 * emitted once, the rest up to the next newline is skipped, and `truncated` counts it.
 */
export class LineSplitter {
  truncated = 0;
  private decoder = new Utf8OrWindows1252();
  private partial = '';
  private skipping = false;

  constructor(private readonly maxLineChars = MAX_LINE_CHARS) {}

  /** Feeds a chunk and returns the lines it completed. */
  push(chunk: Buffer): string[] {
    if (!this.decoder.holding && isAscii(chunk)) return this.split(new AsciiText(chunk));
    return this.split(new DecodedText(this.decoder.push(chunk).toString('utf8')));
  }

  /** Returns the partial last line as a line (end of a whole-file read), if any. */
  flush(): string[] {
    const rest = this.split(new DecodedText(this.decoder.end().toString('utf8')));
    const last = this.skipping ? '' : this.partial;
    this.partial = '';
    this.skipping = false;
    return last === '' ? rest : [...rest, stripCr(last)];
  }

  /** Drops any partial line and decoder state (the file was truncated or replaced). */
  reset(): void {
    this.decoder = new Utf8OrWindows1252();
    this.partial = '';
    this.skipping = false;
  }

  /** Characters waiting for a newline. */
  get pendingChars(): number {
    return this.partial.length;
  }

  private split(text: ChunkText): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = text.indexOf(0); nl !== -1; nl = text.indexOf(start)) {
      const piece = text.slice(start, nl);
      start = nl + 1;
      if (this.skipping) {
        this.skipping = false;
        this.partial = '';
        continue;
      }
      const line = stripCr(this.partial === '' ? piece : this.partial + piece);
      this.partial = '';
      if (line.length > this.maxLineChars) {
        this.truncated++;
        lines.push(line.slice(0, this.maxLineChars));
      } else {
        lines.push(line);
      }
    }
    if (start < text.length && !this.skipping) {
      this.partial += text.slice(start, text.length);
      // One extra char is allowed: it may be the CR of a CRLF whose LF is in the next chunk.
      if (this.partial.length > this.maxLineChars + 1 || (this.partial.length === this.maxLineChars + 1 && !this.partial.endsWith('\r'))) {
        this.truncated++;
        lines.push(this.partial.slice(0, this.maxLineChars));
        this.partial = '';
        this.skipping = true;
      }
    }
    return lines;
  }
}

/**
 * A chunk's text, read line by line. Every line is a string of its own: a substring that V8 keeps as a
 * view into the whole chunk would keep the chunk alive for as long as anything derived from the line
 * (a dedupe key, a label value) is kept, and memory would grow with the file.
 */
interface ChunkText {
  readonly length: number;
  /** Index of the next newline at or after from, or -1. */
  indexOf(from: number): number;
  /** A copy of [from, to), never a view into the chunk. */
  slice(from: number, to: number): string;
}

/** An ASCII chunk: each line is copied out of the bytes, with no string for the whole chunk. */
class AsciiText implements ChunkText {
  constructor(private readonly bytes: Buffer) {}
  get length(): number {
    return this.bytes.length;
  }

  indexOf(from: number): number {
    return this.bytes.indexOf(10, from);
  }

  slice(from: number, to: number): string {
    return this.bytes.toString('latin1', from, to);
  }
}

/** Decoded UTF-8 text: a line is copied through a buffer so that it does not refer to the chunk. */
class DecodedText implements ChunkText {
  constructor(private readonly text: string) {}
  get length(): number {
    return this.text.length;
  }

  indexOf(from: number): number {
    return this.text.indexOf('\n', from);
  }

  slice(from: number, to: number): string {
    const piece = this.text.slice(from, to);
    // V8 copies substrings shorter than 13 characters anyway; longer ones are views.
    return piece.length < 13 ? piece : Buffer.from(piece, 'utf8').toString('utf8');
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
