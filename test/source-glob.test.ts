import { appendFile, mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { setMtime, sourceHarness } from './support/sources.js';

const { dir: tmp, follow } = sourceHarness('ptr glob ');

describe('glob source', () => {
  const day27 = 'MDaemon-2026-11-27-SMTP (out).log';
  const day28 = 'MDaemon-2026-11-28-SMTP (out).log';

  it('moves to the new daily file after finishing the old one', async () => {
    const glob = join(tmp(), 'MDaemon-*-SMTP (out).log');
    await writeFile(join(tmp(), day27), 'd27-1\n');
    await setMtime(join(tmp(), day27), 0);
    await writeFile(join(tmp(), 'MDaemon-2026-11-29-IMAP.log'), 'not ours\n');
    const { t, lines } = follow(glob);
    await t.poll();
    expect(lines).toEqual(['d27-1']);
    expect(t.stats.currentFile).toBe(join(tmp(), day27));
    await appendFile(join(tmp(), day27), 'd27-2\n');
    await setMtime(join(tmp(), day27), 10);
    await writeFile(join(tmp(), day28), 'd28-1\n');
    await setMtime(join(tmp(), day28), 20);
    await t.poll();
    expect(lines).toEqual(['d27-1', 'd27-2', 'd28-1']);
    expect(t.stats).toMatchObject({ rotations: 1, currentFile: join(tmp(), day28), open: true });
  });

  /** Follows day27, then day28 appears, then day27 gets a late line and the newest mtime; returns the source after that poll. */
  async function lateWriteToOldFile(rotateWaitMs: number): Promise<ReturnType<typeof follow>> {
    const glob = join(tmp(), 'MDaemon-*-SMTP (out).log');
    await writeFile(join(tmp(), day27), 'd27-1\n');
    await setMtime(join(tmp(), day27), 0);
    const followed = follow(glob, { rotateWaitMs });
    await followed.t.poll();
    await writeFile(join(tmp(), day28), 'd28-1\n');
    await setMtime(join(tmp(), day28), 20);
    await followed.t.poll();
    await appendFile(join(tmp(), day27), 'd27-late\n');
    await setMtime(join(tmp(), day27), 30);
    await followed.t.poll();
    return followed;
  }

  it('a late write to the old file (now the newest mtime) is drained once and never switches back', async () => {
    const { t, lines } = await lateWriteToOldFile(60_000);
    expect(t.stats.currentFile).toBe(join(tmp(), day28));
    await appendFile(join(tmp(), day28), 'd28-2\n');
    await setMtime(join(tmp(), day28), 40);
    await t.poll();
    expect(lines).toEqual(['d27-1', 'd28-1', 'd27-late', 'd28-2']);
    expect(t.stats).toMatchObject({ rotations: 1, currentFile: join(tmp(), day28) });
  });

  it('without rotateWaitMs a late write to the old file is not read again from 0', async () => {
    const { t, lines } = await lateWriteToOldFile(0);
    await t.poll();
    expect(lines).toEqual(['d27-1', 'd28-1']);
    expect(t.stats).toMatchObject({ rotations: 1, currentFile: join(tmp(), day28) });
  });

  it('when the followed match is deleted, an older match does not take over', async () => {
    const glob = join(tmp(), 'MDaemon-*-SMTP (out).log');
    await writeFile(join(tmp(), day27), 'd27\n');
    await setMtime(join(tmp(), day27), 0);
    await writeFile(join(tmp(), day28), 'd28\n');
    await setMtime(join(tmp(), day28), 10);
    const { t, lines } = follow(glob);
    await t.poll();
    await unlink(join(tmp(), day28));
    await t.poll();
    expect(lines).toEqual(['d28']);
    expect(t.stats).toMatchObject({ open: false, currentFile: null, rotations: 0 });
    const day29 = join(tmp(), 'MDaemon-2026-11-29-SMTP (out).log');
    await writeFile(day29, 'd29\n');
    await setMtime(day29, 30);
    await t.poll();
    expect(lines).toEqual(['d28', 'd29']);
    expect(t.stats).toMatchObject({ open: true, currentFile: day29, rotations: 1 });
  });

  it('start_at end on a glob starts at the end of the newest match only', async () => {
    const glob = join(tmp(), 'MDaemon-*-SMTP (out).log');
    await writeFile(join(tmp(), day27), 'd27\n');
    await setMtime(join(tmp(), day27), 0);
    await writeFile(join(tmp(), day28), 'd28\n');
    await setMtime(join(tmp(), day28), 10);
    const { t, lines } = follow(glob, { startAt: 'end' });
    await t.poll();
    await appendFile(join(tmp(), day28), 'd28-new\n');
    await t.poll();
    expect(lines).toEqual(['d28-new']);
    expect(t.stats.currentFile).toBe(join(tmp(), day28));
  });

  it('an older file appearing does not take over', async () => {
    const glob = join(tmp(), 'MDaemon-*-SMTP (out).log');
    await writeFile(join(tmp(), day28), 'd28\n');
    await setMtime(join(tmp(), day28), 10);
    const { t, lines } = follow(glob);
    await t.poll();
    await writeFile(join(tmp(), day27), 'restored archive\n');
    await setMtime(join(tmp(), day27), 0);
    await t.poll();
    expect(lines).toEqual(['d28']);
    expect(t.stats).toMatchObject({ rotations: 0, currentFile: join(tmp(), day28) });
  });

  it('waits without errors while nothing matches or the directory is missing', async () => {
    const logs = join(tmp(), 'Program Files', 'Logs');
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
