/** What journalctl's standard error says about why the journal cannot be read. */
export type JournalProblem = 'permission' | 'cursor' | 'other';

/**
 * Classifies journalctl's messages (systemd's journalctl.c): no permission ("No journal files were
 * opened due to insufficient permissions", or the hint "You are currently not seeing messages from
 * other users and the system"), a cursor it cannot use ("Failed to seek to cursor"), or anything else.
 * Null when the text holds no problem.
 */
export function journalProblem(stderr: string): JournalProblem | null {
  if (/insufficient permissions|not seeing messages from other users and the system/i.test(stderr)) return 'permission';
  if (/cursor/i.test(stderr) && /fail|invalid/i.test(stderr)) return 'cursor';
  return stderr.trim() === '' ? null : 'other';
}

/** The advice logged for a permission problem. */
export const JOURNAL_PERMISSION_HINT = 'the exporter\'s user may not read the journal: add it to the systemd-journal or adm group (usermod -a -G systemd-journal USER, or SupplementaryGroups= in the systemd unit) and restart it';

/** The last non-empty line of a text, cut to 300 characters, for a log field. */
export function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  return (lines.at(-1) ?? '').slice(0, 300);
}
