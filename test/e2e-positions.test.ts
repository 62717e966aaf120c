import { appendFile, mkdir, mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { readPositionsFile } from '../src/logs/positions.js';
import { serve, terminate, waitFor, type Served } from './support/cli-process.js';
import { find, parseMetrics, value } from './support/metrics-text.js';
import { closedPort } from './support/ports.js';

// End to end: the built CLI (dist/, built by `npm test`'s pretest) restarted on a log with a
// positions file. Counters restart from 0 in each process, so each run's numbers are its own lines.

/** A Gmail IPv6 PTR rejection in Postfix's format; a queue id per line so no line is a copy of another. */
function gmailLine(n: number): string {
  return `Nov 27 10:00:01 mx postfix/smtp[1234]: 4ABC${n}: to=<u${n}@gmail.com>, relay=gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1a]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1a] said: 550-5.7.1 [2001:db8::25] Gmail has detected that this message does not meet IPv6 sending guidelines regarding PTR records and authentication. For more information, go to https://support.google.com/mail/?p=IPv6AuthError 123 - gsmtp (in reply to end of DATA command))\n`;
}

const block = (from: number, to: number): string => Array.from({ length: to - from }, (_, i) => gmailLine(from + i)).join('');
const REJECTION = { provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', family: 'ipv6' };

let root: string;
let dnsPort: number;
const running: Served[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ptr e2e positions '));
  dnsPort = await closedPort();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => terminate(s).catch(() => undefined)));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh directory with an empty log and a config that tails it from the beginning with a positions file. */
async function setup(name: string): Promise<{ dir: string; log: string; positions: string; config: string }> {
  const dir = join(root, name);
  await mkdir(dir);
  const log = join(dir, 'mail.log');
  const positions = join(dir, 'positions.json');
  const config = join(dir, 'config.yml');
  await writeFile(log, '');
  await writeFile(config, [
    'web:',
    '  listen_address: 127.0.0.1:0',
    'dns:',
    `  servers: ["127.0.0.1:${dnsPort}"]`,
    '  timeout: 500ms',
    '  attempts: 1',
    'targets: []',
    'discover:',
    '  interfaces: false',
    '  egress: false',
    '  from_logs: false',
    'logs:',
    `  - path: ${JSON.stringify(log)}`,
    '    format: postfix',
    '    start_at: beginning',
    `    positions_file: ${JSON.stringify(positions)}`,
    '',
  ].join('\n'));
  return { dir, log, positions, config };
}

async function start(config: string): Promise<Served> {
  const s = await serve(config);
  running.push(s);
  return s;
}

async function stop(s: Served): Promise<string> {
  expect(await terminate(s)).toBe(0);
  running.splice(running.indexOf(s), 1);
  return s.stderr();
}

/** This run's line and rejection counters for `log`. */
async function counts(s: Served, log: string): Promise<{ lines: number; bytes: number; rejections: number }> {
  const samples = parseMetrics(await (await fetch(`${s.base}/metrics`)).text());
  const rejections = find(samples, 'ptr_smtp_rejections_total').reduce((sum, x) => sum + x.value, 0);
  return { lines: value(samples, 'ptr_log_lines_total', { path: log }), bytes: value(samples, 'ptr_log_bytes_total', { path: log }), rejections };
}

/** The fields of the "stopped following log" line a run wrote on shutdown. */
function stoppedLine(stderr: string): { lines: number; rejections: number; offset: number } {
  const line = stderr.split('\n').find((l) => l.includes('msg="stopped following log"'));
  if (!line) throw new Error(`no "stopped following log" line; stderr:\n${stderr}`);
  const field = (k: string): number => Number(new RegExp(`\\b${k}=(\\d+)`).exec(line)?.[1] ?? NaN);
  return { lines: field('lines'), rejections: field('rejections'), offset: field('offset') };
}

it('a restart counts exactly the lines written while it was down', async () => {
  const { dir, log, positions, config } = await setup('restart');
  const N = 5;
  const M = 3;
  const first = await start(config);
  await appendFile(log, block(0, N));
  await waitFor(`${N} lines counted`, first, async () => (await counts(first, log)).lines >= N);
  const c1 = await counts(first, log);
  expect(c1).toEqual({ lines: N, bytes: Buffer.byteLength(block(0, N)), rejections: N });
  const stderr1 = await stop(first);
  expect(stoppedLine(stderr1)).toEqual({ lines: N, rejections: N, offset: Buffer.byteLength(block(0, N)) });
  const saved = await readPositionsFile(positions);
  if (saved.kind !== 'ok') throw new Error(`positions file: ${JSON.stringify(saved)}`);
  const st = await stat(log, { bigint: true });
  expect(saved.positions.get(log)).toMatchObject({ file: log, dev: st.dev.toString(), ino: st.ino.toString(), offset: Number(st.size) });
  expect((await readdir(dir)).sort()).toEqual(['config.yml', 'learned-ips.json', 'mail.log', 'positions.json']); // no .tmp left behind

  await appendFile(log, block(N, N + M));
  const second = await start(config);
  await waitFor(`${M} new lines counted`, second, async () => (await counts(second, log)).lines >= M);
  expect(await counts(second, log)).toEqual({ lines: M, bytes: Buffer.byteLength(block(N, N + M)), rejections: M });
  const samples = parseMetrics(await (await fetch(`${second.base}/metrics`)).text());
  expect(value(samples, 'ptr_smtp_rejections_total', REJECTION)).toBe(M);
  expect(second.stderr()).toMatch(/msg="resuming log from saved position".*outcome=resumed/);
  await stop(second);
}, 20_000);

it('stopped while the log grows: across the two runs every line is counted once', async () => {
  const { log, positions, config } = await setup('growing');
  const first = await start(config);

  // The writer appends each line in two writes, so a stop often finds half a line at the end.
  const writer = await open(log, 'a');
  let written = 0;
  let stopAfter = Infinity;
  const writing = (async () => {
    while (written < stopAfter) {
      const line = gmailLine(written);
      await writer.write(line.slice(0, 60));
      await new Promise((done) => setImmediate(done));
      await writer.write(line.slice(60));
      written++;
      await new Promise((done) => setTimeout(done, 1));
    }
  })();

  let stderr1: string;
  try {
    await waitFor('the first run counting lines', first, async () => (await counts(first, log)).lines >= 100);
    stderr1 = await stop(first); // SIGTERM while the writer keeps going
  } finally {
    stopAfter = written + 100;
    await writing;
    await writer.close();
  }
  const total = written;

  const run1 = stoppedLine(stderr1);
  expect(run1.lines).toBeGreaterThanOrEqual(100);
  expect(run1.rejections).toBe(run1.lines);
  expect(run1.offset).toBe(Buffer.byteLength(block(0, run1.lines)));
  const saved = await readPositionsFile(positions);
  expect(saved.kind === 'ok' && saved.positions.get(log)?.offset).toBe(run1.offset);
  expect(total).toBeGreaterThan(run1.lines);

  const second = await start(config);
  await waitFor('the second run reaching the end', second, async () => (await counts(second, log)).lines >= total - run1.lines);
  const run2 = await counts(second, log);
  expect(run1.lines + run2.lines).toBe(total);
  expect(run1.rejections + run2.rejections).toBe(total);
  expect(run2.bytes).toBe(Buffer.byteLength(block(run1.lines, total)));
  await stop(second);
}, 20_000);

/** The saved offset of `log`, or -1 while there is none. */
async function savedOffset(positions: string, log: string): Promise<number> {
  const saved = await readPositionsFile(positions);
  return saved.kind === 'ok' ? saved.positions.get(log)?.offset ?? -1 : -1;
}

/** Whether `check` turns true within `ms`. */
async function within(ms: number, check: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((done) => setTimeout(done, 10));
  }
  return true;
}

it('kill -9 right after a batch was processed replays nothing: the position is saved after every batch', async () => {
  const { log, positions, config } = await setup('kill9');
  const first = await start(config);
  await appendFile(log, block(0, 5));
  await waitFor('the first batch saved', first, async () => (await savedOffset(positions, log)) === Buffer.byteLength(block(0, 5)));
  // A second batch right after a save: a throttled saver (one write per second) would still hold it.
  await appendFile(log, block(5, 8));
  await waitFor('the second batch counted', first, async () => (await counts(first, log)).lines >= 8, 2000);
  const savedInTime = await within(400, async () => (await savedOffset(positions, log)) === Buffer.byteLength(block(0, 8)));
  first.child.kill('SIGKILL');
  await first.exit;
  running.splice(running.indexOf(first), 1);
  expect(savedInTime).toBe(true);

  await appendFile(log, block(8, 10));
  const second = await start(config);
  await waitFor('the lines written after the crash counted', second, async () => (await counts(second, log)).lines >= 2);
  await new Promise((done) => setTimeout(done, 300)); // a replay would be counted within a poll or two
  expect(await counts(second, log)).toEqual({ lines: 2, bytes: Buffer.byteLength(block(8, 10)), rejections: 2 });
  await stop(second);
}, 20_000);
