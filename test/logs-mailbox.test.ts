import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanFiles } from '../src/logs/scan.js';
import { GMAIL_IPV6_JOINED, postfixText, report } from './support/bounces.js';

const MESSAGES = 10_000;

/** Message i: every 10th a Gmail IPv6 bounce, every 10th + 1 a DMARC bounce, every 10th + 2 a local failure, the rest ordinary mail. */
function message(i: number): string {
  if (i % 10 === 0) return report(postfixText(`u${i}@gmail.com`, 'gmail-smtp-in.l.google.com', '2001:db8:ffff::1a', GMAIL_IPV6_JOINED), [`u${i}@gmail.com`], 'gmail-smtp-in.l.google.com', GMAIL_IPV6_JOINED);
  if (i % 10 === 1) {
    const dmarc = '550 5.7.26 Unauthenticated email from example.com is not accepted due to domain\'s DMARC policy. x - gsmtp';
    return report(postfixText(`u${i}@gmail.com`, 'gmail-smtp-in.l.google.com', '2001:db8:ffff::1a', dmarc), [`u${i}@gmail.com`], 'gmail-smtp-in.l.google.com', dmarc);
  }
  if (i % 10 === 2) return 'Subject: Undelivered Mail Returned to Sender\r\nFrom: MAILER-DAEMON@mail.example.com\r\n\r\n<a@example.invalid>: Host or domain name not found.\r\n';
  return `From: user${i}@example.com\r\nTo: someone@example.org\r\nSubject: hello ${i}\r\nDate: Fri, 08 Nov 2024 07:03:10 +0100\r\n\r\nHello,\r\n\r\n>From here on the body mentions 550 5.7.25 and a PTR record.\r\n`;
}

let dir = '';
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'ptr-mailbox-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('dsn: mailboxes', () => {
  it(`a ${MESSAGES}-message mbox: each bounce counts once, nothing else counts`, async () => {
    const path = join(dir, 'bounces.mbox');
    const out = createWriteStream(path);
    for (let i = 0; i < MESSAGES; i++) {
      if (!out.write(`From MAILER-DAEMON Fri Nov  8 07:03:10 2024\n${message(i).replace(/\r\n/g, '\n')}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    for (const format of ['dsn'] as const) {
      const r = await scanFiles([path], { format });
      expect(r.files[0]).toMatchObject({ format: 'dsn' });
      expect(r.totals).toEqual({ rejections: MESSAGES / 5, ptr_related: MESSAGES / 10 });
      expect(r.rejections).toMatchObject([
        { provider: 'gmail', reason: 'auth', code: '5.7.26', count: MESSAGES / 10 },
        { provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', sender_ip: '2001:db8::25', count: MESSAGES / 10 },
      ]);
    }
  }, 120_000);

  it(`a Maildir of ${MESSAGES} files in cur/ and new/ (CRLF), read by auto (a folder is read as bounces)`, async () => {
    const maildir = join(dir, 'Maildir');
    await mkdir(join(maildir, 'cur'), { recursive: true });
    await mkdir(join(maildir, 'new'), { recursive: true });
    await mkdir(join(maildir, 'tmp'), { recursive: true });
    await writeFile(join(maildir, 'tmp', '1.partial'), message(0));
    for (let i = 0; i < MESSAGES; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, k) => i + k).map((n) =>
        writeFile(join(maildir, n % 2 === 0 ? 'cur' : 'new', `1731045790.M${n}P1.mail.example.com:2,S`), message(n))));
    }
    for (const format of ['auto'] as const) {
      const r = await scanFiles([maildir], { format });
      expect(r.files[0]).toMatchObject({ path: maildir, format: 'dsn' });
      expect(r.totals).toEqual({ rejections: MESSAGES / 5, ptr_related: MESSAGES / 10 });
    }
    await expect(scanFiles([maildir], { format: 'postfix' })).rejects.toThrow(/Maildir.*only --format dsn/);
  }, 120_000);

  it('a single .eml file and a folder of .eml files', async () => {
    const eml = join(dir, 'bounce.eml');
    await writeFile(eml, message(0));
    expect((await scanFiles([eml], { format: 'auto' })).totals).toEqual({ rejections: 1, ptr_related: 1 });
    const mbox = join(dir, 'small.mbox');
    await writeFile(mbox, [0, 1, 3, 10].map((i) => `From MAILER-DAEMON Fri Nov  8 07:03:10 2024\n${message(i)}\n`).join(''));
    expect((await scanFiles([mbox], { format: 'auto' }))).toMatchObject({ files: [{ format: 'dsn' }], totals: { rejections: 3, ptr_related: 2 } });
    const ordinaryFirst = join(dir, 'ordinary-first.mbox');
    await writeFile(ordinaryFirst, [...Array.from({ length: 300 }, (_, i) => 3 + 10 * i), 0].map((i) => `From user@example.com Fri Nov  8 07:03:10 2024\n${message(i)}\n`).join(''));
    expect((await scanFiles([ordinaryFirst], { format: 'auto' }))).toMatchObject({ files: [{ format: 'dsn' }], totals: { rejections: 1, ptr_related: 1 } });
    const folder = join(dir, 'emls');
    await mkdir(folder);
    await writeFile(join(folder, 'a.eml'), message(10));
    await writeFile(join(folder, 'b.eml'), message(11));
    await writeFile(join(folder, '.hidden'), message(20));
    expect((await scanFiles([folder], { format: 'dsn' })).totals).toEqual({ rejections: 2, ptr_related: 1 });
  });
});
