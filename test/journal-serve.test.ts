import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, terminate, waitFor, type Served } from './support/cli-process.js';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';
import { postfixGmailIpv4Ptr, postfixGmailIpv6, writeJournalFile, type ExportEntry } from './support/journal-files.js';
import { find, parseMetrics, type Sample } from './support/metrics-text.js';

// `serve` reading the systemd journal from journal files (systemd-journal-remote) through the real journalctl:
// counts, files added while running, journalctl killed, a directory that appears later, restart at the saved cursor.

let dir: string;
let journal: string;
let later: string;
let config: string;
let positions: string;
let dns: TestDnsServer;
let served: Served | null = null;

const smtp = (message: string, unit = 'postfix@-.service'): ExportEntry => ({ unit, ident: 'postfix/smtp', pid: 4242, message });
const PATH = (): string => `journal:${journal}`;

async function scrape(): Promise<Sample[]> {
  return parseMetrics(await (await fetch(`${served!.base}/metrics`)).text());
}
const sum = (s: Sample[], name: string, labels: Record<string, string> = {}): number => find(s, name, labels).reduce((a, x) => a + x.value, 0);

async function until(what: string, check: (s: Sample[]) => boolean): Promise<Sample[]> {
  let last: Sample[] = [];
  await waitFor(what, served!, async () => check((last = await scrape())), 15_000);
  return last;
}

/** The journalctl processes `serve` runs (children found through /proc). */
function journalctlChildren(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      if (m && m[1] === 'journalctl' && Number(m[2]) === served!.child.pid) out.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptr journal serve '));
  journal = join(dir, 'journal');
  later = join(dir, 'later', 'journal');
  positions = join(dir, 'state', 'journal.pos');
  mkdirSync(journal);
  mkdirSync(join(dir, 'state'));
  await writeJournalFile(join(journal, 'a.journal'), [
    smtp(postfixGmailIpv6('4ABC00001')),
    smtp(postfixGmailIpv6('4ABC00009'), 'cron.service'), // another unit: not read
    smtp(postfixGmailIpv4Ptr('4ABC00002'), 'postfix.service'),
  ]);
  dns = await startDnsServer({ records: [] });
  config = join(dir, 'ptr-exporter.yml');
  writeFileSync(config, [
    `dns: { servers: ["${dns.address}"], timeout: 500ms, attempts: 1 }`,
    'probe: { schedule: "0 0 1 1 *", run_on_start: true }',
    'discover: { interfaces: false, egress: false, from_logs: false }',
    'logs:',
    `  - journal: { directory: ${JSON.stringify(journal)} }`,
    '    start_at: beginning',
    `    positions_file: ${JSON.stringify(positions)}`,
    `  - journal: { directory: ${JSON.stringify(later)}, units: [exim4.service] }`,
    'web: { listen_address: "127.0.0.1:0" }',
    '',
  ].join('\n'));
  served = await serve(config);
}, 60_000);

afterAll(async () => {
  if (served) expect(await terminate(served)).toBe(0);
  await dns?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('serve with logs[].journal', () => {
  it('counts the MTA units\' rejections from the start of the journal and ignores other units', async () => {
    const s = await until('both rejections', (x) => sum(x, 'ptr_smtp_rejections_total') === 2);
    expect(sum(s, 'ptr_log_lines_total', { path: PATH() })).toBe(2);
    expect(sum(s, 'ptr_log_open', { path: PATH() })).toBe(1);
    expect(sum(s, 'ptr_log_sources')).toBe(2);
    expect(sum(s, 'ptr_smtp_rejections_total', { provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', family: 'ipv6' })).toBe(1);
    expect(sum(s, 'ptr_smtp_rejections_total', { provider: 'gmail', reason: 'ptr', code: '5.7.25', family: 'ipv4' })).toBe(1);
    const status = await (await fetch(`${served!.base}/api/v1/status`)).json() as { logs: unknown[]; log_warning: unknown };
    expect(status.logs).toContainEqual({ path: PATH(), open: true, lines: 2 });
    expect(status.log_warning).toBeNull();
  });

  it('waits for a journal directory that does not exist yet', async () => {
    const s = await scrape();
    expect(sum(s, 'ptr_log_open', { path: `journal:${later}` })).toBe(0);
    expect(served!.stderr()).toContain(`msg="journal directory does not exist yet: waiting for it" path="journal:${later}"`);
    mkdirSync(later, { recursive: true });
    await writeJournalFile(join(later, 'x.journal'), [{ unit: 'exim4.service', ident: 'exim', pid: 7, message: '1fSdGB-0008Kt-3b ** a@gmail.com R=dnslookup T=remote_smtp H=gmail-smtp-in.l.google.com [192.0.2.27]: SMTP error from remote mail server after end of data: 550-5.7.25 [198.51.100.7] The IP address sending this message does not have a PTR record setup' }]);
    const after = await until('the Exim entry in the new directory', (x) => sum(x, 'ptr_log_lines_total', { path: `journal:${later}` }) === 1);
    expect(sum(after, 'ptr_log_open', { path: `journal:${later}` })).toBe(1);
    expect(sum(after, 'ptr_smtp_rejections_total', { reason: 'ptr' })).toBe(2);
  });

  it('counts a journal file added while it runs, and goes on after journalctl is killed', async () => {
    await writeJournalFile(join(journal, 'b.journal'), [smtp(postfixGmailIpv6('4ABC00003'))]);
    await until('the added file', (x) => sum(x, 'ptr_log_lines_total', { path: PATH() }) === 3);
    const before = journalctlChildren();
    expect(before).toHaveLength(2);
    for (const pid of before) process.kill(pid, 'SIGKILL');
    await waitFor('journalctl restarted', served!, async () => {
      const now = journalctlChildren();
      return now.length === 2 && now.every((p) => !before.includes(p));
    }, 15_000);
    await writeJournalFile(join(journal, 'c.journal'), [smtp(postfixGmailIpv6('4ABC00004'))]);
    const s = await until('the entry after the restart', (x) => sum(x, 'ptr_log_lines_total', { path: PATH() }) === 4);
    expect(sum(s, 'ptr_smtp_rejections_total', { reason: 'ipv6_ptr_auth' })).toBe(3);
    expect(sum(s, 'ptr_log_read_errors_total', { path: PATH() })).toBeGreaterThanOrEqual(1);
    expect(served!.stderr()).toMatch(/level=warn msg="journalctl ended; restarting it" path="journal:[^"]*" code=null signal=SIGKILL/);
  });

  it('restarts journalctl on a reload that changes the units, and keeps counting', async () => {
    const before = journalctlChildren();
    writeFileSync(config, readFileSync(config, 'utf8').replace('units: [exim4.service]', 'units: [exim4.service, postfix.service]'));
    const reload = await fetch(`${served!.base}/-/reload`, { method: 'POST' });
    expect(await reload.text()).toBe('config reloaded\n');
    await waitFor('the later journal followed by a new journalctl', served!, async () => {
      const now = journalctlChildren();
      return now.length === 2 && now.filter((p) => before.includes(p)).length === 1;
    }, 15_000);
    expect(served!.stderr()).toContain(`msg="stopped following log" path="journal:${later}"`);
  });

  it('resumes after the saved cursor on restart: entries written while stopped count once, nothing twice', async () => {
    const children = journalctlChildren();
    expect(await terminate(served!)).toBe(0);
    expect(children.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]); // stopped on shutdown
    const saved = JSON.parse(readFileSync(positions, 'utf8')) as { positions: Record<string, { cursor?: string }> };
    expect(saved.positions[PATH()]?.cursor).toMatch(/^s=[0-9a-f]+;i=/);
    await writeJournalFile(join(journal, 'd.journal'), [smtp(postfixGmailIpv6('4ABC00005')), smtp(postfixGmailIpv4Ptr('4ABC00006'))]);
    served = await serve(config);
    const s = await until('the two entries written while stopped', (x) => sum(x, 'ptr_log_lines_total', { path: PATH() }) === 2);
    await new Promise((r) => setTimeout(r, 1000));
    const settled = await scrape();
    expect(sum(settled, 'ptr_log_lines_total', { path: PATH() })).toBe(2);
    expect(sum(settled, 'ptr_smtp_rejections_total')).toBe(2);
    expect(sum(s, 'ptr_smtp_rejections_total', { reason: 'ipv6_ptr_auth' })).toBe(1);
    expect(served.stderr()).toContain('msg="resuming the journal after the saved cursor"');
  });
});

describe('serve with no MTA log', () => {
  let bare: Served | null = null;
  afterAll(async () => {
    if (bare) expect(await terminate(bare)).toBe(0);
  });

  it('warns at start, says so on / and /api/v1/status, and exposes ptr_log_sources 0', async () => {
    const file = join(dir, 'no-log.yml');
    writeFileSync(file, `dns: { servers: ["${dns.address}"] }\nprobe: { run_on_start: false }\ndiscover: { interfaces: false, egress: false }\nlogs: []\nweb: { listen_address: "127.0.0.1:0" }\n`);
    bare = await serve(file);
    const warn = bare.stderr().split('\n').find((l) => l.includes('level=warn'));
    // Which of the two texts depends on this host: whether a usual MTA log or journal exists that logs: [] leaves out.
    expect(warn).toMatch(/^ts=\S+ level=warn msg="no MTA log is being read, so SMTP rejections cannot be counted: (?:none of the usual log files exists and no systemd journal \(.*\)\. Configure one in the config file under logs: with path: FILE \(or a glob\) or journal: \{\}" looked_for="\/var\/log\/mail.log, \/var\/log\/maillog, [^"]+" journal=\w+|logs: is empty in the config file although this MTA log exists; configure it under logs:" found=\S+)$/);
    const status = await (await fetch(`${bare.base}/api/v1/status`)).json() as { logs: unknown[]; log_warning: string };
    expect(status.logs).toEqual([]);
    expect(status.log_warning).toMatch(/^no MTA log is being read: SMTP rejections cannot be counted\./);
    const page = await (await fetch(`${bare.base}/`)).text();
    expect(page).toContain('<div class="verdict warn" id="verdict">');
    expect(page).toContain('<p id="no-log">no MTA log is being read: SMTP rejections cannot be counted.');
    const metrics = parseMetrics(await (await fetch(`${bare.base}/metrics`)).text());
    expect(find(metrics, 'ptr_log_sources')).toEqual([{ name: 'ptr_log_sources', labels: {}, value: 0 }]);
  });
});
