import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';
import { serve, terminate, waitFor, type Served } from './support/cli-process.js';
import { find, parseMetrics } from './support/metrics-text.js';

// The incident loop: a rejection names a sending IP nobody configured; it is probed within seconds
// while the schedule is yearly, remembered across a restart, and forgotten after discover.learned_ttl.

const GMAIL = 'gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1a]';
const rule = (ip: string): string => `550-5.7.1 [${ip}] Gmail has detected that this message does not meet IPv6 sending guidelines regarding PTR records and authentication. 550-5.7.1 For more information, go to 550 5.7.1 https://support.google.com/mail/?p=IPv6AuthError d2e1a72fcca58-7 - gsmtp`;

function bounced(qid: string, ip: string): string {
  const time = new Date().toISOString();
  return `${time} mx postfix/smtp[1234]: ${qid}: to=<a${qid}@gmail.com>, relay=${GMAIL}:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host ${GMAIL} said: ${rule(ip)} (in reply to end of DATA command))\n`;
}

interface Status { targets: { ip: string; status: string | null; source: string }[] }

let dir: string;
let log: string;
let config: string;
let dns: TestDnsServer;
let served: Served | null = null;

async function status(): Promise<Status> {
  return (await (await fetch(`${served!.base}/api/v1/status`)).json()) as Status;
}

async function targetOf(ip: string): Promise<Status['targets'][number] | undefined> {
  return (await status()).targets.find((t) => t.ip === ip);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptr learned '));
  log = join(dir, 'mail.log');
  writeFileSync(log, '');
  dns = await startDnsServer({ records: [] }); // no address has a PTR record
  config = join(dir, 'ptr-exporter.yml');
  writeFileSync(config, [
    `dns: { servers: ["${dns.address}"], timeout: 500ms, attempts: 1 }`,
    'probe: { schedule: "0 0 1 1 *", run_on_start: true }',
    'discover: { interfaces: false, egress: false, from_logs: true, learned_ttl: 30d }',
    'logs:',
    `  - path: ${JSON.stringify(log)}`,
    '    format: postfix',
    `    positions_file: ${JSON.stringify(join(dir, 'mail.pos'))}`,
    'web: { listen_address: "127.0.0.1:0" }',
    '',
  ].join('\n'));
  served = await serve(config);
  await waitFor('the first cycle', served, async () => (await fetch(`${served!.base}/-/ready`)).status === 200);
}, 30_000);

afterAll(async () => {
  if (served) expect(await terminate(served)).toBe(0);
  await dns?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a sending IP named in a rejection', () => {
  it('is probed within seconds, once for a burst, while the schedule is yearly', async () => {
    expect(await targetOf('2001:db8::27')).toBeUndefined();
    appendFileSync(log, Array.from({ length: 20 }, (_, i) => bounced(`4AB${String(i).padStart(5, '0')}`, '2001:db8::27')).join(''));
    const started = Date.now();
    await waitFor('a verdict for 2001:db8::27', served!, async () => (await targetOf('2001:db8::27'))?.status === 'no_ptr', 10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await targetOf('2001:db8::27')).toMatchObject({ source: 'log', status: 'no_ptr' });
    await new Promise((done) => setTimeout(done, 1500));
    const m = parseMetrics(await (await fetch(`${served!.base}/metrics`)).text());
    expect(find(m, 'ptr_probes_total', { ip: '2001:db8::27' }).reduce((n, s) => n + s.value, 0)).toBe(1);
    expect(find(m, 'ptr_target_info', { ip: '2001:db8::27', source: 'log' })).toHaveLength(1);
    expect(find(m, 'ptr_probe_status', { ip: '2001:db8::27', status: 'no_ptr' })[0]?.value).toBe(1);
    const page = await (await fetch(`${served!.base}/`)).text();
    expect(page).toContain('Gmail refused <code><b>2001:db8::27</b></code> (5.7.1, 20 times): no PTR record.');
  });

  it('is written to learned-ips.json next to the positions file', async () => {
    const file = join(dir, 'learned-ips.json');
    await waitFor('the learned file', served!, async () => existsSync(file) && readFileSync(file, 'utf8').includes('2001:db8::27'));
    const json = JSON.parse(readFileSync(file, 'utf8')) as { version: number; learned: { ip: string; last_seen: string }[] };
    expect(json.version).toBe(1);
    expect(json.learned.map((e) => e.ip)).toEqual(['2001:db8::27']);
  });

  it('is still a target after a restart, although its rejection is not read again', async () => {
    expect(await terminate(served!)).toBe(0);
    const file = join(dir, 'learned-ips.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as { version: number; learned: { ip: string; last_seen: string }[] };
    json.learned.push({ ip: '2001:db8::28', last_seen: new Date(Date.now() - 40 * 86_400_000).toISOString() });
    writeFileSync(file, JSON.stringify(json));
    served = await serve(config);
    await waitFor('the first cycle after the restart', served, async () => (await fetch(`${served!.base}/-/ready`)).status === 200);
    expect(await targetOf('2001:db8::27')).toMatchObject({ source: 'log', status: 'no_ptr' });
    expect(await targetOf('2001:db8::28')).toBeUndefined(); // last named 40 days ago: expired
  });

  it('comes back when named again after it expired', async () => {
    appendFileSync(log, bounced('5CD00001', '2001:db8::28'));
    await waitFor('a verdict for 2001:db8::28', served!, async () => (await targetOf('2001:db8::28'))?.status === 'no_ptr', 10_000);
    const file = join(dir, 'learned-ips.json');
    await waitFor('both in the learned file', served!, async () => readFileSync(file, 'utf8').includes('2001:db8::28'));
  });
});
