import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../src/logger.js';
import { JournalSource, type JournalOptions } from '../src/logs/sources/journal.js';
import type { SourceOptions } from '../src/logs/sources/source.js';
import { writeJournalFile, type ExportEntry } from './support/journal-files.js';

// The journal follower against real journal files (built by systemd-journal-remote) read by the real journalctl.

let root: string;
const logs: string[] = [];
const logger: Logger = createLogger('debug', 'logfmt', (l) => void logs.push(l));

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ptr journal '));
  chmodSync(root, 0o755);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const postfix = (n: number): ExportEntry => ({ unit: 'postfix@-.service', ident: 'postfix/smtp', pid: 1000 + n, message: `P${n}: removed` });
const cron = (n: number): ExportEntry => ({ unit: 'cron.service', ident: 'CRON', pid: 5, message: `cron ${n}` });

/** A journal source collecting its lines. */
function follow(opts: Partial<SourceOptions & JournalOptions> & { directory: string; startAt?: 'end' | 'beginning' }): { f: JournalSource; lines: string[] } {
  const lines: string[] = [];
  const { directory, startAt, ...rest } = opts;
  const f = new JournalSource({ units: [], directory, startAt: startAt ?? 'beginning' }, { logger, retryMinMs: 100, retryMaxMs: 400, pollIntervalMs: 100, ...rest, onLines: (l) => void lines.push(...l) });
  f.start();
  return { f, lines };
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms; log:\n${logs.join('')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const messages = (lines: string[]): string[] => lines.map((l) => l.replace(/^\S+ \S+ [^:]+: |^\S+ \S+ \+0000 /, ''));

describe('JournalSource', () => {
  it('reads the MTA units only, sees a journal file added later, and resumes after its cursor', async () => {
    const dir = join(root, 'a');
    mkdirSync(dir);
    await writeJournalFile(join(dir, 'one.journal'), [postfix(1), cron(1), { unit: 'exim4.service', ident: 'exim', pid: 7, message: 'E1 exim line' }, postfix(2)]);
    const first = follow({ directory: dir });
    await until('three lines', () => first.lines.length === 3);
    expect(first.lines[0]).toBe('2025-11-27T10:00:01.000000Z mx postfix/smtp[1001]: P1: removed');
    expect(first.lines[1]).toMatch(/^2025-11-27 10:00:03 \+0000 E1 exim line$/);
    expect(first.f.stats.open).toBe(true);
    await writeJournalFile(join(dir, 'two.journal'), [cron(2), postfix(3), { unit: 'postfix.service', ident: 'postfix/qmgr', pid: 3, message: Buffer.from([0x51, 0xff, 0x3a, 0x20, 0x6f, 0x6b]) }]);
    await until('the second file read', () => first.lines.length === 5);
    expect(messages(first.lines)).toEqual(['P1: removed', 'E1 exim line', 'P2: removed', 'P3: removed', 'Q\ufffd: ok']);
    expect(first.f.stats.lines).toBe(5);
    expect(first.f.stats.bytes).toBe(first.lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0));
    await first.f.stop();
    expect(first.f.stats.open).toBe(false);
    const cursor = first.f.position();
    expect(cursor?.cursor).toMatch(/^s=[0-9a-f]+;i=/);
    expect(first.f.name).toBe(`journal:${dir}`);

    await writeJournalFile(join(dir, 'three.journal'), [postfix(4), cron(3), postfix(5)]);
    const second = follow({ directory: dir, resumeFrom: cursor, startAt: 'beginning' });
    await until('the entries written while stopped', () => second.lines.length === 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(messages(second.lines)).toEqual(['P4: removed', 'P5: removed']);
    await second.f.stop();
  });

  it('starts at the end, and a journalctl that keeps exiting is restarted without loss or repeats', async () => {
    const dir = join(root, 'b');
    mkdirSync(dir);
    await writeJournalFile(join(dir, 'old.journal'), [postfix(10), postfix(11)]);
    // coreutils timeout ends every journalctl run after 0.6 s.
    const run = follow({ directory: dir, startAt: 'end', journalctl: ['timeout', '0.6', 'journalctl'] });
    await until('journalctl ended and restarted twice', () => run.f.stats.readErrors >= 2);
    expect(run.lines).toEqual([]);
    for (let i = 0; i < 4; i++) {
      await writeJournalFile(join(dir, `new${i}.journal`), [postfix(20 + 2 * i), cron(i), postfix(21 + 2 * i)]);
      await new Promise((r) => setTimeout(r, 350));
    }
    await until('all new entries', () => run.lines.length >= 8);
    await new Promise((r) => setTimeout(r, 1000));
    expect(messages(run.lines)).toEqual([20, 21, 22, 23, 24, 25, 26, 27].map((n) => `P${n}: removed`));
    expect(logs.join('')).toMatch(/msg="journalctl ended; restarting it" path="journal:[^"]+\/b" code=124/);
    await run.f.stop();
  });

  it('waits for a journal directory that does not exist yet', async () => {
    const dir = join(root, 'later', 'journal');
    const run = follow({ directory: dir });
    await new Promise((r) => setTimeout(r, 400));
    expect(run.f.stats.open).toBe(false);
    expect(logs.join('')).toContain(`msg="journal directory does not exist yet: waiting for it" path="journal:${dir}"`);
    mkdirSync(dir, { recursive: true });
    await writeJournalFile(join(dir, 'x.journal'), [postfix(30)]);
    await until('the entry in the new directory', () => run.lines.length === 1);
    expect(run.f.stats.open).toBe(true);
    await run.f.stop();
  });

  it('reports a journal it may not read as not open, with the group advice', async () => {
    const dir = join(root, 'private');
    mkdirSync(dir, { mode: 0o755 });
    await writeJournalFile(join(dir, 'x.journal'), [postfix(40)]);
    chmodSync(join(dir, 'x.journal'), 0o640);
    // journalctl run as the unprivileged user nobody (setpriv, util-linux), as a user outside systemd-journal and adm would.
    const run = follow({ directory: dir, journalctl: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'journalctl'] });
    await until('a failed run', () => run.f.stats.readErrors >= 2);
    expect(run.f.stats.open).toBe(false);
    expect(run.lines).toEqual([]);
    expect(logs.join('')).toContain('msg="cannot read the journal: the exporter\'s user may not read the journal: add it to the systemd-journal or adm group');
    await run.f.stop();
  });
});
