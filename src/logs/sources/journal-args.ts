/** The units whose entries are read when `journal.units` is empty: the MTAs' systemd services on Debian and others. */
export const DEFAULT_JOURNAL_UNITS: readonly string[] = ['postfix.service', 'postfix@-.service', 'exim4.service', 'sendmail.service', 'opensmtpd.service'];

/** Where a journalctl run starts. */
export type JournalStart = { after: string } | 'end' | 'beginning';

/** What to ask journalctl for. */
export interface JournalQuery {
  /** Units to read (any match); empty means DEFAULT_JOURNAL_UNITS. */
  units: readonly string[];
  /** A journal directory; empty for the system journal. */
  directory: string;
  follow: boolean;
  start: JournalStart;
  /** Only entries at or after this Unix time in milliseconds. */
  sinceMs?: number;
}

/**
 * journalctl's arguments (journalctl(1)): JSON output with every field whole (`--all`), one
 * `--unit` per unit (journalctl ORs them), `--after-cursor` to resume, `--lines=0` to start at the end.
 * `--system` with the system journal makes journalctl fail with "insufficient permissions" instead of
 * quietly showing only the user's own journal.
 */
export function journalctlArgs(q: JournalQuery): string[] {
  const args = ['--output=json', '--all', '--no-pager'];
  if (q.directory !== '') args.push(`--directory=${q.directory}`);
  else args.push('--system');
  for (const unit of q.units.length > 0 ? q.units : DEFAULT_JOURNAL_UNITS) args.push(`--unit=${unit}`);
  if (q.follow) args.push('--follow');
  if (typeof q.start === 'object') args.push(`--after-cursor=${q.start.after}`);
  else if (q.start === 'end') args.push('--lines=0');
  else if (q.follow) args.push('--no-tail');
  if (q.sinceMs !== undefined) args.push(`--since=@${Math.floor(q.sinceMs / 1000)}`);
  return args;
}

/** The `path` label and key of a journal source: `journal`, or `journal:DIRECTORY`. */
export function journalPath(directory: string): string {
  return directory === '' ? 'journal' : `journal:${directory}`;
}
