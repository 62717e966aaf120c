import { appendFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, truncate, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogRunner } from '../src/exporter/log-runner.js';
import { createLogger, type Logger } from '../src/logger.js';
import { decodePositions, encodePositions, readPositionsFile, writePositionsFile, type Positions } from '../src/logs/positions.js';
import { createSource, type FilePosition, type LogSource, type ResumeOutcome, type SourcePosition } from '../src/logs/sources/index.js';
import type { FollowOptions } from './support/sources.js';
import type { Rejection } from '../src/logs/types.js';

let dir: string;
const tailers: LogSource[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptr positions '));
});

afterEach(async () => {
  await Promise.all(tailers.splice(0).map((t) => t.stop()));
  await rm(dir, { recursive: true, force: true });
});

const SAMPLE: FilePosition = { file: '/var/log/mail.log', dev: '2049', ino: '18446744073709551557', birthtimeNs: '1795839642648448782', size: 1200, offset: 1024 };

describe('positions document', () => {
  it('round-trips, keyed by configured path, with identities beyond 2^53 kept exact', () => {
    const positions: Positions = new Map([
      ['/var/log/mail.log', SAMPLE],
      ['C:\\MDaemon\\Logs\\MDaemon-*-SMTP (out).log', { file: 'C:\\MDaemon\\Logs\\MDaemon-2026-11-27-SMTP (out).log', dev: '0', ino: '0', birthtimeNs: '0', size: 5, offset: 5 }],
    ]);
    const text = encodePositions(positions);
    expect(JSON.parse(text)).toMatchObject({ version: 1, positions: { '/var/log/mail.log': { ino: '18446744073709551557', birthtime_ns: '1795839642648448782', offset: 1024 } } });
    expect(Object.keys((JSON.parse(text) as { positions: object }).positions)).toEqual(['/var/log/mail.log', 'C:\\MDaemon\\Logs\\MDaemon-*-SMTP (out).log'].sort());
    const decoded = decodePositions(text);
    expect(decoded).toEqual({ ok: true, positions });
  });

  it('a journal cursor round-trips next to file entries', () => {
    const positions: Positions = new Map<string, SourcePosition>([
      ['/var/log/mail.log', SAMPLE],
      ['journal', { cursor: 's=0b1c;i=2a7;b=9f3e;m=1d2c;t=62f1;x=77aa' }],
    ]);
    const text = encodePositions(positions);
    expect(JSON.parse(text)).toMatchObject({ positions: { journal: { cursor: 's=0b1c;i=2a7;b=9f3e;m=1d2c;t=62f1;x=77aa' } } });
    expect(decodePositions(text)).toEqual({ ok: true, positions });
    const empty = JSON.stringify({ version: 1, positions: { journal: { cursor: '' } } });
    expect(decodePositions(empty)).toMatchObject({ ok: false, error: expect.stringContaining('positions.journal') });
  });

  it('rejects malformed documents as values', () => {
    const bad = (doc: unknown): string => {
      const r = decodePositions(typeof doc === 'string' ? doc : JSON.stringify(doc));
      expect(r.ok).toBe(false);
      return r.ok ? '' : r.error;
    };
    const entry = { file: 'm', dev: '1', ino: '2', birthtime_ns: '0', size: 10, offset: 5 };
    expect(bad('{"version": 1, "positions": {')).toMatch(/not JSON/);
    expect(bad({ version: 2, positions: {} })).toMatch(/version/);
    expect(bad({ version: 1, positions: { m: { ...entry, ino: 'abc' } } })).toMatch(/positions\.m\.ino/);
    expect(bad({ version: 1, positions: { m: { ...entry, offset: -1 } } })).toMatch(/offset/);
    expect(bad({ version: 1, positions: { m: { ...entry, offset: 11 } } })).toMatch(/beyond size/);
    expect(bad([])).toBeTruthy();
  });

  it('reads a missing file as missing and a corrupt one as an error', async () => {
    const file = join(dir, 'positions.json');
    expect(await readPositionsFile(file)).toEqual({ kind: 'missing' });
    await writeFile(file, '{"version": 1, "posit');
    expect(await readPositionsFile(file)).toMatchObject({ kind: 'error' });
  });
});

describe('writePositionsFile', () => {
  const positions: Positions = new Map([['/var/log/mail.log', SAMPLE]]);

  it('replaces the file through a .tmp that never stays behind', async () => {
    const file = join(dir, 'positions.json');
    await writeFile(file, 'old and corrupt');
    expect(await writePositionsFile(file, positions)).toEqual({ ok: true, inPlace: false });
    expect(await readPositionsFile(file)).toEqual({ kind: 'ok', positions });
    expect(await readdir(dir)).toEqual(['positions.json']);
  });

  it('retries a rename refused for a moment (Windows EPERM/EBUSY), then renames', async () => {
    const file = join(dir, 'positions.json');
    let calls = 0;
    const flaky = async (from: string, to: string): Promise<void> => {
      if (++calls <= 2) throw Object.assign(new Error('EPERM: operation not permitted, rename'), { code: calls === 1 ? 'EPERM' : 'EBUSY' });
      await rename(from, to);
    };
    expect(await writePositionsFile(file, positions, { rename: flaky, sleep: async () => {} })).toEqual({ ok: true, inPlace: false });
    expect(calls).toBe(3);
    expect(await readPositionsFile(file)).toEqual({ kind: 'ok', positions });
    expect(await readdir(dir)).toEqual(['positions.json']);
  });

  it('overwrites in place when renaming keeps being refused', async () => {
    const file = join(dir, 'positions.json');
    await writeFile(file, 'old');
    const refuse = async (): Promise<void> => {
      throw Object.assign(new Error('EBUSY: resource busy or locked, rename'), { code: 'EBUSY' });
    };
    expect(await writePositionsFile(file, positions, { rename: refuse, sleep: async () => {} })).toEqual({ ok: true, inPlace: true });
    expect(await readPositionsFile(file)).toEqual({ kind: 'ok', positions });
    expect(await readdir(dir)).toEqual(['positions.json']);
  });

  it('returns other failures as values and leaves nothing behind', async () => {
    const file = join(dir, 'positions.json');
    await mkdir(file); // a directory where the file should be: rename fails (EISDIR)
    const r = await writePositionsFile(file, positions);
    expect(r.ok).toBe(false);
    expect(await readdir(dir)).toEqual(['positions.json']);
    expect((await writePositionsFile(join(dir, 'no such dir', 'p.json'), positions)).ok).toBe(false);
  });
});

/** A tailer whose lines and resume outcomes are collected. */
function follow(path: string, options: FollowOptions = {}): { t: LogSource; lines: string[]; outcomes: ResumeOutcome[] } {
  const lines: string[] = [];
  const outcomes: ResumeOutcome[] = [];
  const { startAt = 'beginning', ...rest } = options;
  const t = createSource({ path, startAt }, { rotateWaitMs: 0, onLines: (l) => lines.push(...l), onResume: (o) => outcomes.push(o), ...rest });
  tailers.push(t);
  return { t, lines, outcomes };
}

/** Tails `path` once from the beginning and returns where it stopped. */
async function readOnce(path: string): Promise<{ lines: string[]; position: FilePosition }> {
  const { t, lines } = follow(path);
  await t.poll();
  await t.stop();
  const position = t.position() as FilePosition | null;
  expect(position).not.toBeNull();
  return { lines, position: position! };
}

describe('file source positions', () => {
  it('the position is after the last complete line: a waiting partial line is not in it', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, 'a\nb\npar');
    let changes = 0;
    const { t, lines } = follow(path, { onPositionChange: () => void changes++ });
    expect(t.position()).toBeNull();
    await t.poll();
    expect(lines).toEqual(['a', 'b']);
    const st = await stat(path, { bigint: true });
    expect(t.position()).toEqual({ file: path, dev: st.dev.toString(), ino: st.ino.toString(), birthtimeNs: expect.stringMatching(/^\d+$/), size: 7, offset: 4 });
    expect(changes).toBeGreaterThan(0);
    const before = changes;
    await appendFile(path, 'tial\n');
    await t.poll();
    expect(t.position()!.offset).toBe(12);
    expect(changes).toBeGreaterThan(before);
  });

  it('resumes exactly at the saved offset, whatever start_at says, and completes a partial line', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, 'a\nb\npar');
    const first = await readOnce(path);
    expect(first.lines).toEqual(['a', 'b']);
    await appendFile(path, 'tial\nc\n');
    for (const startAt of ['beginning', 'end'] as const) {
      const { t, lines, outcomes } = follow(path, { startAt, resumeFrom: first.position });
      await t.poll();
      expect(lines).toEqual(['partial', 'c']);
      expect(outcomes).toEqual([{ outcome: 'resumed', file: path, offset: 4 }]);
      expect(t.stats).toMatchObject({ rotations: 0, truncations: 0, bytes: 10 });
    }
  });

  it('rotated while down: the old file is finished from the saved offset, then the new one is read from 0', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, '1\n2\n');
    const first = await readOnce(path);
    await appendFile(path, '3\n4\n');
    await rename(path, `${path}.1`);
    await writeFile(path, '5\n');
    const { t, lines, outcomes } = follow(path, { startAt: 'end', resumeFrom: first.position });
    await t.poll();
    expect(lines).toEqual(['3', '4', '5']);
    expect(outcomes).toEqual([{ outcome: 'rotated', file: `${path}.1`, offset: 4 }]);
    expect(t.stats).toMatchObject({ rotations: 1, open: true, currentFile: path });
    expect(t.position()).toMatchObject({ file: path, offset: 2 });
    await appendFile(`${path}.1`, 'late\n'); // the old file is closed (rotateWaitMs 0): not read again
    await appendFile(path, '6\n');
    await t.poll();
    expect(lines).toEqual(['3', '4', '5', '6']);
  });

  it('rotated while down and the old file gone: a loss, reported; the new file is read from 0', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, '1\n2\n');
    const first = await readOnce(path);
    await rename(path, `${path}.1`);
    await writeFile(path, '5\n'); // created before the old one is deleted, so it cannot reuse its inode
    await unlink(`${path}.1`);
    const { t, lines, outcomes } = follow(path, { startAt: 'end', resumeFrom: first.position });
    await t.poll();
    expect(lines).toEqual(['5']);
    expect(outcomes).toEqual([{ outcome: 'lost', file: null, offset: 0 }]);
    expect(t.stats.rotations).toBe(1);
  });

  it('renamed away and not yet recreated: the old file is finished, a new one appearing later is read from 0', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, '1\n');
    const first = await readOnce(path);
    await appendFile(path, '2\n');
    await rename(path, `${path}.1`);
    const { t, lines, outcomes } = follow(path, { startAt: 'end', resumeFrom: first.position });
    await t.poll();
    expect(lines).toEqual(['2']);
    expect(outcomes).toEqual([{ outcome: 'rotated', file: `${path}.1`, offset: 2 }]);
    expect(t.position()).toMatchObject({ file: `${path}.1`, offset: 4 });
    await writeFile(path, '3\n');
    await t.poll();
    expect(lines).toEqual(['2', '3']);
  });

  it('truncated while down (copytruncate): the file is read from 0 and the truncation counted', async () => {
    const path = join(dir, 'mail.log');
    await writeFile(path, 'a\nb\nc\n');
    const first = await readOnce(path);
    await truncate(path, 0);
    await appendFile(path, 'x\ny\n');
    const { t, lines, outcomes } = follow(path, { startAt: 'end', resumeFrom: first.position });
    await t.poll();
    expect(lines).toEqual(['x', 'y']);
    expect(outcomes).toEqual([{ outcome: 'truncated', file: path, offset: 0 }]);
    expect(t.stats).toMatchObject({ truncations: 1, rotations: 0 });
  });

  it('a glob resumes in the saved match, finishes it, then takes the newer match and never goes back', async () => {
    const glob = join(dir, 'MDaemon-*-SMTP (out).log');
    const day1 = join(dir, 'MDaemon-2026-11-27-SMTP (out).log');
    const day2 = join(dir, 'MDaemon-2026-11-28-SMTP (out).log');
    await writeFile(day1, 'd1a\r\n');
    const t0 = Date.UTC(2026, 10, 27) / 1000;
    await utimes(day1, t0, t0);
    const first = await readOnce(glob);
    expect(first.position.file).toBe(day1);
    await appendFile(day1, 'd1b\r\n');
    await utimes(day1, t0 + 10, t0 + 10);
    await writeFile(day2, 'd2a\r\n');
    await utimes(day2, t0 + 86_400, t0 + 86_400);
    const { t, lines, outcomes } = follow(glob, { resumeFrom: first.position });
    await t.poll();
    expect(lines).toEqual(['d1b', 'd2a']);
    expect(outcomes).toEqual([{ outcome: 'rotated', file: day1, offset: 5 }]);
    await appendFile(day1, 'd1c\r\n'); // a late write makes day1 newest again: it stays left behind
    await utimes(day1, t0 + 90_000, t0 + 90_000);
    await appendFile(day2, 'd2b\r\n');
    await t.poll();
    expect(lines).toEqual(['d1b', 'd2a', 'd2b']);
    expect(t.position()).toMatchObject({ file: day2, offset: 10 });
  });
});

/** A logger collecting JSON records. */
function recordingLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  return { records, logger: createLogger('debug', 'json', (l) => void records.push(JSON.parse(l) as Record<string, unknown>)) };
}

/** A Gmail IPv6 PTR rejection in Postfix's format, unique per `n`. */
function gmailLine(n: number): string {
  return `Nov 27 10:00:01 mx postfix/smtp[1234]: 4ABC${n}: to=<u${n}@gmail.com>, relay=gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1a]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1a] said: 550-5.7.1 [2001:db8::25] Gmail has detected that this message does not meet IPv6 sending guidelines regarding PTR records and authentication. For more information, go to https://support.google.com/mail/?p=IPv6AuthError 123 - gsmtp (in reply to end of DATA command))\n`;
}

const lines = (from: number, to: number): string => Array.from({ length: to - from }, (_, i) => gmailLine(from + i)).join('');

describe('LogRunner with positions_file', () => {
  it('saves positions on stop and a new runner counts only what came after', async () => {
    const log = join(dir, 'mail.log');
    const positionsFile = join(dir, 'positions.json');
    await writeFile(log, lines(0, 3));
    const source = { path: log, format: 'postfix' as const, startAt: 'beginning' as const, positionsFile };
    const first: Rejection[] = [];
    const { logger, records } = recordingLogger();
    const r1 = new LogRunner((r) => first.push(r), logger, 60_000);
    await r1.apply([source]);
    await r1.pollAll();
    await r1.stop();
    expect(first.map((r) => r.reason)).toEqual(['ipv6_ptr_auth', 'ipv6_ptr_auth', 'ipv6_ptr_auth']);
    expect(records.find((r) => r.msg === 'no positions file yet: logs start at start_at')).toBeDefined();
    expect(records.find((r) => r.msg === 'stopped following log')).toMatchObject({ path: log, lines: 3, rejections: 3, offset: lines(0, 3).length });
    const saved = await readPositionsFile(positionsFile);
    expect(saved.kind === 'ok' && saved.positions.get(log)?.offset).toBe(Buffer.byteLength(lines(0, 3)));
    expect(await readdir(dir)).toEqual(['mail.log', 'positions.json']);

    await appendFile(log, lines(3, 5));
    const second: Rejection[] = [];
    const r2 = new LogRunner((r) => second.push(r), logger, 60_000);
    await r2.apply([source]);
    await r2.pollAll();
    expect(second).toHaveLength(2);
    expect(r2.stats().get(log)).toMatchObject({ lines: 2, bytes: Buffer.byteLength(lines(3, 5)) });
    await r2.stop();
  });

  it('one positions file holds several paths; a corrupt one is logged, ignored and then rewritten', async () => {
    const a = join(dir, 'a.log');
    const b = join(dir, 'b.log');
    const positionsFile = join(dir, 'positions.json');
    await writeFile(a, lines(0, 2));
    await writeFile(b, lines(10, 11));
    await writeFile(positionsFile, 'not json at all');
    const { logger, records } = recordingLogger();
    const count: string[] = [];
    const runner = new LogRunner((r) => count.push(r.provider), logger, 60_000);
    await runner.apply([a, b].map((path) => ({ path, format: 'postfix' as const, startAt: 'beginning' as const, positionsFile })));
    await runner.pollAll();
    await runner.stop();
    expect(count).toHaveLength(3);
    expect(records.find((r) => r.msg === 'ignoring unreadable positions file: logs start at start_at')).toMatchObject({ level: 'warn', file: positionsFile });
    const saved = await readPositionsFile(positionsFile);
    if (saved.kind !== 'ok') throw new Error(`positions file not rewritten: ${JSON.stringify(saved)}`);
    expect([...saved.positions.keys()].sort()).toEqual([a, b]);
    expect(saved.positions.get(a)!.offset).toBe(Buffer.byteLength(lines(0, 2)));
    expect(saved.positions.get(b)!.offset).toBe(Buffer.byteLength(lines(10, 11)));
  });

  it('a reload that restarts a tailer goes on where it was, without rereading', async () => {
    const log = join(dir, 'mail.log');
    await writeFile(log, lines(0, 2));
    const seen: Rejection[] = [];
    const runner = new LogRunner((r) => seen.push(r), recordingLogger().logger, 60_000);
    await runner.apply([{ path: log, format: 'postfix', startAt: 'beginning', positionsFile: '' }]);
    await runner.pollAll();
    await appendFile(log, lines(2, 3));
    await runner.apply([{ path: log, format: 'auto', startAt: 'beginning', positionsFile: '' }]);
    await runner.pollAll();
    await runner.stop();
    expect(seen).toHaveLength(3);
  });

  it('the position is saved while running, not only on stop', async () => {
    const log = join(dir, 'mail.log');
    const positionsFile = join(dir, 'positions.json');
    await writeFile(log, lines(0, 1));
    const runner = new LogRunner(() => {}, recordingLogger().logger, 60_000);
    await runner.apply([{ path: log, format: 'postfix', startAt: 'beginning', positionsFile }]);
    await runner.pollAll();
    const want = Buffer.byteLength(lines(0, 1));
    const deadline = Date.now() + 5000;
    let offset: number | undefined;
    while (offset !== want && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 50));
      const saved = await readPositionsFile(positionsFile);
      offset = saved.kind === 'ok' ? saved.positions.get(log)?.offset : undefined;
    }
    expect(offset).toBe(want);
    expect(JSON.parse(await readFile(positionsFile, 'utf8'))).toMatchObject({ version: 1 });
    await runner.stop();
  });
});
