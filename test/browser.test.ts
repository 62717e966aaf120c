import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../src/config/load.js';
import { Exporter, type TargetStatus } from '../src/exporter/exporter.js';
import { silentLogger } from '../src/logger.js';
import { buildServer } from '../src/server/app.js';
import { renderLandingPage } from '../src/server/landing-page.js';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';

// GET / in a real browser (Debian's chromium driven by playwright-core; no browser is ever downloaded):
// what an operator sees, and that a PTR name carrying markup stays text.

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const EVIL = 'x<script>window.pwned=1</script>.example.com';
const GMAIL = 'gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1a]';
const LOG = [
  `Nov 27 10:00:01 mx postfix/smtp[1234]: 4ABC00001: to=<a@gmail.com>, relay=${GMAIL}:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host ${GMAIL} said: 550-5.7.1 [2001:db8::77] Gmail has detected that this message does not meet IPv6 sending guidelines regarding PTR records and authentication. 550-5.7.1 For more information, go to 550 5.7.1 https://support.google.com/mail/?p=IPv6AuthError d2e1a72fcca58-7 - gsmtp (in reply to end of DATA command))`,
  `Nov 27 10:00:04 mx postfix/smtp[1237]: 4ABC00004: to=<d@gmail.com>, relay=${GMAIL}:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host ${GMAIL} said: 550-5.7.1 Unauthenticated email from example.com is not accepted due to domain's DMARC policy. 550 5.7.1 Please visit https://support.google.com/mail/answer/2451690 to learn about the DMARC initiative. x1-v6si - gsmtp (in reply to end of DATA command))`,
  '',
].join('\n');

/** The status each target must show. */
const EXPECTED: Record<string, string> = {
  '192.0.2.25': 'pass',
  '192.0.2.26': 'no_ptr',
  '192.0.2.28': 'temperror',
  '2001:db8::26': 'no_forward', // PTR EVIL, which has no AAAA
  '2001:db8::77': 'no_ptr', // learned from the Gmail rejection
};
const FAILING = ['192.0.2.26', '2001:db8::26', '2001:db8::77'];

let dir: string;
let dns: TestDnsServer;
let exporter: Exporter;
let app: ReturnType<typeof buildServer>;
let base: string;
let browser: Browser;
let page: Page;
const requests: string[] = [];

/** Launches the system chromium; a missing binary fails loudly. */
async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install the Debian package "chromium" (.ci/run does), or set CHROMIUM`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 20_000,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptr-browser-'));
  const launching = launch();
  launching.catch(() => undefined);
  const log = join(dir, 'mail.log');
  writeFileSync(log, LOG);
  dns = await startDnsServer({
    records: [
      { name: '25.2.0.192.in-addr.arpa', type: 'PTR', data: 'mail.example.com' },
      { name: 'mail.example.com', type: 'A', data: '192.0.2.25' },
      { name: '6.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', type: 'PTR', data: EVIL },
    ],
  });
  dns.setFault('28.2.0.192.in-addr.arpa', 'servfail');
  exporter = new Exporter(parseConfig(stringify({
    dns: { servers: [dns.address], timeout: '500ms', attempts: 1 },
    probe: { schedule: '0 0 1 1 *', run_on_start: false },
    targets: [{ ip: '192.0.2.25', helo: 'mail.example.com' }, { ip: '192.0.2.26' }, { ip: '192.0.2.28' }, { ip: '2001:db8::26' }],
    discover: { interfaces: false, egress: false, from_logs: true },
    logs: [{ path: log, format: 'postfix', start_at: 'beginning' }],
  })), '9.9.9', silentLogger, { logPollIntervalMs: 20 });
  await exporter.start();
  for (let i = 0; exporter.status().logs[0]?.lines !== 2; i++) {
    if (i > 250) throw new Error(`the log was not read: ${JSON.stringify(exporter.status().logs)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await exporter.probes.runNow(); // the learned 2001:db8::77 included
  app = buildServer({ exporter });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await launching;
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(3_000);
  page.on('request', (r) => requests.push(r.url()));
  const res = await page.goto(`${base}/`);
  expect(res?.status()).toBe(200);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await exporter?.stop();
  await dns?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the landing page in chromium', { timeout: 15_000 }, () => {
  it('lists every target with its status', async () => {
    const rows = page.locator('#targets tbody tr');
    expect(await rows.count()).toBe(Object.keys(EXPECTED).length);
    for (const [ip, status] of Object.entries(EXPECTED)) {
      const row = page.locator(`#targets tbody tr[data-ip="${ip}"]`);
      expect(await row.count(), ip).toBe(1);
      expect(await row.locator('td').first().innerText(), ip).toContain(ip);
      expect(await row.locator('.st').innerText(), ip).toBe(status);
    }
  });

  it('puts the failing IPs first, marked red, then the DNS error, then the passing one', async () => {
    const order = await page.locator('#targets tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-ip')));
    expect(order.slice(0, 3).sort()).toEqual([...FAILING].sort());
    expect(order.slice(3)).toEqual(['192.0.2.28', '192.0.2.25']);
    const look = (ip: string) => page.locator(`#targets tbody tr[data-ip="${ip}"]`).evaluate((tr) => {
      const cell = getComputedStyle(tr.querySelector('td')!);
      return { cls: tr.className, bg: cell.backgroundColor, border: cell.borderLeftColor, badge: getComputedStyle(tr.querySelector('.st')!).backgroundColor };
    });
    const red = (rgb: string): boolean => {
      const [r, g, b] = (rgb.match(/\d+/g) ?? []).map(Number);
      return r! > 180 && r! > g! + 40 && r! > b! + 40;
    };
    for (const ip of FAILING) {
      const l = await look(ip);
      expect(l.cls, ip).toContain('bad');
      expect(red(l.badge), `${ip} badge ${l.badge}`).toBe(true);
      expect(red(l.border), `${ip} border ${l.border}`).toBe(true);
      expect(l.bg, ip).not.toBe('rgba(0, 0, 0, 0)');
    }
    const pass = await look('192.0.2.25');
    expect(pass.cls).not.toContain('bad');
    expect(red(pass.badge)).toBe(false);
    expect(red((await look('192.0.2.28')).badge)).toBe(false);
  });

  it('says at the top how many sending IPs fail and what to do for each', async () => {
    const banner = page.locator('#verdict');
    expect(await banner.isVisible()).toBe(true);
    const text = await banner.innerText();
    expect(text).toContain('3 sending IPs fail reverse DNS');
    for (const ip of FAILING) expect(text, ip).toContain(ip);
    // Test addresses are documentation addresses, which receivers never see: the advice says so instead of "ask your ISP".
    expect(text).toContain('No PTR record for 192.0.2.26. That does not matter to receivers: 192.0.2.26 is a documentation address');
    expect(text).toContain(`The PTR name "${EVIL}" of 2001:db8::26 is not a valid host name`);
    expect(text).toMatch(/1 IP could not be checked/);
    const box = (await banner.boundingBox())!;
    expect(box.y).toBeLessThan(300); // above the fold
  });

  it('shows a PTR name with markup as text, and runs none of it', async () => {
    expect(await page.evaluate(() => (window as unknown as { pwned?: unknown }).pwned)).toBeUndefined();
    expect(await page.locator('script').count()).toBe(0);
    const cell = page.locator('#targets tbody tr[data-ip="2001:db8::26"] td.names');
    expect(await cell.innerText()).toContain(EVIL);
    expect(await page.getByText(EVIL, { exact: true }).first().isVisible()).toBe(true);
  });

  it('shows the PTR-related rejections apart from the others', async () => {
    const gmail = page.locator('#rejections tbody tr', { hasText: 'ipv6_ptr_auth' });
    expect(await gmail.count()).toBe(1);
    expect(await gmail.getAttribute('class')).toContain('ptr');
    const auth = page.locator('#rejections tbody tr', { hasText: 'auth' }).filter({ hasNotText: 'ipv6_ptr_auth' });
    expect(await auth.count()).toBe(1);
    expect(await auth.getAttribute('class') ?? '').not.toContain('ptr');
  });

  it('turns the banner amber for DNS errors alone, green when every IP passes', async () => {
    const all = exporter.status().targets;
    const page2 = await browser.newPage();
    try {
      const banner = async (targets: TargetStatus[]) => {
        await page2.setContent(renderLandingPage({ version: '9.9.9', telemetryPath: 'metrics', status: { targets, logs: [], auth: [] }, rejections: [], senders: [], advice: () => null }));
        const b = page2.locator('#verdict');
        return { cls: await b.getAttribute('class'), text: await b.innerText() };
      };
      const unsure = await banner(all.filter((t) => t.status === 'temperror' || t.status === 'pass'));
      expect(unsure.cls).toContain('warn');
      expect(unsure.text).toContain('No sending IP fails reverse DNS');
      expect(unsure.text).toContain('1 IP could not be checked');
      const ok = await banner(all.filter((t) => t.status === 'pass'));
      expect(ok.cls).toContain('ok');
      expect(ok.text).toContain('All 1 sending IP passes');
    } finally {
      await page2.close();
    }
  });

  it('loads nothing but the page itself', () => {
    expect(requests).toEqual([`${base}/`]);
  });

  it('renders: a screenshot for people', async () => {
    const file = join(dir, 'landing.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(10_000);
  });
});
