import type { LineParser } from '../types.js';
import type { LineFormat, MessageFormat, ParserOptions } from './common.js';
import { dsnFormat } from './dsn.js';
import { eximFormat } from './exim.js';
import { mdaemonFormat } from './mdaemon.js';
import { opensmtpdFormat } from './opensmtpd.js';
import { postfixFormat } from './postfix.js';
import { sendmailFormat } from './sendmail.js';
import { transcriptFormat } from './transcript.js';

export type { ParserOptions } from './common.js';

/**
 * The format registry: every format the config, the CLI, `auto` detection and the README know.
 * Adding a format is one file exporting its entry and one line in one of these two lists.
 */
/** Log formats `logs[]` follows and `scan` reads. */
const LOG_FORMATS = [postfixFormat, eximFormat, mdaemonFormat, sendmailFormat, opensmtpdFormat] as const;
/** Formats only `scan` reads: pasted evidence and bounce messages. */
const SCAN_ONLY_FORMATS = [transcriptFormat, dsnFormat] as const;
const REGISTRY = [...LOG_FORMATS, ...SCAN_ONLY_FORMATS] as const;

/** A format `logs[].format` takes (besides `auto`). */
export type LogFormat = (typeof LOG_FORMATS)[number]['name'];
/** A format `scan --format` takes (besides `auto`). */
export type ScanFormat = (typeof REGISTRY)[number]['name'];
/** A format read line by line. */
export type LineFormatName = LogFormat | typeof transcriptFormat.name;

/** Names of the formats `logs[].format` takes, besides `auto`. */
export const FORMAT_NAMES = LOG_FORMATS.map((f) => f.name) as unknown as readonly [LogFormat, ...LogFormat[]];
/** `auto` followed by FORMAT_NAMES: the config's enum. */
export const FORMAT_CHOICES = ['auto', ...FORMAT_NAMES] as const;
/** FORMAT_CHOICES as text for error messages: `auto, postfix, exim, ...`. */
export const formatChoices = FORMAT_CHOICES.join(', ');
/** The choices of `scan --format`: FORMAT_CHOICES and the formats only `scan` reads. */
export const SCAN_FORMAT_CHOICES = ['auto', ...REGISTRY.map((f) => f.name)] as unknown as readonly ['auto', ...ScanFormat[]];

/** Line formats in detection order (the log formats first). */
const LINE_FORMATS: readonly LineFormat[] = [...LOG_FORMATS, transcriptFormat];
const BY_NAME = new Map<string, LineFormat>(LINE_FORMATS.map((f) => [f.name, f]));

/** A fresh parser for one log (parsers keep per-log state). */
export function createParser(format: LineFormatName, opts: ParserOptions = {}): LineParser {
  const f = BY_NAME.get(format);
  if (!f) throw new Error(`unknown line format ${format}`);
  return f.create(opts);
}

/** The entry of a format read as whole messages, or null for a line format. */
export function messageFormat(format: ScanFormat): MessageFormat | null {
  return format === dsnFormat.name ? dsnFormat : null;
}

/** The log format most of the given lines (the first lines of a file) look like, or null. */
export function detectFormat(lines: readonly string[]): LogFormat | null {
  return vote(lines, LOG_FORMATS) as LogFormat | null;
}

/** Like detectFormat, among all line formats (`scan`, where transcripts are pasted too). */
export function detectLineFormat(lines: readonly string[]): LineFormatName | null {
  return vote(lines, LINE_FORMATS) as LineFormatName | null;
}

/**
 * What `scan --format auto` reads the given first lines as: messages when the input starts like a
 * message or an mbox, a bounce as soon as one line shows it (bounces quote transcripts), else the
 * line format with most votes.
 */
export function detectScanFormat(lines: readonly string[]): ScanFormat | null {
  if (lines[0] !== undefined && dsnFormat.firstLine.test(lines[0].slice(0, 4096))) return dsnFormat.name;
  for (const line of lines) if (dsnFormat.signature.test(line.length > 4096 ? line.slice(0, 4096) : line)) return dsnFormat.name;
  return detectLineFormat(lines);
}

/** A line votes for the first format whose signature it matches; the most votes win. */
function vote(lines: readonly string[], candidates: readonly LineFormat[]): string | null {
  const votes = new Map<string, number>();
  for (const raw of lines) {
    const line = raw.length > 4096 ? raw.slice(0, 4096) : raw;
    for (const f of candidates) {
      if (f.signature.test(line)) {
        votes.set(f.name, (votes.get(f.name) ?? 0) + 1);
        break;
      }
    }
  }
  let best: string | null = null;
  let bestVotes = 0;
  for (const [format, n] of votes) if (n > bestVotes) { best = format; bestVotes = n; }
  return best;
}

/** The README's format table (a test keeps README.md equal to it). */
export function formatTable(): string {
  const rows = REGISTRY.map((f) => `| \`${f.name}\` | ${f.reads} |`);
  return ['| format | what is read |', '|---|---|', ...rows].join('\n');
}
