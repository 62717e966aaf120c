import path from 'node:path';

/** A usual MTA log location on a platform, with the format found there. */
export interface UsualLog { path: string; format: 'auto' | 'mdaemon' }

/** The platform's usual MTA log paths, best first (DESIGN section 2: the first that exists is tailed). */
export function usualLogPaths(platform: NodeJS.Platform): UsualLog[] {
  if (platform === 'win32') {
    return ['C:\\MDaemon\\Logs', 'C:\\Program Files\\MDaemon\\Logs', 'C:\\Program Files (x86)\\MDaemon\\Logs']
      .map((dir) => ({ path: path.win32.join(dir, 'MDaemon-*-SMTP (out).log'), format: 'mdaemon' as const }));
  }
  return ['/var/log/mail.log', '/var/log/maillog', '/var/log/mail/mail.log', '/var/log/exim4/mainlog', '/var/log/exim/main.log', '/var/log/zimbra.log']
    .map((p) => ({ path: p, format: 'auto' as const }));
}

/** Picks the first usual log whose file (or, for a daily-file pattern, folder) exists. */
export function pickUsualLog(platform: NodeJS.Platform, exists: (p: string) => boolean): UsualLog | null {
  const paths = platform === 'win32' ? path.win32 : path.posix;
  for (const log of usualLogPaths(platform)) {
    const probe = log.path.includes('*') ? paths.dirname(log.path) : log.path;
    if (exists(probe)) return log;
  }
  return null;
}
