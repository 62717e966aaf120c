import type { LineParser } from '../types.js';
import type { LineFormat, ParserOptions } from './common.js';
import { eximFormat } from './exim.js';
import { mdaemonFormat } from './mdaemon.js';
import { opensmtpdFormat } from './opensmtpd.js';
import { postfixFormat } from './postfix.js';
import { sendmailFormat } from './sendmail.js';

export type { ParserOptions } from './common.js';

/**
 * The format registry: every format the config, the CLI, `auto` detection and the README know.
 * Adding a format is one file exporting a LineFormat and one entry here.
 */
const REGISTRY = [postfixFormat, eximFormat, mdaemonFormat, sendmailFormat, opensmtpdFormat] as const;

/** A log format's name. */
export type LogFormat = (typeof REGISTRY)[number]['name'];

/** Names of the formats `logs[].format` and `scan --format` take, besides `auto`. */
export const FORMAT_NAMES = REGISTRY.map((f) => f.name) as unknown as readonly [LogFormat, ...LogFormat[]];

/** `auto` followed by FORMAT_NAMES: the config's enum and the CLI's `--format` choices. */
export const FORMAT_CHOICES = ['auto', ...FORMAT_NAMES] as const;

/** FORMAT_CHOICES as text for error messages: `auto, postfix, exim, ...`. */
export const formatChoices = FORMAT_CHOICES.join(', ');

/** The choices of `scan --format`: FORMAT_CHOICES and the formats only `scan` reads. */
export const SCAN_FORMAT_CHOICES: readonly string[] = FORMAT_CHOICES;

const BY_NAME = new Map<string, LineFormat>(REGISTRY.map((f) => [f.name, f]));

/** A fresh parser for one log (parsers keep per-log state). */
export function createParser(format: LogFormat, opts: ParserOptions = {}): LineParser {
  const f = BY_NAME.get(format);
  if (!f) throw new Error(`unknown log format ${format}`);
  return f.create(opts);
}

/** The format most of the given lines (the first lines of a file) look like, or null; a line votes for the first format whose signature it matches. */
export function detectFormat(lines: readonly string[]): LogFormat | null {
  const votes = new Map<LogFormat, number>();
  for (const raw of lines) {
    const line = raw.length > 4096 ? raw.slice(0, 4096) : raw;
    for (const f of REGISTRY) {
      if (f.signature.test(line)) {
        votes.set(f.name, (votes.get(f.name) ?? 0) + 1);
        break;
      }
    }
  }
  let best: LogFormat | null = null;
  let bestVotes = 0;
  for (const [format, n] of votes) if (n > bestVotes) { best = format; bestVotes = n; }
  return best;
}

/** The README's format table (a test keeps README.md equal to it). */
export function formatTable(): string {
  const rows = REGISTRY.map((f) => `| \`${f.name}\` | ${f.reads} |`);
  return ['| format | what is read |', '|---|---|', ...rows].join('\n');
}
