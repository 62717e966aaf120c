import { appendFile, copyFile, mkdir, mkdtemp, open, rename, rm, rmdir, truncate, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Tailer, type TailerOptions } from '../src/logs/tail.js';

let dir: string;
const tailers: Tailer[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptr tail '));
});

afterEach(async () => {
  await Promise.all(tailers.splice(0).map((t) => t.stop()));
  await rm(dir, { recursive: true, force: true });
});

/** A tailer whose lines are collected in `lines`. */
function follow(path: string, options: Partial<TailerOptions> = {}): { t: Tailer; lines: string[] } {
  const lines: string[] = [];
  const t = new Tailer({ path, startAt: 'beginning', rotateWaitMs: 0, onLines: (l) => lines.push(...l), ...options });
  tailers.push(t);
  return { t, lines };
}

/** Sets a file's mtime to `seconds` after 2026-11-27T00:00:00Z, so "newer" never depends on the clock. */
async function setMtime(path: string, seconds: number): Promise<void> {
  const t = Date.UTC(2026, 10, 27) / 1000 + seconds;
  await utimes(path, t, t);
}

describe('Tailer on a file', () => {
  it('reads appended lines once, in order', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, 'a\nb\n');
    const { t, lines } = follow(path);
    await t.poll();
    expect(lines).toEqual(['a', 'b']);
    await appendFile(path, 'c\n');
    await t.poll();
    await t.poll();
    expect(lines).toEqual(['a', 'b', 'c']);
    expect(t.stats).toMatchObject({ lines: 3, bytes: 6, open: true, currentFile: path, rotations: 0, truncations: 0, readErrors: 0 });
  });

  it('holds a partial last line until its newline arrives', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, 'par');
    const { t, lines } = follow(path);
    await t.poll();
    expect(lines).toEqual([]);
    await appendFile(path, 'tial\nnext');
    await t.poll();
    expect(lines).toEqual(['partial']);
    await appendFile(path, '\n');
    await t.poll();
    expect(lines).toEqual(['partial', 'next']);
  });

  it('strips CRLF, also when CR and LF are read in different polls', async () => {
    const path = join(dir, 'MDaemon (out).log');
    await writeFile(path, 'one\r\ntwo\r\nthree\r');
    const { t, lines } = follow(path);
    await t.poll();
    expect(lines).toEqual(['one', 'two']);
    await appendFile(path, '\n');
    await t.poll();
    expect(lines).toEqual(['one', 'two', 'three']);
  });

  it('start_at end skips what is there at the first poll', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, 'old1\nold2\n');
    const { t, lines } = follow(path, { startAt: 'end' });
    await t.poll();
    expect(lines).toEqual([]);
    await appendFile(path, 'new\n');
    await t.poll();
    expect(lines).toEqual(['new']);
    expect(t.stats.bytes).toBe(4);
  });

  it('start_at end starts after the last newline, so a line being written is not cut', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, 'old\npar');
    const { t, lines } = follow(path, { startAt: 'end' });
    await t.poll();
    await appendFile(path, 'tial\n');
    await t.poll();
    expect(lines).toEqual(['partial']);
  });

  it('start_at beginning reads what is there', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, 'old1\nold2\n');
    const { t, lines } = follow(path, { startAt: 'beginning' });
    await t.poll();
    expect(lines).toEqual(['old1', 'old2']);
  });

  it('rename rotation: the old file is finished, lines written to it after the rename arrive once, then the new file from 0', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, '1\n2\n');
    const { t, lines } = follow(path, { startAt: 'end' });
    await t.poll();
    const writer = await open(path, 'a'); // the MTA keeps its handle across the rename
    await writer.write('3\n');
    await t.poll();
    expect(lines).toEqual(['3']);
    await rename(path, `${path}.1`);
    await writer.write('4\n5\n'); // still goes to the old file
    await writeFile(path, '6\n'); // the new file: read from its start although start_at is end
    await t.poll();
    expect(lines).toEqual(['3', '4', '5', '6']);
    expect(t.stats).toMatchObject({ rotations: 1, open: true, currentFile: path });
    await appendFile(path, '7\n');
    await t.poll();
    expect(lines).toEqual(['3', '4', '5', '6', '7']);
    await writer.close();
  });

  it('keeps draining the rotated file for rotateWaitMs: late lines to the old file arrive once', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, '');
    const { t, lines } = follow(path, { rotateWaitMs: 60_000 });
    await t.poll();
    const writer = await open(path, 'a');
    await writer.write('old1\n');
    await rename(path, `${path}.1`);
    await writeFile(path, 'new1\n');
    await t.poll();
    expect(lines).toEqual(['old1', 'new1']);
    await writer.write('old2-before-HUP\n');
    await appendFile(path, 'new2\n');
    await t.poll();
    await t.poll();
    expect(lines).toEqual(['old1', 'new1', 'old2-before-HUP', 'new2']);
    expect(t.stats.rotations).toBe(1);
    await writer.close();
  });

  it('hands out the unterminated last line of a rotated file when it is closed', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, 'a\nlast-without-newline');
    const { t, lines } = follow(path);
    await t.poll();
    expect(lines).toEqual(['a']);
    await rename(path, `${path}.1`);
    await writeFile(path, 'b\n');
    await t.poll();
    expect(lines).toEqual(['a', 'last-without-newline', 'b']);
  });

  it('a file renamed away and back is resumed where it was, not reread', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, 'a\n');
    const { t, lines } = follow(path, { rotateWaitMs: 60_000 });
    await t.poll();
    await rename(path, `${path}.tmp`);
    await writeFile(path, 'other\n');
    await t.poll();
    await unlink(path);
    await rename(`${path}.tmp`, path);
    await appendFile(path, 'b\n');
    await t.poll();
    expect(lines).toEqual(['a', 'other', 'b']);
  });

  it('copytruncate: restarts at 0, counts it, drops the partial line', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, 'a\nb\npart');
    const { t, lines } = follow(path);
    await t.poll();
    expect(lines).toEqual(['a', 'b']);
    await copyFile(path, `${path}.1`);
    await truncate(path, 0);
    await appendFile(path, 'c\n');
    await t.poll();
    expect(lines).toEqual(['a', 'b', 'c']);
    expect(t.stats).toMatchObject({ truncations: 1, rotations: 0, open: true });
  });

  it('delete and recreate: drains the deleted file, open=false while gone, new file from 0', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, 'a\n');
    const { t, lines } = follow(path, { startAt: 'end' });
    await t.poll();
    const writer = await open(path, 'a');
    await unlink(path);
    await writer.write('b\n'); // written to the deleted file before the poll
    await writer.close();
    await t.poll();
    expect(lines).toEqual(['b']);
    expect(t.stats).toMatchObject({ open: false, currentFile: null });
    await writeFile(path, 'c\n');
    await t.poll();
    expect(lines).toEqual(['b', 'c']);
    expect(t.stats).toMatchObject({ open: true, currentFile: path, rotations: 1 });
  });

  it('waits for a missing file without errors and reads it from 0 when it appears (even with start_at end)', async () => {
    const path = join(dir, 'not yet', 'mail.log');
    const { t, lines } = follow(path, { startAt: 'end' });
    await t.poll();
    await t.poll();
    expect(t.stats).toMatchObject({ open: false, currentFile: null, readErrors: 0 });
    await mkdir(join(dir, 'not yet'));
    await writeFile(path, 'x\ny\n');
    await t.poll();
    expect(lines).toEqual(['x', 'y']);
    expect(t.stats).toMatchObject({ open: true, rotations: 0 });
  });

  it('a directory at the path is a counted read error, retried at each poll, and recovered from', async () => {
    // Root ignores chmod 000, so the failure is a directory where the file should be (reading it fails with EISDIR).
    const path = join(dir, 'mail.log');
    await mkdir(path);
    const { t, lines } = follow(path);
    await expect(t.poll()).resolves.toBeUndefined();
    await t.poll();
    expect(t.stats).toMatchObject({ readErrors: 2, open: false });
    await rmdir(path);
    await writeFile(path, 'ok\n');
    await t.poll();
    expect(lines).toEqual(['ok']);
    expect(t.stats).toMatchObject({ readErrors: 2, open: true });
  });

  it.skipIf(process.platform !== 'linux')('a failing read (EIO from /proc/self/mem) is counted, not thrown, and the file stays open', async () => {
    const { t, lines } = follow('/proc/self/mem');
    await expect(t.poll()).resolves.toBeUndefined();
    await t.poll();
    expect(lines).toEqual([]);
    expect(t.stats).toMatchObject({ readErrors: 2, open: true });
  });

  it('cuts a line over 64 KiB, counts it, and reads on', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, `${'x'.repeat(70_000)}\nshort\n`);
    const { t, lines } = follow(path, { readChunkBytes: 4096 });
    await t.poll();
    expect(lines.map((l) => l.length)).toEqual([65_536, 5]);
    expect(t.stats).toMatchObject({ lines: 2, truncatedLines: 1, bytes: 70_007 });
  });

  it('bytes that are not UTF-8 (Windows-1252 é) do not break reading', async () => {
    const path = join(dir, 'MDaemon-2026-11-27-SMTP (out).log');
    await writeFile(path, Buffer.concat([Buffer.from('Caf'), Buffer.from([0xe9]), Buffer.from(' 550 no\r\nnext\r\n')]));
    const { t, lines } = follow(path);
    await t.poll();
    expect(lines).toEqual(['Caf\uFFFD 550 no', 'next']);
  });

  it('reads many lines across small chunks exactly once, multi-byte characters included', async () => {
    const path = join(dir, 'mail.log');
    const want = Array.from({ length: 20_000 }, (_, i) => `line ${i} é€`);
    await writeFile(path, `${want.join('\n')}\n`);
    const { t, lines } = follow(path, { readChunkBytes: 4099 });
    await t.poll();
    expect(lines).toEqual(want);
  });

  it('start() polls at once; stop() closes and is idempotent, later polls do nothing', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, 'a\n');
    const { t, lines } = follow(path);
    t.start();
    await t.poll(); // runs after the poll start() began
    expect(lines).toEqual(['a']);
    await Promise.all([t.stop(), t.stop()]);
    expect(t.stats).toMatchObject({ open: false, currentFile: null });
    await appendFile(path, 'b\n');
    await t.poll();
    expect(lines).toEqual(['a']);
  });
});

describe('Tailer on a glob', () => {
  const day27 = 'MDaemon-2026-11-27-SMTP (out).log';
  const day28 = 'MDaemon-2026-11-28-SMTP (out).log';

  it('moves to the new daily file after finishing the old one', async () => {
    const glob = join(dir, 'MDaemon-*-SMTP (out).log');
    await writeFile(join(dir, day27), 'd27-1\n');
    await setMtime(join(dir, day27), 0);
    await writeFile(join(dir, 'MDaemon-2026-11-29-IMAP.log'), 'not ours\n');
    const { t, lines } = follow(glob);
    await t.poll();
    expect(lines).toEqual(['d27-1']);
    expect(t.stats.currentFile).toBe(join(dir, day27));
    await appendFile(join(dir, day27), 'd27-2\n');
    await setMtime(join(dir, day27), 10);
    await writeFile(join(dir, day28), 'd28-1\n');
    await setMtime(join(dir, day28), 20);
    await t.poll();
    expect(lines).toEqual(['d27-1', 'd27-2', 'd28-1']);
    expect(t.stats).toMatchObject({ rotations: 1, currentFile: join(dir, day28), open: true });
  });

  it('a late write to the old file (now the newest mtime) is drained once and never switches back', async () => {
    const glob = join(dir, 'MDaemon-*-SMTP (out).log');
    await writeFile(join(dir, day27), 'd27-1\n');
    await setMtime(join(dir, day27), 0);
    const { t, lines } = follow(glob, { rotateWaitMs: 60_000 });
    await t.poll();
    await writeFile(join(dir, day28), 'd28-1\n');
    await setMtime(join(dir, day28), 20);
    await t.poll();
    await appendFile(join(dir, day27), 'd27-late\n');
    await setMtime(join(dir, day27), 30);
    await t.poll();
    expect(t.stats.currentFile).toBe(join(dir, day28));
    await appendFile(join(dir, day28), 'd28-2\n');
    await setMtime(join(dir, day28), 40);
    await t.poll();
    expect(lines).toEqual(['d27-1', 'd28-1', 'd27-late', 'd28-2']);
    expect(t.stats).toMatchObject({ rotations: 1, currentFile: join(dir, day28) });
  });

  it('without rotateWaitMs a late write to the old file is not read again from 0', async () => {
    const glob = join(dir, 'MDaemon-*-SMTP (out).log');
    await writeFile(join(dir, day27), 'd27-1\n');
    await setMtime(join(dir, day27), 0);
    const { t, lines } = follow(glob, { rotateWaitMs: 0 });
    await t.poll();
    await writeFile(join(dir, day28), 'd28-1\n');
    await setMtime(join(dir, day28), 20);
    await t.poll();
    await appendFile(join(dir, day27), 'd27-late\n');
    await setMtime(join(dir, day27), 30);
    await t.poll();
    await t.poll();
    expect(lines).toEqual(['d27-1', 'd28-1']);
    expect(t.stats).toMatchObject({ rotations: 1, currentFile: join(dir, day28) });
  });

  it('when the followed match is deleted, an older match does not take over', async () => {
    const glob = join(dir, 'MDaemon-*-SMTP (out).log');
    await writeFile(join(dir, day27), 'd27\n');
    await setMtime(join(dir, day27), 0);
    await writeFile(join(dir, day28), 'd28\n');
    await setMtime(join(dir, day28), 10);
    const { t, lines } = follow(glob);
    await t.poll();
    await unlink(join(dir, day28));
    await t.poll();
    expect(lines).toEqual(['d28']);
    expect(t.stats).toMatchObject({ open: false, currentFile: null, rotations: 0 });
    const day29 = join(dir, 'MDaemon-2026-11-29-SMTP (out).log');
    await writeFile(day29, 'd29\n');
    await setMtime(day29, 30);
    await t.poll();
    expect(lines).toEqual(['d28', 'd29']);
    expect(t.stats).toMatchObject({ open: true, currentFile: day29, rotations: 1 });
  });

  it('start_at end on a glob starts at the end of the newest match only', async () => {
    const glob = join(dir, 'MDaemon-*-SMTP (out).log');
    await writeFile(join(dir, day27), 'd27\n');
    await setMtime(join(dir, day27), 0);
    await writeFile(join(dir, day28), 'd28\n');
    await setMtime(join(dir, day28), 10);
    const { t, lines } = follow(glob, { startAt: 'end' });
    await t.poll();
    await appendFile(join(dir, day28), 'd28-new\n');
    await t.poll();
    expect(lines).toEqual(['d28-new']);
    expect(t.stats.currentFile).toBe(join(dir, day28));
  });

  it('an older file appearing does not take over', async () => {
    const glob = join(dir, 'MDaemon-*-SMTP (out).log');
    await writeFile(join(dir, day28), 'd28\n');
    await setMtime(join(dir, day28), 10);
    const { t, lines } = follow(glob);
    await t.poll();
    await writeFile(join(dir, day27), 'restored archive\n');
    await setMtime(join(dir, day27), 0);
    await t.poll();
    expect(lines).toEqual(['d28']);
    expect(t.stats).toMatchObject({ rotations: 0, currentFile: join(dir, day28) });
  });

  it('waits without errors while nothing matches or the directory is missing', async () => {
    const logs = join(dir, 'Program Files', 'Logs');
    const { t, lines } = follow(join(logs, '*.log'));
    await t.poll();
    await mkdir(logs, { recursive: true });
    await writeFile(join(logs, 'x.txt'), 'no\n');
    await t.poll();
    expect(t.stats).toMatchObject({ open: false, readErrors: 0 });
    await writeFile(join(logs, 'a.log'), 'yes\n');
    await t.poll();
    expect(lines).toEqual(['yes']);
    expect(t.stats).toMatchObject({ open: true, currentFile: join(logs, 'a.log') });
  });
});

describe('Tailer on standard input', () => {
  it('reads a stream line by line, open while it is open, last line flushed at its end', async () => {
    const stdin = new PassThrough();
    const { t, lines } = follow('-', { stdin });
    await t.poll();
    expect(t.stats).toMatchObject({ open: true, currentFile: '-' });
    stdin.write('a\nb');
    await t.poll();
    expect(lines).toEqual(['a']);
    stdin.write('c\r\n');
    await t.poll();
    expect(lines).toEqual(['a', 'bc']);
    stdin.end('last');
    await t.poll();
    expect(lines).toEqual(['a', 'bc', 'last']);
    expect(t.stats).toMatchObject({ open: false, currentFile: null, lines: 3, bytes: 10 });
  });
});
