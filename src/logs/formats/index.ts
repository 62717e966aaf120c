import type { LineParser, LogFormat } from '../types.js';
import type { ParserOptions } from './common.js';
import { createEximParser } from './exim.js';
import { createMdaemonParser } from './mdaemon.js';
import { createOpensmtpdParser } from './opensmtpd.js';
import { createPostfixParser } from './postfix.js';
import { createSendmailParser } from './sendmail.js';

export type { ParserOptions } from './common.js';

/** A fresh parser for one log (parsers keep per-log state). */
export function createParser(format: LogFormat, opts: ParserOptions = {}): LineParser {
  switch (format) {
    case 'postfix': return createPostfixParser(opts);
    case 'exim': return createEximParser(opts);
    case 'mdaemon': return createMdaemonParser(opts);
    case 'sendmail': return createSendmailParser(opts);
    case 'opensmtpd': return createOpensmtpdParser(opts);
  }
}

/** Line signatures of each format; a line counts as one vote for the first format it matches. */
const SIGNATURES: readonly [LogFormat, RegExp][] = [
  ['mdaemon', /^\s?[A-Z][a-z]{2} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,3})?: /],
  ['exim', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{3})?(?: [+-]\d{4})? (?:\[\d{1,10}\] )?(?:\w{6}-\w{6,11}-\w{2,4} (?:<=|=>|->|\*>|\*\*|==|Completed|SMTP error)|Start queue run|End queue run|exim \d)/],
  ['postfix', /\spostfix(?:-[\w.-]{1,64})?\/[\w/.-]{1,64}\[\d{1,10}\]: /],
  ['sendmail', /\s(?:sm-mta|sendmail|sm-msp-queue)\[\d{1,10}\]: /],
  ['opensmtpd', /\ssmtpd\[\d{1,10}\]: [0-9a-f]{16} (?:mta|smtp) /],
];

/** The format most of the given lines (the first lines of a file) look like, or null when none is recognised. */
export function detectFormat(lines: readonly string[]): LogFormat | null {
  const votes = new Map<LogFormat, number>();
  for (const raw of lines) {
    const line = raw.length > 4096 ? raw.slice(0, 4096) : raw;
    for (const [format, re] of SIGNATURES) {
      if (re.test(line)) {
        votes.set(format, (votes.get(format) ?? 0) + 1);
        break;
      }
    }
  }
  let best: LogFormat | null = null;
  let bestVotes = 0;
  for (const [format, n] of votes) if (n > bestVotes) { best = format; bestVotes = n; }
  return best;
}
