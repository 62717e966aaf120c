import { RULES } from './logs/classify.js';

/**
 * Subject.detail pairs of the IANA SMTP Enhanced Status Codes registry (RFC 3463, RFC 5248 and later
 * registrations): X.0.0, X.1.0-X.1.10, X.2.0-X.2.4, X.3.0-X.3.6, X.4.0-X.4.7, X.5.0-X.5.6, X.6.0-X.6.10,
 * X.7.0-X.7.30. https://www.iana.org/assignments/smtp-enhanced-status-codes
 */
const REGISTRY_DETAILS: readonly [subject: number, lastDetail: number][] = [[0, 0], [1, 10], [2, 4], [3, 6], [4, 7], [5, 6], [6, 10], [7, 30]];

/** 4xx and 5xx reply codes of RFC 5321 section 4.2.3. */
const REPLY_CODES = ['421', '450', '451', '452', '455', '500', '501', '502', '503', '504', '550', '551', '552', '553', '554', '555'];

function knownCodes(): Set<string> {
  const known = new Set<string>(REPLY_CODES);
  for (const cls of [4, 5]) {
    for (const [subject, last] of REGISTRY_DETAILS) for (let d = 0; d <= last; d++) known.add(`${cls}.${subject}.${d}`);
  }
  for (const rule of RULES) for (const code of rule.codes ?? []) known.add(code);
  return known;
}

/** Every value the `code` label may take besides "other". */
export const KNOWN_CODES: ReadonlySet<string> = knownCodes();

/** The `code` label of a rejection: the code itself when it is in KNOWN_CODES, else "other"; a remote server cannot add series. */
export function codeLabel(code: string): string {
  return KNOWN_CODES.has(code) ? code : 'other';
}
