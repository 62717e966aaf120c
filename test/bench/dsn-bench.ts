import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScanReport } from '../../src/logs/scan.js';
import { GMAIL_IPV6_JOINED, postfixText, report } from '../support/bounces.js';
import { runMeasured } from './child.js';
import { figure, mib, note } from './report.js';

const MESSAGES = 10_000;

/** Message i: every other one a Gmail IPv6 bounce (multipart/report), the rest ordinary mail. */
function message(i: number): string {
  if (i % 2 === 0) {
    const rcpt = `u${i}@gmail.com`;
    return report(postfixText(rcpt, 'gmail-smtp-in.l.google.com', '2001:db8:ffff::1a', GMAIL_IPV6_JOINED), [rcpt], 'gmail-smtp-in.l.google.com', GMAIL_IPV6_JOINED);
  }
  return `From: user${i}@example.com\r\nTo: someone@example.org\r\nSubject: hello ${i}\r\n\r\nHello.\r\n`;
}

/** `scan --format dsn` on a 10,000-message mbox and a 10,000-file Maildir: messages/s and peak RSS, counts checked. */
export async function dsnBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ptr-bench-dsn-'));
  try {
    const mbox = join(dir, 'bounces.mbox');
    const out = createWriteStream(mbox);
    for (let i = 0; i < MESSAGES; i++) {
      if (!out.write(`From MAILER-DAEMON Fri Nov  8 07:03:10 2024\n${message(i).replace(/\r\n/g, '\n')}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const maildir = join(dir, 'Maildir');
    await mkdir(join(maildir, 'cur'), { recursive: true });
    await mkdir(join(maildir, 'new'), { recursive: true });
    for (let i = 0; i < MESSAGES; i += 200) {
      await Promise.all(Array.from({ length: 200 }, (_, k) => i + k).map((n) => writeFile(join(maildir, n % 2 === 0 ? 'new' : 'cur', `${n}.mail`), message(n))));
    }
    note(`generated ${MESSAGES} messages (${MESSAGES / 2} bounces) as an mbox and as a Maildir`);
    for (const [name, path] of [['mbox', mbox], ['Maildir', maildir]] as const) {
      const r = await runMeasured(['scan', '--format', 'dsn', '--json', path]);
      if (r.code !== 0) throw new Error(`scan exited ${r.code}: ${r.stderr}`);
      const got = JSON.parse(r.stdout) as ScanReport;
      if (got.totals.rejections !== MESSAGES / 2 || got.totals.ptr_related !== MESSAGES / 2) throw new Error(`${name}: counts ${JSON.stringify(got.totals)}, expected ${MESSAGES / 2}`);
      const rate = MESSAGES / (r.wallMs / 1000);
      figure(`dsn ${name}: ${MESSAGES} messages in ${(r.wallMs / 1000).toFixed(2)} s = ${Math.round(rate).toLocaleString('en')} messages/s, counts exact`, '>= 1,000 messages/s', rate >= 1000);
      figure(`dsn ${name} peak RSS: ${mib(r.maxRssBytes)}`, '< 150 MiB', r.maxRssBytes < 150 * 1048576);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
