import { open, stat } from 'node:fs/promises';
import { classify } from './classify.js';
import { detectScanFormat, messageFormat, type ScanFormat } from './formats/index.js';
import { LineSplitter } from './line-splitter.js';
import { readMessages } from './mailbox.js';
import { createLogPipeline } from './pipeline.js';
import { Aggregator, type ScanFileReport, type ScanReport } from './scan-report.js';

export { formatScanTable, type ScanFileReport, type ScanReport, type ScanRow } from './scan-report.js';

/** Options of scanFiles. */
export interface ScanFilesOptions {
  format: ScanFormat | 'auto';
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  /** Read for the path `-` (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
  /** Year for timestamps without one (default: the current year). */
  year?: number;
  /** Rejections logged before this time (Unix ms) are left out; those without a time are kept. */
  sinceMs?: number;
}

const READ_SIZE = 1 << 16;
/** Bytes `auto` looks at before choosing between a bounce and a line format. */
const SNIFF_BYTES = 64 * 1024;
const SNIFF_LINES = 200;

type Progress = (n: number, grows: boolean) => void;

/**
 * Reads each input once, whole (`-` is stdin), and aggregates its rejections. An explicit line
 * format parses leniently (pasted excerpts); `dsn` reads bounce messages (a file, an mbox or a
 * Maildir folder); `auto` looks at the first lines of each input. Bytes that are not UTF-8 are read
 * as Windows-1252. Rejects with an Error naming the path when an input cannot be read.
 */
export async function scanFiles(paths: string[], opts: ScanFilesOptions): Promise<ScanReport> {
  const sizes = await Promise.all(paths.map(async (p) => {
    if (p === '-') return { size: 0, dir: false };
    try {
      const s = await stat(p);
      return { size: s.isDirectory() ? 0 : s.size, dir: s.isDirectory() };
    } catch (e) {
      throw new Error(`cannot read ${p}: ${(e as Error).message}`, { cause: e });
    }
  }));
  let total = sizes.reduce((a, b) => a + b.size, 0);
  let done = 0;
  const progress: Progress = (n, grows) => {
    done += n;
    if (grows) total += n;
    opts.onProgress?.(done, total);
  };

  const agg = new Aggregator(opts.sinceMs ?? null);
  const files: ScanFileReport[] = [];
  for (const [i, path] of paths.entries()) {
    const dir = sizes[i]?.dir === true;
    try {
      files.push(await scanOne(path, dir, opts, agg, progress));
    } catch (e) {
      throw new Error(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
    }
  }
  return agg.report(files);
}

async function scanOne(path: string, dir: boolean, opts: ScanFilesOptions, agg: Aggregator, progress: Progress): Promise<ScanFileReport> {
  const source = chunksOf(path, opts.stdin, progress);
  let format: ScanFormat | 'auto' = opts.format;
  let chunks: AsyncIterable<Buffer> = source;
  if (format === 'auto') {
    if (dir) {
      format = 'dsn';
    } else {
      const head = await sniff(source);
      chunks = head.chunks;
      if (detectScanFormat(head.lines) === 'dsn') format = 'dsn';
    }
  } else if (dir && messageFormat(format) === null) {
    throw new Error('is a folder; only --format dsn (or auto) reads a Maildir folder');
  }
  const reader = format === 'auto' ? null : messageFormat(format);
  if (reader) {
    let lines = 0;
    let bytes = 0;
    const onRead = (b: number, l: number): void => {
      lines += l;
      bytes += b;
      if (dir) progress(b, true);
    };
    for await (const message of readMessages(path, () => chunks, onRead)) {
      for (const ev of await reader.events(message)) {
        const r = classify(ev);
        if (r) agg.add(r);
      }
    }
    return { path, format: reader.name as ScanFormat, lines, bytes };
  }
  const pipeline = createLogPipeline(format === 'auto' ? 'auto' : format as Exclude<ScanFormat, 'dsn'>,
    { lenient: format !== 'auto', year: opts.year, scan: true });
  const splitter = new LineSplitter();
  let lines = 0;
  let bytes = 0;
  const feed = (text: string[]): void => {
    for (const line of text) {
      lines++;
      for (const r of pipeline.push(line)) agg.add(r);
    }
  };
  for await (const chunk of chunks) {
    bytes += chunk.length;
    feed(splitter.push(chunk));
  }
  feed(splitter.flush());
  for (const r of pipeline.end()) agg.add(r);
  return { path, format: pipeline.format, lines, bytes };
}

/** The first lines of an input, and its chunks again from the start. */
async function sniff(source: AsyncIterable<Buffer>): Promise<{ lines: string[]; chunks: AsyncIterable<Buffer> }> {
  const it = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size < SNIFF_BYTES) {
    const r = await it.next();
    if (r.done === true) { ended = true; break; }
    head.push(r.value);
    size += r.value.length;
  }
  const lines = Buffer.concat(head).toString('utf8').split(/\r?\n/, SNIFF_LINES);
  async function* replay(): AsyncGenerator<Buffer> {
    yield* head;
    if (ended) return;
    for (let r = await it.next(); r.done !== true; r = await it.next()) yield r.value;
  }
  return { lines, chunks: replay() };
}

/** The bytes of a file (read with one reused buffer, so each chunk is copied) or of stdin. */
async function* chunksOf(path: string, stdin: NodeJS.ReadableStream | undefined, progress: Progress): AsyncGenerator<Buffer> {
  if (path === '-') {
    for await (const chunk of stdin ?? process.stdin) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk as Buffer;
      progress(buf.length, true);
      yield buf;
    }
    return;
  }
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(READ_SIZE);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, READ_SIZE, null);
      if (bytesRead === 0) break;
      progress(bytesRead, false);
      yield Buffer.from(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
}
