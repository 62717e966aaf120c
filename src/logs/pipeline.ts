import { classify } from './classify.js';
import { createDeduper, type Deduper } from './dedupe.js';
import { createParser, detectFormat, detectLineFormat, type LineFormatName, type ParserOptions } from './formats/index.js';
import type { DeliveryEvent, LineParser, Rejection } from './types.js';

/** Lines kept while `auto` looks for the format; after that, undecided lines are dropped unbuffered. */
export const DETECT_LINES = 50;

/** Lines in, counted rejections out: parser, then dedupe (replays and per-recipient copies), then classifier. */
export interface LogPipeline {
  push(line: string): Rejection[];
  /** The input ended (a whole file was read): what the parser still held. */
  end(): Rejection[];
  /** The format in use; null while `auto` has not recognised one. */
  readonly format: LineFormatName | null;
}

const NONE: Rejection[] = [];

/** Options of a pipeline: the parsers' options; `scan` lets `auto` also recognise transcripts. */
export interface PipelineOptions extends ParserOptions { scan?: boolean }

/**
 * Creates a pipeline for one log. With `auto`, lines are buffered (at most DETECT_LINES, older
 * undecided ones are dropped) until one is recognised, then the buffer is parsed in order.
 */
export function createLogPipeline(format: LineFormatName | 'auto', opts: PipelineOptions = {}): LogPipeline {
  let parser: LineParser | null = format === 'auto' ? null : createParser(format, opts);
  let chosen: LineFormatName | null = format === 'auto' ? null : format;
  const detect = opts.scan === true ? detectLineFormat : detectFormat;
  let buffer: string[] = [];
  const deduper: Deduper = createDeduper();

  function run(p: LineParser, line: string): Rejection[] {
    return count(p.push(line));
  }

  function count(events: readonly DeliveryEvent[]): Rejection[] {
    if (events.length === 0) return NONE;
    let out: Rejection[] = NONE;
    for (const ev of events) {
      if (!deduper.accept(ev)) continue;
      const r = classify(ev);
      if (r === null) continue;
      if (out === NONE) out = [];
      out.push(r);
    }
    return out;
  }

  return {
    push(line: string): Rejection[] {
      if (parser) return run(parser, line);
      if (buffer.length >= DETECT_LINES) buffer = [];
      buffer.push(line);
      const f = detect([line]);
      if (f === null) return NONE;
      const p = createParser(f, opts);
      parser = p;
      chosen = f;
      const lines = buffer;
      buffer = [];
      const out: Rejection[] = [];
      for (const l of lines) for (const r of run(p, l)) out.push(r);
      return out;
    },
    end(): Rejection[] {
      return parser?.end ? count(parser.end()) : NONE;
    },
    get format(): LineFormatName | null {
      return chosen;
    },
  };
}
