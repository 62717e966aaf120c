import { describe, expect, it } from 'vitest';
import { createLogPipeline } from '../src/logs/pipeline.js';
import { DEFAULT_JOURNAL_UNITS, journalctlArgs, journalPath } from '../src/logs/sources/journal-args.js';
import { journalEntryToLine } from '../src/logs/sources/journal-entry.js';
import { journalProblem } from '../src/logs/sources/journal-stderr.js';
import { postfixGmailIpv6 } from './support/journal-files.js';

// Pure parts of the journal source: one `journalctl --output=json` line to one log line, journalctl's arguments, its error texts.

const CURSOR = 's=d812c54bd8c84cc7af3504e4757d1b6a;i=5;b=0123456789abcdef0123456789abcdef;m=7d1;t=644909429a300;x=8854ce691d0c0de7';

function entry(fields: Record<string, unknown>): string {
  return JSON.stringify({ __CURSOR: CURSOR, __REALTIME_TIMESTAMP: '1764237601123456', _HOSTNAME: 'mx', ...fields });
}

describe('journalEntryToLine', () => {
  it('builds the syslog line from MESSAGE, SYSLOG_IDENTIFIER, _PID, _HOSTNAME and the timestamp', () => {
    expect(journalEntryToLine(entry({ SYSLOG_IDENTIFIER: 'postfix/smtp', _PID: '1234', MESSAGE: 'ABC123: removed' }))).toEqual({
      kind: 'line', cursor: CURSOR, line: '2025-11-27T10:00:01.123456Z mx postfix/smtp[1234]: ABC123: removed', binary: false,
    });
  });

  it('prefers the source timestamp, falls back to SYSLOG_PID, _COMM and localhost', () => {
    const r = journalEntryToLine(JSON.stringify({ _SOURCE_REALTIME_TIMESTAMP: '1764237600000001', __REALTIME_TIMESTAMP: '1764237609000000', _COMM: 'smtpd', SYSLOG_PID: '77', MESSAGE: 'x' }));
    expect(r).toEqual({ kind: 'line', cursor: null, line: '2025-11-27T10:00:00.000001Z localhost smtpd[77]: x', binary: false });
  });

  it('decodes a byte-array MESSAGE as UTF-8, bad bytes as U+FFFD, and joins its lines', () => {
    const bytes = [...Buffer.from('caf\u00e9 '), 0xff, 0x01, ...Buffer.from(' a\r\nb\nc')];
    const r = journalEntryToLine(entry({ SYSLOG_IDENTIFIER: 'postfix/smtp', _PID: '9', MESSAGE: bytes }));
    expect(r).toEqual({ kind: 'line', cursor: CURSOR, line: '2025-11-27T10:00:01.123456Z mx postfix/smtp[9]: caf\u00e9 \ufffd\u0001 a b c', binary: true });
  });

  it('takes the first value of a repeated field, text or bytes', () => {
    const r = journalEntryToLine(entry({ SYSLOG_IDENTIFIER: ['postfix/smtp', 'other'], _PID: '9', MESSAGE: [[104, 105], 'second'] }));
    expect(r).toMatchObject({ kind: 'line', line: '2025-11-27T10:00:01.123456Z mx postfix/smtp[9]: hi', binary: true });
  });

  it('writes Exim entries in the form of its main log, which the Exim parser reads', () => {
    const msg = '1fSdGB-0008Kt-3b ** a@gmail.com R=dnslookup T=remote_smtp H=gmail-smtp-in.l.google.com [192.0.2.27]: SMTP error from remote mail server after end of data: 550-5.7.25 [198.51.100.7] The IP address sending this message does not have a PTR record setup';
    const r = journalEntryToLine(entry({ SYSLOG_IDENTIFIER: 'exim', _PID: '42', MESSAGE: msg }));
    expect(r).toMatchObject({ kind: 'line', line: `2025-11-27 10:00:01 +0000 ${msg}` });
    const rejections = createLogPipeline('auto').push((r as { line: string }).line);
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toMatchObject({ reason: 'ptr', code: '5.7.25', senderIp: '198.51.100.7', time: Date.UTC(2025, 10, 27, 10, 0, 1) });
  });

  it('gives a Postfix line that the unchanged Postfix parser counts, with the exact time', () => {
    const r = journalEntryToLine(entry({ SYSLOG_IDENTIFIER: 'postfix/smtp', _PID: '1234', MESSAGE: postfixGmailIpv6('4ABC00001') }));
    const rejections = createLogPipeline('auto').push((r as { line: string }).line);
    expect(rejections).toEqual([{ provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', replyCode: '550', family: 'ipv6', senderIp: '2001:db8::25', time: Date.UTC(2025, 10, 27, 10, 0, 1, 123) }]);
  });

  it('keeps host and identifier one field each, and drops a _PID that is not a number', () => {
    const r = journalEntryToLine(entry({ _HOSTNAME: 'mail host', SYSLOG_IDENTIFIER: 'my prog', _PID: 'x1', MESSAGE: 'm' }));
    expect(r).toMatchObject({ line: '2025-11-27T10:00:01.123456Z mail_host my_prog: m' });
  });

  it('reports an entry without MESSAGE (or with one too large to print) with its cursor', () => {
    expect(journalEntryToLine(entry({ SYSLOG_IDENTIFIER: 'postfix/smtp' }))).toEqual({ kind: 'no-message', cursor: CURSOR });
    expect(journalEntryToLine(entry({ MESSAGE: null }))).toEqual({ kind: 'no-message', cursor: CURSOR });
  });

  it('names what is wrong with a line that is not a JSON object', () => {
    expect(journalEntryToLine('{"MESSAGE": "x"')).toMatchObject({ kind: 'error', error: expect.stringMatching(/^not JSON: /) });
    expect(journalEntryToLine('[1,2]')).toEqual({ kind: 'error', error: 'not a JSON object' });
    expect(journalEntryToLine('-- No entries --')).toMatchObject({ kind: 'error' });
  });
});

describe('journalctlArgs', () => {
  it('follows the default units of the system journal from the end', () => {
    expect(journalctlArgs({ units: [], directory: '', follow: true, start: 'end' })).toEqual([
      '--output=json', '--all', '--no-pager', '--system', ...DEFAULT_JOURNAL_UNITS.map((u) => `--unit=${u}`), '--follow', '--lines=0',
    ]);
  });

  it('resumes after a cursor in a journal directory, or reads from the beginning', () => {
    expect(journalctlArgs({ units: ['postfix@-.service'], directory: '/srv/journal dir', follow: true, start: { after: CURSOR } })).toEqual([
      '--output=json', '--all', '--no-pager', '--directory=/srv/journal dir', '--unit=postfix@-.service', '--follow', `--after-cursor=${CURSOR}`,
    ]);
    expect(journalctlArgs({ units: ['exim4.service'], directory: 'D', follow: true, start: 'beginning' }).slice(-2)).toEqual(['--follow', '--no-tail']);
    expect(journalctlArgs({ units: ['exim4.service'], directory: 'D', follow: false, start: 'beginning', sinceMs: 1_764_237_600_999 }).slice(-2)).toEqual(['--unit=exim4.service', '--since=@1764237600']);
  });

  it('names the source journal or journal:DIRECTORY', () => {
    expect(journalPath('')).toBe('journal');
    expect(journalPath('/var/log/journal/remote')).toBe('journal:/var/log/journal/remote');
  });
});

describe('journalProblem', () => {
  it('recognises journalctl\'s permission and cursor messages', () => {
    expect(journalProblem('No journal files were opened due to insufficient permissions.\n')).toBe('permission');
    expect(journalProblem('Hint: You are currently not seeing messages from other users and the system.\n      Users in groups \'adm\', \'systemd-journal\' can see all messages.\n')).toBe('permission');
    expect(journalProblem('Failed to seek to cursor: Invalid argument\n')).toBe('cursor');
    expect(journalProblem('Failed to open /srv/j: No such file or directory\n')).toBe('other');
    expect(journalProblem('\n')).toBeNull();
  });
});
