import { execFile } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

/** Debian's systemd-journal-remote, which turns journal export format into journal files. */
export const JOURNAL_REMOTE = '/lib/systemd/systemd-journal-remote';

/** One entry to write; timestamps are assigned in order by the writer. */
export interface ExportEntry { unit: string; ident: string; pid?: number; message: string | Buffer; host?: string }

/** All fixtures share one boot, with rising monotonic and wall-clock times, so journalctl orders them as written (across files too). */
const BOOT_ID = '0123456789abcdef0123456789abcdef';
/** 2025-11-27T10:00:00Z in microseconds. */
export const FIRST_ENTRY_US = 1_764_237_600_000_000;
let clock = 0;

/**
 * The journal export format (https://systemd.io/JOURNAL_EXPORT_FORMATS/): `FIELD=value` lines, a
 * binary field as its name, a newline, a 64-bit little-endian length and the bytes; an empty line ends an entry.
 */
export function exportFormat(entries: readonly ExportEntry[]): Buffer {
  const parts: Buffer[] = [];
  const text = (name: string, value: string | number): void => void parts.push(Buffer.from(`${name}=${value}\n`));
  for (const e of entries) {
    clock++;
    text('__REALTIME_TIMESTAMP', FIRST_ENTRY_US + clock * 1_000_000);
    text('__MONOTONIC_TIMESTAMP', 1_000_000 + clock * 1_000_000);
    text('_BOOT_ID', BOOT_ID);
    text('_SYSTEMD_UNIT', e.unit);
    text('SYSLOG_IDENTIFIER', e.ident);
    if (e.pid !== undefined) text('_PID', e.pid);
    text('_HOSTNAME', e.host ?? 'mx');
    if (typeof e.message === 'string') {
      text('MESSAGE', e.message);
    } else {
      const size = Buffer.alloc(8);
      size.writeBigUInt64LE(BigInt(e.message.length));
      parts.push(Buffer.from('MESSAGE\n'), size, e.message, Buffer.from('\n'));
    }
    parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** Writes `entries` as the journal file `file` (name ending in .journal), built beside it and renamed into place. */
export async function writeJournalFile(file: string, entries: readonly ExportEntry[]): Promise<void> {
  const scratch = mkdtempSync(join(dirname(dirname(file)), '.journal-build-'));
  try {
    const input = join(scratch, 'export.txt');
    writeFileSync(input, exportFormat(entries));
    const built = join(scratch, 'out.journal');
    await promisify(execFile)(JOURNAL_REMOTE, [`--output=${built}`, input]);
    renameSync(built, file);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A Postfix delivery line whose reply is Gmail's IPv6 PTR rule, naming our sending IP 2001:db8::25. */
export function postfixGmailIpv6(qid: string): string {
  return `${qid}: to=<a@gmail.com>, relay=gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1a]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1a] said: 550-5.7.1 [2001:db8::25] Gmail has detected that this message does not meet IPv6 sending guidelines regarding PTR records and authentication. 550 5.7.1 https://support.google.com/mail/?p=IPv6AuthError x1-v6si - gsmtp (in reply to end of DATA command))`;
}

/** A Postfix bounce line: Gmail refusing IPv4 mail from 198.51.100.7 for its PTR (reason ptr, code 5.7.25). */
export function postfixGmailIpv4Ptr(qid: string): string {
  return `${qid}: to=<b@gmail.com>, relay=gmail-smtp-in.l.google.com[192.0.2.80]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.25, status=bounced (host gmail-smtp-in.l.google.com[192.0.2.80] said: 550-5.7.25 [198.51.100.7] The IP address sending this message does not have a PTR record setup, or the corresponding forward DNS entry does not point to the sending IP. As a policy, Gmail does not accept messages from IPs with missing PTR records. 550 5.7.25 https://support.google.com/mail/answer/81126#ip-practices x2-v6si - gsmtp (in reply to RCPT TO command))`;
}
