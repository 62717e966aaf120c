import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';
import { startPrometheus, type QueryAnswer, type TestPrometheus } from './support/prometheus-server.js';
import { serve, terminate, type Served } from './support/cli-process.js';
import { alertExprs, panelExprs, promRules, variableExprs } from './support/dashboard-exprs.js';
import { reverseName } from '../src/probe/reverse-name.js';

// The bundled dashboard and alert rules against a real Prometheus (Debian's) scraping `ptr-exporter serve`
// every second: every panel and rule expression must parse and, where the setup produces its data, return
// series; the alerts (their `for:` shortened to 0s) must fire for the right IPs and never on temperror.

const TEREDO = '2001:0:c000:21a:0:f227:3fff:fde6';
const GMAIL = 'gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1a]';
const OUTLOOK = 'example-com.mail.protection.outlook.com[2001:db8:f400::25]';
const GMX = 'mx01.emig.gmx.net[198.51.100.17]';
const DELAYS = 'delay=1, delays=0/0/0.5/0.5';

/** A Postfix log with PTR rejections: Gmail's IPv6 rule, Microsoft M1, GMX c=rdns, and a DMARC near miss. */
const LOG = [
  `Nov 27 10:00:01 mx postfix/smtp[1234]: 4ABC00001: to=<a@gmail.com>, relay=${GMAIL}:25, ${DELAYS}, dsn=5.7.1, status=bounced (host ${GMAIL} said: 550-5.7.1 [2001:db8::77] Gmail has detected that this message does not meet IPv6 sending guidelines regarding PTR records and authentication. 550-5.7.1 For more information, go to 550 5.7.1 https://support.google.com/mail/?p=IPv6AuthError d2e1a72fcca58-7 - gsmtp (in reply to end of DATA command))`,
  `Nov 27 10:00:02 mx postfix/smtp[1235]: 4ABC00002: to=<b@example.onmicrosoft.com>, relay=${OUTLOOK}:25, ${DELAYS}, dsn=5.7.25, status=bounced (host ${OUTLOOK} said: 550 5.7.25 Service unavailable, sending IPv6 address [${TEREDO}] must have reverse DNS record. (in reply to MAIL FROM command))`,
  `Nov 27 10:00:03 mx postfix/smtp[1236]: 4ABC00003: to=<c@gmx.net>, relay=${GMX}:25, delay=0.3, delays=0/0/0.3/0, dsn=4.0.0, status=deferred (host ${GMX} refused to talk to me: 554-gmx.net (mxgmx008) Nemesis ESMTP Service not available 554-No SMTP service 554-Bad DNS PTR resource record. 554 For explanation visit http://postmaster.gmx.com/en/error-messages?ip=192.0.2.26&c=rdns)`,
  `Nov 27 10:00:04 mx postfix/smtp[1237]: 4ABC00004: to=<d@gmail.com>, relay=${GMAIL}:25, ${DELAYS}, dsn=5.7.1, status=bounced (host ${GMAIL} said: 550-5.7.1 Unauthenticated email from example.com is not accepted due to domain's DMARC policy. Please contact the administrator of example.com domain if this was a legitimate mail. 550 5.7.1 Please visit https://support.google.com/mail/answer/2451690 to learn about the DMARC initiative. x1-v6si - gsmtp (in reply to end of DATA command))`,
  '',
].join('\n');

/** Every target and the status its DNS setup gives: four configured, two learned from the log. */
const STATUS: Record<string, string> = {
  '192.0.2.25': 'pass',
  '192.0.2.26': 'no_ptr', // configured, and named by GMX
  '192.0.2.27': 'mismatch',
  '192.0.2.28': 'temperror', // SERVFAIL; without the fault it would be no_ptr
  '2001:db8::25': 'pass', // a good PTR, but example.org's SPF record lists only IPv4
  '2001:db8::77': 'no_ptr', // learned from Gmail's IPv6 rule (a documentation address: kind "documentation")
  [TEREDO]: 'no_ptr', // learned from Microsoft's 5.7.25 (kind "teredo")
};

/**
 * Panel queries that may come back empty, and why; every other panel must return series. None today:
 * the setup gives every panel its data (probes of all statuses, PTR names, rejections, an open and a
 * missing log, build info). A panel added later that this setup cannot feed must be listed here.
 */
const PANELS_ALLOWED_EMPTY: Record<string, string> = {};

/** Alert expressions that may be empty here, and why; the others must return series. */
const ALERTS_ALLOWED_EMPTY: Record<string, string> = {
  PtrProbeStale: 'the exporter probes every second, so no cycle is ever three periods late',
  PtrExporterNoMtaLog: 'the exporter reads logs here; test/rules/ptr-exporter-no-mta-log.yml covers ptr_log_sources 0',
};

let dir: string;
let log: string;
let missing: string;
let dns: TestDnsServer;
let served: Served;
let prom: TestPrometheus;
let instance: string;

/** The result vector of an instant query; fails with Prometheus' error. */
async function series(expr: string, where = expr): Promise<NonNullable<QueryAnswer['data']>['result']> {
  const answer = await prom.query(expr);
  expect(answer.status, `${where}: ${answer.errorType ?? ''} ${answer.error ?? ''}\n${expr}`).toBe('success');
  return answer.data!.result;
}

/** Polls `check` every 200 ms until it is true; at the deadline fails naming `what`, with both logs. */
async function until(what: string, check: () => Promise<boolean>, deadlineMs = 40_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${deadlineMs} ms\nexporter:\n${served.stderr()}\nprometheus:\n${prom.log()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The label `label` of each series of ALERTS for `alertname` in `state`, sorted. */
async function alerting(alertname: string, label: string, state = 'firing'): Promise<string[]> {
  const s = await series(`ALERTS{alertname="${alertname}", alertstate="${state}"}`);
  return s.map((x) => x.metric[label] ?? '').sort();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptr prometheus e2e '));
  log = join(dir, 'mail.log');
  missing = join(dir, 'missing.log');
  writeFileSync(log, LOG);
  dns = await startDnsServer({
    records: [
      { name: '25.2.0.192.in-addr.arpa', type: 'PTR', data: 'mail.example.com' },
      { name: 'mail.example.com', type: 'A', data: '192.0.2.25' },
      { name: '27.2.0.192.in-addr.arpa', type: 'PTR', data: 'other.example.com' },
      { name: 'other.example.com', type: 'A', data: '198.51.100.99' },
      { name: reverseName('2001:db8::25'), type: 'PTR', data: 'mx1.example.org' },
      { name: 'mx1.example.org', type: 'AAAA', data: '2001:db8::25' },
      { name: 'example.org', type: 'TXT', data: 'v=spf1 ip4:192.0.2.0/24 -all' },
      { name: 's1._domainkey.example.org', type: 'TXT', data: 'v=DKIM1; k=rsa; p=' },
      { name: '_dmarc.example.org', type: 'TXT', data: 'v=DMARC1; p=reject' },
      // example.net's SPF includes a name the server refuses: temperror for every IP
      { name: 'example.net', type: 'TXT', data: 'v=spf1 include:_spf.example.com ip6:2001:db8::/32 -all' },
    ],
  });
  dns.setFault('28.2.0.192.in-addr.arpa', 'servfail');
  dns.setFault('_spf.example.com', 'refused');
  const config = join(dir, 'ptr-exporter.yml');
  writeFileSync(config, stringify({
    dns: { servers: [dns.address], timeout: '500ms', attempts: 1 },
    probe: { schedule: '* * * * * *', run_on_start: true },
    targets: [{ ip: '192.0.2.25', helo: 'mail.example.com' }, { ip: '192.0.2.26' }, { ip: '192.0.2.27' }, { ip: '192.0.2.28' }, { ip: '2001:db8::25' }],
    domains: [{ name: 'example.org', dkim_selectors: ['s1'] }, { name: 'example.net' }],
    discover: { interfaces: false, egress: false, from_logs: true },
    logs: [{ path: log, format: 'auto', start_at: 'beginning' }, { path: missing }],
    web: { listen_address: '127.0.0.1:0' },
  }));
  served = await serve(config);
  instance = new URL(served.base).host;

  // The shipped rules with every `for:` cut to 0s, so that an alert fires at its first true evaluation.
  const rules = join(dir, 'rules.yml');
  // The only IPv6 addresses tests may use are documentation ones (kind "documentation"); for
  // Ipv6SendingWithoutAuthentication they stand in for global addresses, so its copy also matches that kind.
  const shortened = promRules.map((r) => (r.for === undefined ? r : { ...r, for: '0s' })).map((r) => (r.alert !== 'Ipv6SendingWithoutAuthentication'
    ? r
    : { ...r, expr: r.expr.replace('kind=~"global|teredo|6to4"', 'kind=~"global|teredo|6to4|documentation"') }));
  expect(shortened.find((r) => r.alert === 'Ipv6SendingWithoutAuthentication')!.expr).toContain('documentation');
  expect(shortened.filter((r, i) => r.for !== promRules[i]!.for).length).toBeGreaterThanOrEqual(4);
  writeFileSync(rules, stringify({ groups: [{ name: 'ptr-exporter', rules: shortened }] }));
  prom = await startPrometheus({ targets: [instance], ruleFiles: [rules], interval: '1s' });
}, 40_000);

afterAll(async () => {
  await prom?.stop();
  if (served) expect(await terminate(served)).toBe(0);
  await dns?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the bundled dashboard and alerts against a real Prometheus', () => {
  it('scrapes the exporter every second, with every target probed, and evaluates the rules after that', async () => {
    // Prometheus' target discovery waits about 5 s before the first scrape.
    await until('three scrapes, the learned targets probed twice', async () => {
      const up = await series(`count_over_time(up{job="ptr-exporter", instance="${instance}"}[1m])`);
      const learned = await series(`count_over_time(ptr_probe_status{ip="${TEREDO}", status="no_ptr"}[1m]) >= 2`);
      return Number(up[0]?.value?.[1] ?? 0) >= 3 && learned.length === 1;
    });
    const dataSeen = Date.now() / 1000;
    type Group = { name: string; lastEvaluation: string; rules: { name: string; health: string; lastError?: string }[] };
    let groups: Group[] = [];
    await until('a rule evaluation after the data arrived', async () => {
      groups = (await prom.api<{ groups: Group[] }>('rules')).groups;
      return groups.length === 1 && Date.parse(groups[0]!.lastEvaluation) / 1000 > dataSeen + 0.1;
    });
    const health = groups.flatMap((g) => g.rules.map((r) => `${r.name} ${r.health}${r.lastError ? ` ${r.lastError}` : ''}`));
    expect(health.sort()).toEqual(promRules.map((r) => `${r.alert} ok`).sort());
    expect(await series(`up{instance="${instance}"} == 1`)).toHaveLength(1);
  }, 50_000);

  it('sees each target with the status its DNS gives', async () => {
    const s = await series(`ptr_probe_status{instance="${instance}"} == 1`);
    expect(Object.fromEntries(s.map((x) => [x.metric.ip, x.metric.status]))).toEqual(STATUS);
  });

  it('fires PtrRecordInvalid for the definite failures, 192.0.2.26 among them, never for pass or temperror', async () => {
    expect(await alerting('PtrRecordInvalid', 'ip')).toEqual(['192.0.2.26', '192.0.2.27', '2001:db8::77', TEREDO].sort());
    const bad = await series('ALERTS{alertname="PtrRecordInvalid", alertstate="firing", ip="192.0.2.26"}');
    expect(bad[0]?.metric).toMatchObject({ status: 'no_ptr', family: 'ipv4', severity: 'warning', instance });
    // Not once in the whole run, pending included: the target was in temperror all along (its own alert fires).
    expect(await series('count_over_time(ALERTS{alertname="PtrRecordInvalid", ip=~"192.0.2.28|192.0.2.25"}[10m])')).toEqual([]);
    expect(await alerting('PtrProbeTemporaryErrors', 'ip')).toEqual(['192.0.2.28']);
  });

  it('fires SmtpPtrRejections per sending IP named in a PTR rejection, not for the DMARC near miss', async () => {
    const s = await series('ALERTS{alertname="SmtpPtrRejections", alertstate="firing"}');
    expect(s.map((x) => `${x.metric.sender_ip} ${x.metric.reason}`).sort())
      .toEqual(['192.0.2.26 ptr', '2001:db8::77 ipv6_ptr_auth', `${TEREDO} ptr`].sort());
    const alerts = (await prom.api<{ alerts: { labels: Record<string, string>; annotations: Record<string, string> }[] }>('alerts')).alerts;
    const gmail = alerts.find((a) => a.labels.alertname === 'SmtpPtrRejections' && a.labels.sender_ip === '2001:db8::77');
    expect(gmail?.annotations.summary).toBe('Mail from 2001:db8::77 was refused for reverse DNS (ipv6_ptr_auth)');
    expect(gmail?.annotations.description).toContain('Refused by: gmail 5.7.1.');
  });

  it('fires Ipv6SendingWithoutValidPtr for the Teredo sender only, and PtrExporterLogUnreadable for the missing log only', async () => {
    const v6 = await series('ALERTS{alertname="Ipv6SendingWithoutValidPtr", alertstate="firing"}');
    expect(v6.map((x) => `${x.metric.ip} ${x.metric.kind} ${x.metric.source}`)).toEqual([`${TEREDO} teredo log`]);
    expect(await alerting('PtrExporterLogUnreadable', 'path')).toEqual([missing]);
  });

  it('fires Ipv6SendingWithoutAuthentication for the good-PTR IPv6 address whose domain lists only IPv4 in SPF, never on SPF temperror', async () => {
    const auth = await series('ALERTS{alertname="Ipv6SendingWithoutAuthentication", alertstate="firing"}');
    expect(auth.map((x) => `${x.metric.ip} ${x.metric.domain} ${x.metric.result}`).sort())
      .toEqual(['2001:db8::25 example.org fail', '2001:db8::77 example.org fail', `${TEREDO} example.org fail`].sort());
    const alerts = (await prom.api<{ alerts: { labels: Record<string, string>; annotations: Record<string, string> }[] }>('alerts')).alerts;
    const good = alerts.find((a) => a.labels.alertname === 'Ipv6SendingWithoutAuthentication' && a.labels.ip === '2001:db8::25');
    expect(good?.annotations.summary).toBe('Mail for example.org is sent over IPv6 from 2001:db8::25 without SPF or DKIM (SPF fail)');
    expect(good?.annotations.description).toContain('`ptr-exporter probe 2001:db8::25 --domain example.org`');
    expect(await series(`ptr_sending_ready{instance="${instance}", ip="2001:db8::25", domain="example.org"} == 0`)).toHaveLength(1);
    expect(await series(`ptr_probe_status{instance="${instance}", ip="2001:db8::25", status="pass"} == 1`)).toHaveLength(1);
    // example.net's SPF has been temperror all along: not once, pending included
    expect(await series(`ptr_spf_status{instance="${instance}", domain="example.net", result="temperror"} == 1`)).toHaveLength(Object.keys(STATUS).length);
    expect(await series('count_over_time(ALERTS{alertname="Ipv6SendingWithoutAuthentication", domain="example.net"}[10m])')).toEqual([]);
  });

  it('answers every dashboard panel query with series', async () => {
    const exprs = panelExprs({ rateInterval: '1m', interval: '1s', range: '5m', instance: instance.replaceAll('.', '\\\\.'), ip: '.*' });
    expect(exprs.length).toBeGreaterThanOrEqual(19);
    const empty: string[] = [];
    for (const e of exprs) {
      const result = await series(e.expr, e.where);
      if (result.length === 0 && !(e.panel.title in PANELS_ALLOWED_EMPTY)) empty.push(e.where);
    }
    expect(empty).toEqual([]);
  });

  it('answers the status table with one row per IP, and narrows the per-IP panels to the chosen $ip', async () => {
    const table = panelExprs({ rateInterval: '1m', instance: '.*', ip: '.*' }).find((e) => e.panel.title === 'Sending IPs: current status')!;
    const rows = await series(table.expr, table.where);
    expect(Object.fromEntries(rows.map((r) => [r.metric.ip, r.metric.status]))).toEqual(STATUS);
    expect(rows.find((r) => r.metric.ip === TEREDO)?.metric).toMatchObject({ source: 'log', kind: 'teredo' });
    const perIp = panelExprs({ rateInterval: '1m', instance: '.*', ip: '192\\\\.0\\\\.2\\\\.27' }).filter((e) => e.target.expr?.includes('$ip'));
    expect(perIp.length).toBeGreaterThanOrEqual(3);
    for (const e of perIp) {
      const result = await series(e.expr, e.where);
      expect(result.length, e.where).toBeGreaterThan(0);
      for (const r of result) expect(r.metric.ip, e.where).toBe('192.0.2.27');
    }
    const timeline = perIp.find((e) => e.panel.type === 'state-timeline')!;
    expect((await series(timeline.expr))[0]?.value?.[1]).toBe('4'); // mismatch
  });

  it('fills the template variables: instance from build info, ip from the targets', async () => {
    const vars = variableExprs({ instance: '.*' });
    const values = async (name: string): Promise<string[]> => {
      const v = vars.find((x) => x.variable.name === name)!;
      return [...new Set((await series(v.expr, v.where)).map((r) => r.metric[v.label]!))].sort();
    };
    expect(await values('instance')).toEqual([instance]);
    expect(await values('ip')).toEqual(Object.keys(STATUS).sort());
  });

  it('answers every alert expression of both alert files, with series where this setup has the condition', async () => {
    const exprs = alertExprs();
    expect(exprs).toHaveLength(2 * promRules.length);
    const empty: string[] = [];
    for (const e of exprs) {
      const result = await series(e.expr, e.where);
      if (result.length === 0 && !Object.keys(ALERTS_ALLOWED_EMPTY).some((a) => e.where.endsWith(` ${a}`))) empty.push(e.where);
    }
    expect(empty).toEqual([]);
  });
});
