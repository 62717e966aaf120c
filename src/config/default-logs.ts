import path from 'node:path';

/** A usual MTA log location on a platform, with the format found there; `journal` for the systemd journal. */
export interface UsualLog { path: string; format: 'auto' | 'mdaemon'; journal?: { units: string[]; directory: string } }

/** Whether the system journal can be followed: journal files exist and at least one is readable by this user. */
export type JournalAccess = 'readable' | 'unreadable' | 'absent';

/** The file-system checks the choice needs (injected so tests describe a host without touching it). */
export interface HostFiles {
  exists(p: string): boolean;
  /** The entries of a directory, empty when it cannot be listed. */
  list(dir: string): string[];
  readable(p: string): boolean;
}

/** Where journald keeps the system journal: persistent, then volatile (systemd-journald.service(8)). */
export const SYSTEM_JOURNAL_DIRS = ['/var/log/journal', '/run/log/journal'];
const JOURNALCTL = ['/usr/bin/journalctl', '/bin/journalctl'];

/** The platform's usual MTA log paths, best first (the first that exists is tailed). */
export function usualLogPaths(platform: NodeJS.Platform): UsualLog[] {
  if (platform === 'win32') {
    return ['C:\\MDaemon\\Logs', 'C:\\Program Files\\MDaemon\\Logs', 'C:\\Program Files (x86)\\MDaemon\\Logs']
      .map((dir) => ({ path: path.win32.join(dir, 'MDaemon-*-SMTP (out).log'), format: 'mdaemon' as const }));
  }
  return ['/var/log/mail.log', '/var/log/maillog', '/var/log/mail/mail.log', '/var/log/exim4/mainlog', '/var/log/exim/main.log', '/var/log/zimbra.log']
    .map((p) => ({ path: p, format: 'auto' as const }));
}

/**
 * Picks the first usual log whose file (or, for a daily-file pattern, folder) exists; else the
 * system journal when it has journal files (Debian 12 and later install no syslog daemon, so the
 * MTA logs only there). A journal this user may not read is still chosen: its `ptr_log_open` 0 and
 * the log line then say how to get access.
 */
export function pickUsualLog(platform: NodeJS.Platform, exists: (p: string) => boolean, journal: () => JournalAccess = () => 'absent'): UsualLog | null {
  const paths = platform === 'win32' ? path.win32 : path.posix;
  for (const log of usualLogPaths(platform)) {
    const probe = log.path.includes('*') ? paths.dirname(log.path) : log.path;
    if (exists(probe)) return log;
  }
  return journal() === 'absent' ? null : { path: 'journal', format: 'auto', journal: { units: [], directory: '' } };
}

/** Whether journalctl and journal files exist on this host, and whether one of them is readable. */
export function systemJournalAccess(platform: NodeJS.Platform, files: HostFiles): JournalAccess {
  if (platform !== 'linux' || !JOURNALCTL.some((p) => files.exists(p))) return 'absent';
  const journals: string[] = [];
  for (const dir of SYSTEM_JOURNAL_DIRS) {
    for (const name of files.list(dir)) {
      const sub = path.posix.join(dir, name);
      if (name.endsWith('.journal')) journals.push(sub);
      else for (const f of files.list(sub)) if (f.endsWith('.journal')) journals.push(path.posix.join(sub, f));
    }
  }
  if (journals.length === 0) return 'absent';
  return journals.some((f) => files.readable(f)) ? 'readable' : 'unreadable';
}

/** What the start-up log says about the logs being read: a warning when there is none. */
export interface LogChoiceNote { level: 'info' | 'warn'; msg: string; fields: Record<string, string> }

/**
 * The start-up note on the logs: with none, a warning naming what was looked for and how to configure
 * one (or the usual log that `logs: []` leaves out); with exactly one usual log (the default choice), which one it is.
 */
export function logChoiceNote(platform: NodeJS.Platform, logs: readonly { path: string }[], journal: JournalAccess, usual: UsualLog | null = null): LogChoiceNote | null {
  if (logs.length === 0 && usual !== null) {
    return { level: 'warn', msg: 'no MTA log is being read, so SMTP rejections cannot be counted: logs: is empty in the config file although this MTA log exists; configure it under logs:', fields: { found: usual.path } };
  }
  if (logs.length === 0) {
    const looked = usualLogPaths(platform).map((l) => l.path);
    const journalText = platform === 'win32' ? '' : ` and no systemd journal (${journal === 'absent' ? `no journal files in ${SYSTEM_JOURNAL_DIRS.join(' or ')}` : `journal ${journal}`})`;
    return {
      level: 'warn',
      msg: `no MTA log is being read, so SMTP rejections cannot be counted: none of the usual log files exists${journalText}. Configure one in the config file under logs: with path: FILE (or a glob)${platform === 'win32' ? '' : ' or journal: {}'}`,
      fields: { looked_for: looked.join(', '), journal: platform === 'win32' ? 'not on Windows' : journal },
    };
  }
  const only = logs.length === 1 ? logs[0]! : null;
  if (only === null) return null;
  if (only.path === 'journal') {
    return journal === 'unreadable'
      ? { level: 'warn', msg: 'reading the systemd journal, but this user may not read it: add the user to the systemd-journal or adm group and restart', fields: { path: only.path } }
      : { level: 'info', msg: 'reading the MTA log from the systemd journal', fields: { path: only.path } };
  }
  return usualLogPaths(platform).some((l) => l.path === only.path)
    ? { level: 'info', msg: 'reading the MTA log at a usual path', fields: { path: only.path } }
    : null;
}
