import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logChoiceNote, pickUsualLog, systemJournalAccess, type HostFiles } from '../src/config/default-logs.js';
import { ConfigError } from '../src/config/errors.js';
import { hostFiles } from '../src/config/host-files.js';
import { parseConfig } from '../src/config/load.js';

// logs[].journal in the config file; the default config's choice of log: a usual file, else the systemd journal; the start-up note, a warning with no log.

/** A described host: files and directories by path, with their readability. */
function host(entries: Record<string, 'r' | '-' | string[]>): HostFiles {
  return {
    exists: (p) => p in entries,
    list: (d) => {
      const e = entries[d];
      return Array.isArray(e) ? e : [];
    },
    readable: (p) => entries[p] === 'r',
  };
}

const DEBIAN12 = host({
  '/usr/bin/journalctl': 'r',
  '/var/log/journal': ['0123456789abcdef0123456789abcdef'],
  '/var/log/journal/0123456789abcdef0123456789abcdef': ['system.journal', 'user-1000.journal', 'system@0005-1.journal~'],
  '/var/log/journal/0123456789abcdef0123456789abcdef/system.journal': 'r',
});

describe('the default log', () => {
  it('prefers a usual log file, then the journal when it has journal files', () => {
    expect(pickUsualLog('linux', (p) => p === '/var/log/mail.log', () => 'readable')).toEqual({ path: '/var/log/mail.log', format: 'auto' });
    expect(pickUsualLog('linux', () => false, () => 'readable')).toEqual({ path: 'journal', format: 'auto', journal: { units: [], directory: '' } });
    expect(pickUsualLog('linux', () => false, () => 'unreadable')).toMatchObject({ path: 'journal' });
    expect(pickUsualLog('linux', () => false, () => 'absent')).toBeNull();
  });

  it('finds the system journal readable, unreadable or absent', () => {
    expect(systemJournalAccess('linux', DEBIAN12)).toBe('readable');
    expect(systemJournalAccess('linux', host({
      '/bin/journalctl': 'r', '/run/log/journal': ['m'], '/run/log/journal/m': ['system.journal'], '/run/log/journal/m/system.journal': '-',
    }))).toBe('unreadable');
    expect(systemJournalAccess('linux', host({ '/usr/bin/journalctl': 'r', '/var/log/journal': [] }))).toBe('absent'); // no journald writing here
    expect(systemJournalAccess('linux', host({ '/var/log/journal': ['m'], '/var/log/journal/m': ['system.journal'], '/var/log/journal/m/system.journal': 'r' }))).toBe('absent'); // no journalctl
    expect(systemJournalAccess('win32', DEBIAN12)).toBe('absent');
  });

  it('checks readability on the real file system', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptr host files '));
    try {
      mkdirSync(join(dir, 'm'));
      writeFileSync(join(dir, 'm', 'system.journal'), '');
      chmodSync(join(dir, 'm', 'system.journal'), 0o640);
      expect(hostFiles.list(dir)).toEqual(['m']);
      expect(hostFiles.list(join(dir, 'missing'))).toEqual([]);
      expect(hostFiles.exists(join(dir, 'm'))).toBe(true);
      expect(hostFiles.readable(join(dir, 'm', 'system.journal'))).toBe(true);
      expect(hostFiles.readable(join(dir, 'm', 'other.journal'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('logChoiceNote', () => {
  it('warns with no log, naming the paths and the journal it looked for and how to configure one', () => {
    const note = logChoiceNote('linux', [], 'absent');
    expect(note).toEqual({
      level: 'warn',
      msg: 'no MTA log is being read, so SMTP rejections cannot be counted: none of the usual log files exists and no systemd journal (no journal files in /var/log/journal or /run/log/journal). Configure one in the config file under logs: with path: FILE (or a glob) or journal: {}',
      fields: { looked_for: '/var/log/mail.log, /var/log/maillog, /var/log/mail/mail.log, /var/log/exim4/mainlog, /var/log/exim/main.log, /var/log/zimbra.log', journal: 'absent' },
    });
    expect(logChoiceNote('linux', [], 'readable', { path: 'journal', format: 'auto', journal: { units: [], directory: '' } })).toEqual({
      level: 'warn',
      msg: 'no MTA log is being read, so SMTP rejections cannot be counted: logs: is empty in the config file although this MTA log exists; configure it under logs:',
      fields: { found: 'journal' },
    });
    const windows = logChoiceNote('win32', [], 'absent')!;
    expect(windows.msg).not.toContain('journal');
    expect(windows.fields.looked_for).toContain('C:\\MDaemon\\Logs\\MDaemon-*-SMTP (out).log');
  });

  it('says which usual source was chosen, and warns about a journal this user may not read', () => {
    expect(logChoiceNote('linux', [{ path: 'journal' }], 'readable')).toEqual({ level: 'info', msg: 'reading the MTA log from the systemd journal', fields: { path: 'journal' } });
    expect(logChoiceNote('linux', [{ path: 'journal' }], 'unreadable')).toMatchObject({ level: 'warn', msg: expect.stringContaining('systemd-journal or adm group') });
    expect(logChoiceNote('linux', [{ path: '/var/log/maillog' }], 'absent')).toEqual({ level: 'info', msg: 'reading the MTA log at a usual path', fields: { path: '/var/log/maillog' } });
    expect(logChoiceNote('linux', [{ path: '/srv/mail.log' }], 'absent')).toBeNull();
    expect(logChoiceNote('linux', [{ path: '/var/log/mail.log' }, { path: 'journal' }], 'readable')).toBeNull();
  });
});

describe('logs[].journal', () => {
  it('reads the journal instead of a file, named journal or journal:DIRECTORY', () => {
    const c = parseConfig([
      'logs:',
      '  - journal: {}',
      '    positions_file: /var/lib/ptr-exporter/journal.pos',
      '  - journal: { units: [postfix@-.service, "postfix@*.service"], directory: /var/log/journal/remote }',
      '    start_at: beginning',
      '    format: postfix',
      '  - path: /var/log/mail.log',
    ].join('\n'));
    expect(c.logs).toEqual([
      { path: 'journal', format: 'auto', startAt: 'end', positionsFile: '/var/lib/ptr-exporter/journal.pos', journal: { units: [], directory: '' } },
      { path: 'journal:/var/log/journal/remote', format: 'postfix', startAt: 'beginning', positionsFile: '', journal: { units: ['postfix@-.service', 'postfix@*.service'], directory: '/var/log/journal/remote' } },
      { path: '/var/log/mail.log', format: 'auto', startAt: 'end', positionsFile: '' },
    ]);
  });

  it.each([
    ['logs:\n  - path: /var/log/mail.log\n    journal: {}\n', 'logs[0].journal: {} cannot be given with path: a log entry reads a file or the journal'],
    ['logs:\n  - journal: { units: ["postfix service"] }\n', 'logs[0].journal.units[0]: "postfix service" is not a systemd unit name like postfix@-.service'],
    ['logs:\n  - journal: { unit: postfix.service }\n', 'logs[0].journal.unit: unknown key'],
    [`logs:\n  - journal: { units: [${Array.from({ length: 65 }, (_, i) => `u${i}.service`).join(', ')}] }\n`, 'u64.service"] must be at most 64'],
  ])('refuses %j naming the field', (yaml, message) => {
    let error: unknown;
    try {
      parseConfig(yaml);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(message);
  });
});
