import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli-process.js';
import { postfixGmailIpv4Ptr, postfixGmailIpv6, writeJournalFile, type ExportEntry } from './support/journal-files.js';

// `scan --journal` on real journal files: exact counts, other units ignored, binary MESSAGE decoded, --since, errors.

let dir: string;
let journal: string;

const smtp = (message: string | Buffer, unit = 'postfix@-.service'): ExportEntry => ({ unit, ident: 'postfix/smtp', pid: 4242, message });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptr journal scan '));
  journal = join(dir, 'journal dir');
  mkdirSync(journal);
  await writeJournalFile(join(journal, 'a.journal'), [
    smtp(postfixGmailIpv6('4ABC00001')),
    smtp(postfixGmailIpv6('4ABC00002')),
    smtp(postfixGmailIpv4Ptr('4ABC00003'), 'postfix.service'),
    smtp(postfixGmailIpv6('4ABC00009'), 'cron.service'), // not an MTA unit: ignored
    { unit: 'postfix@-.service', ident: 'postfix/qmgr', pid: 17, message: '4ABC00001: removed' },
  ]);
  // Written later, in another file; the MESSAGE is binary (a Latin-1 byte in the recipient): decoded, counted.
  const binary = Buffer.concat([Buffer.from('4ABC00004: to=<j'), Buffer.from([0xe9]), Buffer.from(postfixGmailIpv6('4ABC00004').slice('4ABC00004: to=<a'.length))]);
  await writeJournalFile(join(journal, 'b.journal'), [smtp(binary)]);
}, 30_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scan --journal', () => {
  it('counts the rejections of the MTA units exactly, with the entries\' times', async () => {
    const r = await runCli(['scan', '--journal', '--journal-directory', journal, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { files: unknown[]; rejections: Record<string, unknown>[]; totals: unknown };
    expect(report.files).toEqual([{ path: `journal:${journal}`, format: 'postfix', lines: 5, bytes: expect.any(Number) }]);
    expect(report.totals).toEqual({ rejections: 4, ptr_related: 4 });
    expect(report.rejections).toEqual([
      { provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', reply_code: '550', family: 'ipv6', sender_ip: '2001:db8::25', count: 3,
        first_seen: '2025-11-27T10:00:01Z', last_seen: '2025-11-27T10:00:06Z' },
      { provider: 'gmail', reason: 'ptr', code: '5.7.25', reply_code: '550', family: 'ipv4', sender_ip: '198.51.100.7', count: 1,
        first_seen: '2025-11-27T10:00:03Z', last_seen: '2025-11-27T10:00:03Z' },
    ]);
  });

  it('prints the same table as scan, naming the journal', async () => {
    const r = await runCli(['scan', '--journal', '--journal-directory', journal]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^FILE +FORMAT +LINES +BYTES\\njournal:${journal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +postfix +5 +\\d+\\n`));
    expect(r.stdout).toContain('total: 4 rejections, 4 PTR-related');
  });

  it('reads only the last DURATION with --since', async () => {
    const r = await runCli(['scan', '--journal', '--journal-directory', journal, '--since', '1h', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { files: { lines: number }[]; totals: { rejections: number } };
    expect(report.files[0]!.lines).toBe(0); // the fixtures are from 2025
    expect(report.totals.rejections).toBe(0);
  });

  it('fails with exit 2 naming the problem when the journal cannot be read, and refuses bad usage', async () => {
    const missing = await runCli(['scan', '--journal', '--journal-directory', join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`error: cannot read the journal: Failed to open ${join(dir, 'nope')}: No such file or directory\n`);
    expect(await runCli(['scan'])).toMatchObject({ code: 2, stderr: 'error: scan needs a FILE (or - for standard input) or --journal\n' });
    expect(await runCli(['scan', 'mail.log', '--journal'])).toMatchObject({ code: 2, stderr: 'error: scan takes files or --journal, not both\n' });
    expect(await runCli(['scan', 'mail.log', '--since', '1h'])).toMatchObject({ code: 2, stderr: 'error: --since needs --journal\n' });
  });
});
