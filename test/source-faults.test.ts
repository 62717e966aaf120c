import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { constants, openSync, closeSync } from 'node:fs';
import { appendFile, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceHarness } from './support/sources.js';

// Hostile file-system states while tailing: a symlink swapped to a device or a FIFO, a rotation
// that leaves something unreadable at the path. Linux only (FIFOs, /dev/zero, symlinks as root).

const { dir: tmp, follow } = sourceHarness('ptr faults ');

const sleep = (ms: number): Promise<'timeout'> => new Promise((done) => setTimeout(() => done('timeout'), ms));

/** A child process that keeps re-pointing the symlink `link` at each of `targets` in turn (atomic rename). */
function swapper(link: string, targets: string[]): ChildProcess {
  const script = `
    const fs = require('node:fs');
    const [link, ...targets] = process.argv.slice(1);
    for (let i = 0; ; i++) {
      const tmp = link + '.swap';
      try { fs.unlinkSync(tmp); } catch {}
      fs.symlinkSync(targets[i % targets.length], tmp);
      fs.renameSync(tmp, link);
    }`;
  return spawn(process.execPath, ['-e', script, link, ...targets], { stdio: 'ignore' });
}

/** Polls `t` for `ms` of wall time; a poll that does not return within 1 s counts as hung. */
async function pollFor(t: { poll: () => Promise<void> }, ms: number): Promise<{ polls: number; hung: number }> {
  const end = Date.now() + ms;
  let polls = 0;
  let hung = 0;
  while (Date.now() < end) {
    if ((await Promise.race([t.poll().then(() => 'done' as const), sleep(1000)])) === 'timeout') hung++;
    else polls++;
  }
  return { polls, hung };
}

/** Opens a FIFO for writing without blocking, which releases any reader stuck in open(). */
function releaseFifo(fifo: string): void {
  for (let i = 0; i < 20; i++) {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // ENXIO: no reader waiting.
    }
  }
}

describe('file source against hostile file types', () => {
  it('a symlink swapped between regular files and /dev/zero: no zeros are read, every poll returns', async () => {
    const a = join(tmp(), 'a.log');
    const b = join(tmp(), 'b.log');
    const link = join(tmp(), 'mail.log');
    await writeFile(a, 'a1\n');
    await writeFile(b, 'b1\n');
    await symlink(a, link);
    const { t, lines } = follow(link);
    const child = swapper(link, [a, '/dev/zero', b, '/dev/zero']);
    let result: { polls: number; hung: number };
    try {
      result = await pollFor(t, 1500);
    } finally {
      child.kill('SIGKILL');
    }
    expect(await Promise.race([t.stop().then(() => 'stopped'), sleep(5000)])).toBe('stopped');
    expect(result.hung).toBe(0);
    expect(result.polls).toBeGreaterThan(20);
    expect(lines.filter((l) => l !== 'a1' && l !== 'b1')).toEqual([]);
    expect(t.stats.truncatedLines).toBe(0);
    expect(t.stats.bytes).toBeLessThan(3 * (result.polls + 1));
  }, 20_000);

  it('a symlink swapped between regular files and a FIFO: open never blocks, stop() returns', async () => {
    const a = join(tmp(), 'a.log');
    const b = join(tmp(), 'b.log');
    const fifo = join(tmp(), 'pipe');
    const link = join(tmp(), 'mail.log');
    await writeFile(a, 'a1\n');
    await writeFile(b, 'b1\n');
    execFileSync('mkfifo', [fifo]);
    await symlink(a, link);
    const { t, lines } = follow(link);
    const child = swapper(link, [a, fifo, b, fifo]);
    let result: { polls: number; hung: number };
    try {
      result = await pollFor(t, 1500);
    } finally {
      child.kill('SIGKILL');
    }
    const stopped = await Promise.race([t.stop().then(() => 'stopped'), sleep(5000)]);
    releaseFifo(fifo);
    expect(stopped).toBe('stopped');
    expect(result.hung).toBe(0);
    expect(result.polls).toBeGreaterThan(20);
    expect(lines.filter((l) => l !== 'a1' && l !== 'b1')).toEqual([]);
  }, 20_000);

  it('reads of one poll are bounded: a big file takes several polls', async () => {
    const path = join(tmp(), 'mail.log');
    const line = `${'x'.repeat(1023)}\n`;
    await writeFile(path, line.repeat(3 * 1024)); // 3 MiB
    const { t, lines } = follow(path, { readChunkBytes: 64 * 1024, maxReadBytesPerPoll: 1024 * 1024 });
    await t.poll();
    expect(t.stats.bytes).toBe(1024 * 1024);
    expect(lines).toHaveLength(1024);
    await t.poll();
    await t.poll();
    await t.poll();
    expect(t.stats.bytes).toBe(3 * 1024 * 1024);
    expect(lines).toHaveLength(3 * 1024);
  });
});

describe('ptr_log_open says whether lines can be read now', () => {
  it('a rotation that leaves a FIFO at the path: open=false and a read error, until a regular file is back', async () => {
    const path = join(tmp(), 'mail.log');
    await writeFile(path, 'a\n');
    const { t, lines } = follow(path, { rotateWaitMs: 60_000 });
    await t.poll();
    expect(t.stats.open).toBe(true);
    await rename(path, `${path}.1`);
    execFileSync('mkfifo', [path]);
    await appendFile(`${path}.1`, 'b\n'); // the writer has not reopened yet: still read
    await t.poll();
    expect(lines).toEqual(['a', 'b']);
    expect(t.stats).toMatchObject({ open: false, readErrors: 1 });
    await rename(path, join(tmp(), 'pipe'));
    await writeFile(path, 'c\n');
    await t.poll();
    expect(lines).toEqual(['a', 'b', 'c']);
    expect(t.stats).toMatchObject({ open: true, rotations: 1, currentFile: path });
  });
});
