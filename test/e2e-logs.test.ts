import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';
import { serve, terminate, waitFor, type Served } from './support/cli-process.js';
import { find, parseMetrics, type Sample } from './support/metrics-text.js';

// `serve` tailing a Postfix log that grows and rotates while it runs: counters, dedupe and the learned target.

const GMAIL = 'gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1a]';
const IPV6_RULE = '550-5.7.1 [2001:db8::77] Gmail has detected that this message does not meet IPv6 sending guidelines regarding PTR records and authentication. 550-5.7.1 For more information, go to 550 5.7.1 https://support.google.com/mail/?p=IPv6AuthError d2e1a72fcca58-7 - gsmtp';
const DMARC = '550-5.7.1 Unauthenticated email from example.com is not accepted due to domain\'s DMARC policy. Please contact the administrator of example.com domain if this was a legitimate mail. 550 5.7.1 Please visit https://support.google.com/mail/answer/2451690 to learn about the DMARC initiative. x1-v6si - gsmtp';

function bounced(qid: string, rcpt: string, reply: string, time = '10:00:01'): string {
  return `Nov 27 ${time} mx postfix/smtp[1234]: ${qid}: to=<${rcpt}@gmail.com>, relay=${GMAIL}:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host ${GMAIL} said: ${reply} (in reply to end of DATA command))\n`;
}

let dir: string;
let log: string;
let missing: string;
let dns: TestDnsServer;
let served: Served;

async function scrape(): Promise<Sample[]> {
  return parseMetrics(await (await fetch(`${served.base}/metrics`)).text());
}

function sum(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return find(samples, name, labels).reduce((a, s) => a + s.value, 0);
}

async function until(what: string, check: (s: Sample[]) => boolean): Promise<Sample[]> {
  let last: Sample[] = [];
  await waitFor(what, served, async () => check((last = await scrape())), 15_000);
  return last;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptr logs e2e '));
  log = join(dir, 'mail log', 'mail.log');
  missing = join(dir, 'mail log', 'missing.log');
  mkdirSync(join(dir, 'mail log'));
  writeFileSync(log, bounced('OLD00001', 'old', IPV6_RULE)); // before start: start_at end skips it
  dns = await startDnsServer({ records: [] }); // 2001:db8::77 has no PTR
  const config = join(dir, 'ptr exporter.yml');
  writeFileSync(config, [
    `dns: { servers: ["${dns.address}"], timeout: 500ms, attempts: 1 }`,
    'probe: { schedule: "*/1 * * * * *", run_on_start: true }',
    'discover: { interfaces: false, egress: false, from_logs: true }',
    'logs:',
    `  - path: ${JSON.stringify(log)}`,
    '    format: auto',
    '    start_at: end',
    `  - path: ${JSON.stringify(missing)}`,
    'web: { listen_address: "127.0.0.1:0" }',
    '',
  ].join('\n'));
  served = await serve(config);
}, 30_000);

afterAll(async () => {
  if (served) expect(await terminate(served)).toBe(0);
  await dns?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('serve follows a growing, rotating log', () => {
  it('opens the existing log, waits for the missing one and is not ready meanwhile', async () => {
    const s = await until('a finished probe cycle and the log open', (x) => sum(x, 'ptr_probe_cycle_timestamp_seconds') > 0 && sum(x, 'ptr_log_open', { path: log }) === 1);
    expect(sum(s, 'ptr_log_open', { path: missing })).toBe(0);
    expect(sum(s, 'ptr_log_lines_total', { path: log })).toBe(0);
    const ready = await fetch(`${served.base}/-/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toContain('a configured log is not open');
  });

  it('counts rejections once, drops replays and per-recipient copies', async () => {
    appendFileSync(log, [
      bounced('4ABC00001', 'a', IPV6_RULE),
      bounced('4ABC00001', 'b', IPV6_RULE), // per-recipient copy of the same reply: not counted again
      bounced('4ABC00002', 'c', IPV6_RULE, '10:00:02'),
      bounced('4ABC00003', 'd', DMARC, '10:00:03'), // near miss: auth, not PTR
      `Nov 27 10:00:04 mx postfix/error[99]: 4ABC00004: to=<e@gmail.com>, relay=none, delay=0, delays=0/0/0/0, dsn=5.7.1, status=deferred (delivery temporarily suspended: host ${GMAIL} said: ${IPV6_RULE} (in reply to end of DATA command))\n`,
      'Nov 27 10:00:05 mx postfix/qmgr[77]: 4ABC00005: removed\n',
    ].join(''));
    appendFileSync(log, bounced('4ABC00006', 'f', IPV6_RULE, '10:00:06').slice(0, 100)); // a partial line waits
    const s = await until('the rejections counted', (x) => sum(x, 'ptr_log_lines_total', { path: log }) === 6);
    expect(sum(s, 'ptr_smtp_rejections_total', { provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', family: 'ipv6' })).toBe(2);
    expect(sum(s, 'ptr_smtp_rejections_total', { provider: 'gmail', reason: 'auth' })).toBe(1);
    expect(sum(s, 'ptr_smtp_rejections_total')).toBe(3);
    expect(sum(s, 'ptr_smtp_sender_rejections_total', { sender_ip: '2001:db8::77', reason: 'ipv6_ptr_auth' })).toBe(2);
    expect(find(s, 'ptr_smtp_last_rejection_timestamp_seconds', { provider: 'gmail', reason: 'ipv6_ptr_auth' })).toHaveLength(1);
  });

  it('probes the sender IP that Gmail named, within a cycle', async () => {
    const s = await until('the learned target probed', (x) => sum(x, 'ptr_probe_status', { ip: '2001:db8::77', status: 'no_ptr' }) === 1);
    expect(find(s, 'ptr_target_info', { ip: '2001:db8::77', family: 'ipv6', source: 'log', kind: 'documentation' })).toHaveLength(1);
    expect(sum(s, 'ptr_probe_success', { ip: '2001:db8::77' })).toBe(0);
  });

  it('finishes the partial line, then follows a rename rotation without loss', async () => {
    appendFileSync(log, bounced('4ABC00006', 'f', IPV6_RULE, '10:00:06').slice(100));
    await until('the completed line', (x) => sum(x, 'ptr_log_lines_total', { path: log }) === 7);
    renameSync(log, `${log}.1`);
    appendFileSync(`${log}.1`, bounced('4ABC00007', 'g', IPV6_RULE, '10:00:07')); // written to the old file after the rename
    writeFileSync(log, bounced('4ABC00008', 'h', IPV6_RULE, '10:00:08'));
    const s = await until('both files read', (x) => sum(x, 'ptr_log_lines_total', { path: log }) === 9);
    expect(sum(s, 'ptr_log_rotations_total', { path: log })).toBe(1);
    expect(sum(s, 'ptr_smtp_rejections_total', { reason: 'ipv6_ptr_auth' })).toBe(5);
    expect(sum(s, 'ptr_log_read_errors_total', { path: log })).toBe(0);
  });
});
