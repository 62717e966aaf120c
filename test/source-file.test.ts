import { appendFile, copyFile, mkdir, open, rename, rmdir, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceHarness } from './support/sources.js';

const { dir: tmp, follow } = sourceHarness('ptr tail ');

describe('file source', () => {
  it('reads appended lines once, in order', async () => {
    const path = join(tmp(), 'mail.log');
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
    const path = join(tmp(), 'mail.log');
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
    const path = join(tmp(), 'MDaemon (out).log');
    await writeFile(path, 'one\r\ntwo\r\nthree\r');
    const { t, lines } = follow(path);
    await t.poll();
    expect(lines).toEqual(['one', 'two']);
    await appendFile(path, '\n');
    await t.poll();
    expect(lines).toEqual(['one', 'two', 'three']);
  });

  it('start_at end skips what is there at the first poll', async () => {
    const path = join(tmp(), 'mail.log');
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
    const path = join(tmp(), 'mail.log');
    await writeFile(path, 'old\npar');
    const { t, lines } = follow(path, { startAt: 'end' });
    await t.poll();
    await appendFile(path, 'tial\n');
    await t.poll();
    expect(lines).toEqual(['partial']);
  });

  it('start_at beginning reads what is there', async () => {
    const path = join(tmp(), 'mail.log');
    await writeFile(path, 'old1\nold2\n');
    const { t, lines } = follow(path, { startAt: 'beginning' });
    await t.poll();
    expect(lines).toEqual(['old1', 'old2']);
  });

  it('rename rotation: the old file is finished, lines written to it after the rename arrive once, then the new file from 0', async () => {
    const path = join(tmp(), 'mail.log');
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
    const path = join(tmp(), 'mail.log');
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

  it('rotateWaitMs runs on the injected clock: the old file is drained until the clock passes it', async () => {
    const path = join(tmp(), 'mail.log');
    await writeFile(path, '');
    let now = 1_000_000;
    const { t, lines } = follow(path, { rotateWaitMs: 5000, clock: { now: () => now } });
    await t.poll();
    const writer = await open(path, 'a');
    await rename(path, `${path}.1`);
    await writeFile(path, 'new1\n');
    await t.poll();
    now += 4999;
    await writer.write('old-late\n');
    await t.poll();
    expect(lines).toEqual(['new1', 'old-late']);
    now += 1;
    await writer.write('old-after-wait\n'); // read by the poll that closes the old file
    await t.poll();
    await writer.write('old-too-late\n');
    await t.poll();
    expect(lines).toEqual(['new1', 'old-late', 'old-after-wait']);
    await writer.close();
  });

  it('hands out the unterminated last line of a rotated file when it is closed', async () => {
    const path = join(tmp(), 'mail.log');
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
    const path = join(tmp(), 'mail.log');
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
    const path = join(tmp(), 'mail.log');
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
    const path = join(tmp(), 'mail.log');
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
    const path = join(tmp(), 'not yet', 'mail.log');
    const { t, lines } = follow(path, { startAt: 'end' });
    await t.poll();
    await t.poll();
    expect(t.stats).toMatchObject({ open: false, currentFile: null, readErrors: 0 });
    await mkdir(join(tmp(), 'not yet'));
    await writeFile(path, 'x\ny\n');
    await t.poll();
    expect(lines).toEqual(['x', 'y']);
    expect(t.stats).toMatchObject({ open: true, rotations: 0 });
  });

  it('a directory at the path is a counted read error, retried at each poll, and recovered from', async () => {
    // Root ignores chmod 000, so the failure is a directory where the file should be (reading it fails with EISDIR).
    const path = join(tmp(), 'mail.log');
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
    const path = join(tmp(), 'mail.log');
    await writeFile(path, `${'x'.repeat(70_000)}\nshort\n`);
    const { t, lines } = follow(path, { readChunkBytes: 4096 });
    await t.poll();
    expect(lines.map((l) => l.length)).toEqual([65_536, 5]);
    expect(t.stats).toMatchObject({ lines: 2, truncatedLines: 1, bytes: 70_007 });
  });

  it('bytes that are not UTF-8 read as Windows-1252 (é) and do not break reading', async () => {
    const path = join(tmp(), 'MDaemon-2026-11-27-SMTP (out).log');
    await writeFile(path, Buffer.concat([Buffer.from('Caf'), Buffer.from([0xe9]), Buffer.from(' 550 no\r\nnext\r\n')]));
    const { t, lines } = follow(path);
    await t.poll();
    expect(lines).toEqual(['Caf\u00e9 550 no', 'next']);
  });

  it('reads many lines across small chunks exactly once, multi-byte characters included', async () => {
    const path = join(tmp(), 'mail.log');
    const want = Array.from({ length: 20_000 }, (_, i) => `line ${i} é€`);
    await writeFile(path, `${want.join('\n')}\n`);
    const { t, lines } = follow(path, { readChunkBytes: 4099 });
    await t.poll();
    expect(lines).toEqual(want);
  });

  it('start() polls at once; stop() closes and is idempotent, later polls do nothing', async () => {
    const path = join(tmp(), 'mail.log');
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

  it('rotations every 100 ms lose nothing: folder events wake the started source', async () => {
    const path = join(tmp(), 'mail.log');
    const block = (r: number): string => Array.from({ length: 10 }, (_, i) => `r${r} line ${i}\n`).join('');
    const ROTATIONS = 30;
    await writeFile(path, block(0));
    const { t, lines } = follow(path, { rotateWaitMs: 5000 });
    t.start();
    for (let r = 1; r <= ROTATIONS; r++) {
      await new Promise((done) => setTimeout(done, 100));
      await rename(path, `${path}.1`); // replaces the previous .1: a file missed now is gone for good
      await writeFile(path, block(r));
    }
    const want = Array.from({ length: ROTATIONS + 1 }, (_, r) => block(r)).join('').split('\n').slice(0, -1);
    const deadline = Date.now() + 3000;
    while (lines.length < want.length && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
    expect(lines).toEqual(want);
    expect(t.stats).toMatchObject({ rotations: ROTATIONS, lines: want.length, readErrors: 0, truncations: 0 });
  }, 20_000);
});
