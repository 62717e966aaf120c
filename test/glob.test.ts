import { describe, expect, it } from 'vitest';
import { filterMatches, isGlob, joinMatch, looksWindows, matchesGlob, newestMatch, splitGlob } from '../src/logs/sources/glob-pattern.js';

describe('splitGlob', () => {
  it('splits a Windows MDaemon path on Linux with path.win32', () => {
    const parts = splitGlob('C:\\MDaemon\\Logs\\MDaemon-*-SMTP (out).log', 'linux');
    expect(parts).toEqual({ dir: 'C:\\MDaemon\\Logs', pattern: 'MDaemon-*-SMTP (out).log', windows: true });
    expect(joinMatch(parts, 'MDaemon-2026-11-27-SMTP (out).log')).toBe('C:\\MDaemon\\Logs\\MDaemon-2026-11-27-SMTP (out).log');
  });

  it('splits a Windows path with spaces in a directory', () => {
    expect(splitGlob('D:\\Program Files\\MDaemon\\Logs\\*.log', 'linux')).toEqual({ dir: 'D:\\Program Files\\MDaemon\\Logs', pattern: '*.log', windows: true });
  });

  it('accepts forward slashes after a drive letter', () => {
    expect(splitGlob('C:/MDaemon/Logs/*.log', 'linux')).toEqual({ dir: 'C:/MDaemon/Logs', pattern: '*.log', windows: true });
  });

  it('splits POSIX paths with path.posix', () => {
    const parts = splitGlob('/var/log/mail log/mail-*.log', 'linux');
    expect(parts).toEqual({ dir: '/var/log/mail log', pattern: 'mail-*.log', windows: false });
    expect(joinMatch(parts, 'mail-1.log')).toBe('/var/log/mail log/mail-1.log');
    expect(splitGlob('mail.log', 'linux')).toEqual({ dir: '.', pattern: 'mail.log', windows: false });
  });

  it('treats every path as Windows-style on win32', () => {
    expect(looksWindows('/var/log/mail.log', 'win32')).toBe(true);
    expect(looksWindows('/var/log/mail.log', 'linux')).toBe(false);
    expect(looksWindows('\\\\server\\share\\x.log', 'linux')).toBe(true);
  });
});

describe('isGlob', () => {
  it('sees wildcards only in the last segment', () => {
    expect(isGlob('C:\\MDaemon\\Logs\\MDaemon-*-SMTP (out).log', 'linux')).toBe(true);
    expect(isGlob('/var/log/mail?.log', 'linux')).toBe(true);
    expect(isGlob('/var/log/mail.log', 'linux')).toBe(false);
    expect(isGlob('/var/*/mail.log', 'linux')).toBe(false);
    expect(isGlob('C:\\Logs [old]\\(x) y.log', 'linux')).toBe(false);
  });
});

describe('matchesGlob', () => {
  const mdaemon = 'MDaemon-*-SMTP (out).log';

  it('matches MDaemon daily names with parentheses and spaces literal', () => {
    expect(matchesGlob(mdaemon, 'MDaemon-2026-11-27-SMTP (out).log')).toBe(true);
    expect(matchesGlob(mdaemon, 'MDaemon-2026-11-27-SMTP (in).log')).toBe(false);
    expect(matchesGlob(mdaemon, 'MDaemon-2026-11-27-SMTP (out).log.bak')).toBe(false);
    expect(matchesGlob(mdaemon, 'MDaemon-2026-11-27-SMTP (out)xlog')).toBe(false);
    expect(matchesGlob(mdaemon, 'MDaemon--SMTP (out).log')).toBe(true);
  });

  it('treats brackets and dots literally and ? as one character', () => {
    expect(matchesGlob('mail[1].log', 'mail[1].log')).toBe(true);
    expect(matchesGlob('mail[1].log', 'mail1.log')).toBe(false);
    expect(matchesGlob('mail.?', 'mail.1')).toBe(true);
    expect(matchesGlob('mail.?', 'mail.10')).toBe(false);
    expect(matchesGlob('mail.?', 'mailx1')).toBe(false);
    expect(matchesGlob('?.log', 'é.log')).toBe(true);
  });

  it('handles several stars and backtracking', () => {
    expect(matchesGlob('*a*b*c', 'xxaxxbxxbxc')).toBe(true);
    expect(matchesGlob('*a*b*c', 'xxaxxbxxbx')).toBe(false);
    expect(matchesGlob('*', '')).toBe(true);
    expect(matchesGlob('*', '.hidden')).toBe(true);
    expect(matchesGlob('', 'x')).toBe(false);
  });

  it('ignores case only when asked (Windows paths)', () => {
    expect(matchesGlob('*.log', 'X.LOG')).toBe(false);
    expect(matchesGlob('*.log', 'X.LOG', true)).toBe(true);
    const win = splitGlob('C:\\Logs\\*.log', 'linux');
    expect(filterMatches(win, ['a.log', 'B.LOG', 'c.txt'])).toEqual(['a.log', 'B.LOG']);
    const posix = splitGlob('/logs/*.log', 'linux');
    expect(filterMatches(posix, ['a.log', 'B.LOG', 'c.txt'])).toEqual(['a.log']);
  });
});

describe('newestMatch', () => {
  it('picks the latest mtime, not the greatest name', () => {
    const got = newestMatch([
      { name: 'log-10', mtimeMs: 2000 },
      { name: 'log-9', mtimeMs: 1000 },
    ]);
    expect(got?.name).toBe('log-10');
  });

  it('breaks mtime ties with the greater name', () => {
    const got = newestMatch([
      { name: 'MDaemon-2026-11-28-SMTP (out).log', mtimeMs: 5000 },
      { name: 'MDaemon-2026-11-27-SMTP (out).log', mtimeMs: 5000 },
    ]);
    expect(got?.name).toBe('MDaemon-2026-11-28-SMTP (out).log');
  });

  it('returns undefined for no candidates', () => {
    expect(newestMatch([])).toBeUndefined();
  });
});
