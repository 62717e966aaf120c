import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeLabel, KNOWN_CODES } from '../src/code-label.js';
import { parseConfig } from '../src/config/load.js';
import { Exporter } from '../src/exporter/exporter.js';
import { silentLogger } from '../src/logger.js';
import { senderIpFromReply } from '../src/logs/reply.js';
import { buildServer } from '../src/server/app.js';
import { normalizeIp } from '../src/targets/address.js';
import { find, parseMetrics } from './support/metrics-text.js';

// A remote server chooses the code in its reply: 10,000 distinct codes in a log must not make 10,000 series.

const RELAYS = ['gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1a]', 'example-com.mail.protection.outlook.com[2a01:111:f403::1]', 'mx.example.org[192.0.2.200]'];

function line(i: number): string {
  const code = `5.${Math.floor(i / 100)}.${i % 100}`; // 5.0.0 .. 5.99.99
  const relay = RELAYS[i % RELAYS.length]!;
  const qid = `4B${i.toString(16).toUpperCase().padStart(8, '0')}`;
  return `Nov 27 10:00:01 mx postfix/smtp[1234]: ${qid}: to=<u${i}@example.com>, relay=${relay}:25, delay=1, delays=0/0/0.5/0.5, dsn=5.0.0, status=bounced (host ${relay} said: 550 ${code} message refused (in reply to end of DATA command))\n`;
}

let dir: string;
let exporter: Exporter;
let app: ReturnType<typeof buildServer>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptr codes '));
  const log = join(dir, 'mail.log');
  const lines: string[] = [];
  for (let i = 0; i < 10_000; i++) lines.push(line(i));
  lines.push(line(0).replace('550 5.0.0 ', '599 ').replace('4B00000000', '4C00000000')); // an unregistered plain reply code
  lines.push(line(0).replace('550 5.0.0 ', '421 ').replace('4B00000000', '4C00000001'));
  writeFileSync(log, lines.join(''));
  exporter = new Exporter(parseConfig(`
probe: { schedule: "0 0 1 1 *", run_on_start: false }
dns: { servers: ["127.0.0.1:9"], timeout: 100ms, attempts: 1 }
discover: { interfaces: false, egress: false }
logs: [{ path: ${JSON.stringify(log)}, format: postfix, start_at: beginning }]
`), 't', silentLogger, { logPollIntervalMs: 60_000 });
  app = buildServer({ exporter });
  await exporter.start();
  await exporter.logs.pollAll();
});

afterAll(async () => {
  await app.close();
  await exporter.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the sender_ip label', () => {
  it('never takes an address with a zone id from a reply', () => {
    expect(normalizeIp('2001:db8::25%eth0')).toBeNull();
    expect(senderIpFromReply('550 5.7.1 no PTR record for 2001:db8::25%eth0 (see https://example.com)', 'other')).toBeNull();
    expect(senderIpFromReply('550 5.7.1 no PTR record for 2001:db8::25 (see https://example.com)', 'other')).toBe('2001:db8::25');
  });
});

describe('the code label is bounded', () => {
  it('keeps registered and classifier codes, and turns everything else into "other"', () => {
    expect(codeLabel('5.7.25')).toBe('5.7.25');
    expect(codeLabel('4.7.30')).toBe('4.7.30');
    expect(codeLabel('5.1.10')).toBe('5.1.10');
    expect(codeLabel('5.7.606')).toBe('5.7.606'); // Microsoft, from the classifier's table
    expect(codeLabel('550')).toBe('550');
    expect(codeLabel('421')).toBe('421');
    expect(codeLabel('5.7.31')).toBe('other');
    expect(codeLabel('5.99.99')).toBe('other');
    expect(codeLabel('2.0.0')).toBe('other');
    expect(codeLabel('599')).toBe('other');
    expect(codeLabel('5.7.1\n')).toBe('other');
    expect(KNOWN_CODES.size).toBeLessThan(200); // as the README says
  });

  it('makes a bounded number of series from a log with 10,000 distinct codes, losing no count', async () => {
    const res = await app.inject('/metrics');
    const series = find(parseMetrics(res.body), 'ptr_smtp_rejections_total');
    expect(series.reduce((n, s) => n + s.value, 0)).toBe(10_002);
    const codes = new Set(series.map((s) => s.labels.code));
    expect(codes.size).toBeLessThanOrEqual(KNOWN_CODES.size + 1);
    expect([...codes].every((c) => c === 'other' || KNOWN_CODES.has(c!))).toBe(true);
    expect(codes.has('5.7.25')).toBe(true);
    expect(codes.has('421')).toBe(true);
    const inRange = [...KNOWN_CODES].filter((c) => /^5\.\d{1,2}\.\d{1,2}$/.test(c)).length;
    expect(inRange).toBeGreaterThan(80); // the registry's class 5 codes (X.7.32 comes from the classifier)
    // those codes, 421 and "other", for three providers at most
    expect(series.length).toBeLessThanOrEqual(3 * (inRange + 2));
    const other = series.filter((s) => s.labels.code === 'other').reduce((n, s) => n + s.value, 0);
    expect(other).toBe(10_000 - inRange + 1);
  });

  it('keeps the landing page table and /api/v1/status small', async () => {
    const page = await app.inject('/');
    expect(page.statusCode).toBe(200);
    const rows = page.body.slice(page.body.indexOf('id="rejections"'), page.body.indexOf('id="logs"')).split('<tr').length - 2;
    expect(rows).toBeLessThanOrEqual(3 * (KNOWN_CODES.size + 1));
    expect(rows).toBeGreaterThan(80);
    expect(page.body.length).toBeLessThan(200_000);
    expect(exporter.tally.list().reduce((n, r) => n + r.count, 0)).toBe(10_002);
    const status = await app.inject('/api/v1/status');
    expect(status.body.length).toBeLessThan(10_000);
  });
});
