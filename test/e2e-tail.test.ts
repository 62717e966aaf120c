import { statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI, serve, terminate, waitFor, type Served } from './support/cli-process.js';
import { parseMetrics, value } from './support/metrics-text.js';
import { closedPort } from './support/ports.js';

// End to end: the built CLI (dist/, built by `npm test`'s pretest) tailing a log whose rotation
// leaves a file it may not read. As root, permissions do not stop reads, so the exporter then runs
// as user nobody (65534), when nobody can reach Node.js and the checkout; otherwise the rotation leaves
// a folder at the path, which the exporter cannot read as a log either.

/** True when users other than the owner may traverse every folder above `file` and read it. */
function othersCanRead(file: string): boolean {
  if ((statSync(file).mode & 0o004) === 0) return false;
  for (let d = dirname(file); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (dirname(d) === d) return true;
  }
}

const asNobody = process.getuid?.() === 0 && othersCanRead(process.execPath) && othersCanRead(CLI);

let root: string;
let dnsPort: number;
const running: Served[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ptr e2e tail '));
  await chmod(root, 0o755);
  dnsPort = await closedPort();
});

afterAll(async () => {
  await Promise.all(running.splice(0).map((s) => terminate(s).catch(() => undefined)));
  await rm(root, { recursive: true, force: true });
});

const POSTFIX = 'Nov 27 10:00:01 mx postfix/smtp[1234]: 4ABC1: to=<u@gmail.com>, relay=gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1a]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1a] said: 550-5.7.1 [2001:db8::25] Gmail has detected that this message does not meet IPv6 sending guidelines regarding PTR records and authentication. 123 - gsmtp (in reply to end of DATA command))\n';

async function scrape(s: Served, log: string): Promise<{ open: number; readErrors: number; lines: number; ready: number }> {
  const samples = parseMetrics(await (await fetch(`${s.base}/metrics`)).text());
  const ready = (await fetch(`${s.base}/-/ready`)).status;
  return {
    open: value(samples, 'ptr_log_open', { path: log }),
    readErrors: value(samples, 'ptr_log_read_errors_total', { path: log }),
    lines: value(samples, 'ptr_log_lines_total', { path: log }),
    ready,
  };
}

it('a rotation that leaves an unreadable file: ptr_log_open 0 and /-/ready 503 until it can be read', async () => {
  const log = join(root, 'mail.log');
  const config = join(root, 'config.yml');
  await writeFile(log, POSTFIX, { mode: 0o644 });
  await writeFile(config, [
    'web:',
    '  listen_address: 127.0.0.1:0',
    'dns:',
    `  servers: ["127.0.0.1:${dnsPort}"]`,
    '  timeout: 500ms',
    '  attempts: 1',
    'targets: []',
    'discover: { interfaces: false, egress: false, from_logs: false }',
    `logs: [{ path: ${JSON.stringify(log)}, format: postfix, start_at: beginning }]`,
    '',
  ].join('\n'), { mode: 0o644 });
  const s = await serve(config, { uid: asNobody ? 65534 : undefined });
  running.push(s);
  await waitFor('the log open and the exporter ready', s, async () => {
    const m = await scrape(s, log);
    return m.open === 1 && m.ready === 200 && m.lines === 1;
  });

  await rename(log, `${log}.1`);
  if (asNobody || process.getuid?.() !== 0) {
    await writeFile(log, POSTFIX, { mode: 0o000 });
    await chmod(log, 0o000);
  } else {
    await mkdir(log);
  }
  await waitFor('ptr_log_open 0 and not ready', s, async () => {
    const m = await scrape(s, log);
    return m.open === 0 && m.ready === 503 && m.readErrors > 0;
  });

  if (asNobody || process.getuid?.() !== 0) {
    await chmod(log, 0o644);
  } else {
    await rm(log, { recursive: true });
    await writeFile(log, POSTFIX, { mode: 0o644 });
  }
  await waitFor('the new file read and the exporter ready again', s, async () => {
    const m = await scrape(s, log);
    return m.open === 1 && m.ready === 200 && m.lines === 2;
  });
  expect(await terminate(s)).toBe(0);
  running.splice(0);
}, 30_000);
