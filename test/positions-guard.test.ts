import { execFileSync } from 'node:child_process';
import { link, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePositionsFile, type Positions } from '../src/logs/positions.js';

const LOG = 'Nov 27 10:00:01 mx postfix/smtp[7]: 4AB: to=<a@example.com>, status=bounced (host said: 550 5.7.25 PTR)\n';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptr positions guard '));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The positions of a tailer that has read `log` to its end. */
async function positionsOf(log: string): Promise<Positions> {
  const st = await stat(log, { bigint: true });
  return new Map([[log, { file: log, dev: st.dev.toString(), ino: st.ino.toString(), birthtimeNs: '0', size: Number(st.size), offset: Number(st.size) }]]);
}

describe('a positions file is never written over a followed log', () => {
  it('refuses the log itself, a symlink to it and a hard link to it, and leaves the log as it was', async () => {
    const log = join(dir, 'mail.log');
    await writeFile(log, LOG);
    const positions = await positionsOf(log);
    await symlink(log, join(dir, 'symlinked.pos'));
    await link(log, join(dir, 'hardlinked.pos'));
    for (const name of ['mail.log', 'symlinked.pos', 'hardlinked.pos']) {
      const r = await writePositionsFile(join(dir, name), positions);
      expect(r).toEqual({ ok: false, error: `refusing to replace it: it is the followed log ${log}` });
    }
    expect(await readFile(log, 'utf8')).toBe(LOG);
    expect(await readFile(join(dir, 'symlinked.pos'), 'utf8')).toBe(LOG);
  });

  it.skipIf(process.platform === 'win32')('refuses a FIFO without blocking on it', async () => {
    const fifo = join(dir, 'fifo.pos');
    execFileSync('mkfifo', [fifo]);
    const r = await writePositionsFile(fifo, new Map());
    expect(r).toEqual({ ok: false, error: 'refusing to replace it: it is not a regular file' });
    expect((await stat(fifo)).isFIFO()).toBe(true);
  });

  it('replaces an earlier positions file of the same log', async () => {
    const log = join(dir, 'other.log');
    await writeFile(log, LOG);
    const positions = await positionsOf(log);
    const file = join(dir, 'other.pos');
    expect(await writePositionsFile(file, positions)).toEqual({ ok: true, inPlace: false });
    expect(await writePositionsFile(file, positions)).toEqual({ ok: true, inPlace: false });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 1, positions: { [log]: { offset: LOG.length } } });
  });
});
