import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ExporterMetrics, METRICS_CONTENT_TYPE } from '../src/metrics.js';
import { startPrometheus, type TestPrometheus } from './support/prometheus-server.js';
import type { ProbeResult } from '../src/probe/types.js';
import { promRules, type PromRule } from './support/dashboard-exprs.js';
import { promtool } from './support/promtool.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RULES = join(ROOT, 'dashboards', 'prometheus-alerts.yml');
const GRAFANA = join(ROOT, 'dashboards', 'grafana-alerting.yml');
const TESTS_DIR = join(ROOT, 'test', 'rules');
// The README ships with every install (npm package, release archives); no web page is assumed to exist.
const RUNBOOK = 'README.md#alert-';
const ALERTS = ['PtrRecordInvalid', 'PtrProbeTemporaryErrors', 'PtrProbeStale', 'SmtpPtrRejections', 'Ipv6SendingWithoutValidPtr', 'Ipv6SendingWithoutAuthentication', 'PtrExporterLogUnreadable', 'PtrExporterNoMtaLog'];

interface RuleTest { alert_rule_test?: { alertname: string; exp_alerts: { exp_labels: Record<string, string>; exp_annotations?: Record<string, string> }[] }[] }

const rules = promRules;
const testFiles = readdirSync(TESTS_DIR).filter((f) => f.endsWith('.yml')).sort().map((f) => join(TESTS_DIR, f));
const ruleTests = testFiles.flatMap((f) => (parse(readFileSync(f, 'utf8')) as { tests: RuleTest[] }).tests);
let scratch: string;
let e2e: Promise<TestPrometheus>;

beforeAll(async () => {
  await promtool(['--version']);
  scratch = mkdtempSync(join(tmpdir(), 'ptr-alerts-'));
  e2e = startExporterAndPrometheus();
  e2e.catch(() => undefined);
});
afterAll(async () => {
  await e2e?.then((p) => p.stop(), () => undefined);
  await new Promise((resolve) => (exporter ? exporter.close(resolve) : resolve(undefined)));
  rmSync(scratch, { recursive: true, force: true });
});

describe('prometheus-alerts.yml', () => {
  it('passes promtool check rules', async () => {
    const r = await promtool(['check', 'rules', RULES]);
    expect(r.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(r.code).toBe(0);
  });

  it('has exactly the documented alerts, each with severity, summary, description and a README runbook', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([...ALERTS].sort());
    for (const r of rules) {
      expect(['critical', 'warning'], r.alert).toContain(r.labels.severity);
      expect(r.annotations.summary, r.alert).toMatch(/\{\{ \$labels\.\w+ \}\}/);
      expect(r.annotations.description!.length, r.alert).toBeGreaterThan(100);
      expect(r.annotations.runbook, r.alert).toBe(RUNBOOK + r.alert.toLowerCase());
      expect(r.annotations.runbook_url, r.alert).toBeUndefined();
    }
  });

  it('links runbooks to headings that exist in README.md', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    const anchors = new Set([...readme.matchAll(/^#+ (.+)$/gm)].map((m) => githubAnchor(m[1]!)));
    for (const r of rules) expect(anchors, r.alert).toContain(r.annotations.runbook!.slice(RUNBOOK.indexOf('#') + 1));
  });
});

describe('promtool unit tests (test/rules)', () => {
  it('pass', async () => {
    const r = await promtool(['test', 'rules', ...testFiles]);
    expect(r.output).not.toContain('FAILED');
    expect(r.output.match(/SUCCESS/g)).toHaveLength(testFiles.length);
    expect(r.code).toBe(0);
  });

  it('cover every alert with a case that fires (summary checked) and one that stays silent', () => {
    for (const alert of ALERTS) {
      const cases = ruleTests.flatMap((t) => t.alert_rule_test ?? []).filter((c) => c.alertname === alert);
      const firing = cases.filter((c) => c.exp_alerts.length > 0);
      expect(firing.length, `${alert} fires somewhere`).toBeGreaterThan(0);
      expect(cases.some((c) => c.exp_alerts.length === 0), `${alert} stays silent somewhere`).toBe(true);
      for (const c of firing) for (const a of c.exp_alerts) expect(a.exp_annotations?.summary, alert).toBeTruthy();
    }
  });

  it('would catch PtrRecordInvalid firing on temperror', async () => {
    const file = join(scratch, 'temperror-fires.yml');
    writeFileSync(file, `rule_files: [${JSON.stringify(RULES)}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'ptr_probe_status{ip="192.0.2.25",family="ipv4",status="temperror"}'
        values: '1x40'
    alert_rule_test:
      - eval_time: 30m
        alertname: PtrRecordInvalid
        exp_alerts: [{exp_labels: {severity: warning, ip: 192.0.2.25, family: ipv4, status: temperror}}]
`);
    const r = await promtool(['test', 'rules', file]);
    expect(r.output).toContain('FAILED');
    expect(r.code).not.toBe(0);
  });

  it('need the `unless ... offset` term: increase() alone misses a rejection whose series appears at 1', async () => {
    const naive = structuredClone(parse(readFileSync(RULES, 'utf8')) as { groups: { rules: PromRule[] }[] });
    const smtp = naive.groups[0]!.rules.find((r) => r.alert === 'SmtpPtrRejections')!;
    smtp.expr = 'increase(ptr_smtp_sender_rejections_total{reason=~"ptr|ipv6_ptr_auth"}[15m]) > 0';
    const naiveRules = join(scratch, 'naive-rules.yml');
    writeFileSync(naiveRules, JSON.stringify(naive));
    const smtpTests = parse(readFileSync(join(TESTS_DIR, 'smtp-ptr-rejections.yml'), 'utf8')) as { rule_files: string[] };
    smtpTests.rule_files = [naiveRules];
    const file = join(scratch, 'smtp-naive.yml');
    writeFileSync(file, JSON.stringify(smtpTests));
    const r = await promtool(['test', 'rules', file]);
    expect(r.output).toContain('a single rejection (a series appearing at 1) fires at once');
    expect(r.code).not.toBe(0);
  });
});

describe('grafana-alerting.yml', () => {
  const file = parse(readFileSync(GRAFANA, 'utf8')) as {
    apiVersion: number;
    groups: { orgId: number; name: string; folder: string; interval: string; rules: {
      uid: string; title: string; condition: string; for: string; noDataState: string; execErrState: string;
      data: { refId: string; datasourceUid: string; relativeTimeRange?: { from: number; to: number }; model: Record<string, unknown> }[];
      labels: Record<string, string>; annotations: Record<string, string>;
    }[] }[];
  };
  const grafanaRules = file.groups.flatMap((g) => g.rules);

  it('is a Grafana alerting provisioning file with one group', () => {
    expect(file.apiVersion).toBe(1);
    expect(file.groups).toHaveLength(1);
    expect(file.groups[0]).toMatchObject({ orgId: 1, name: 'ptr-exporter', folder: 'ptr-exporter', interval: '1m' });
    expect(new Set(grafanaRules.map((r) => r.uid)).size).toBe(grafanaRules.length);
    for (const r of grafanaRules) expect(r.uid).toMatch(/^[a-z0-9-]{1,40}$/);
  });

  it('has the same alerts as the Prometheus rules: expression, for, severity, summary and runbook', () => {
    expect(grafanaRules.map((r) => r.title)).toEqual(rules.map((r) => r.alert));
    for (const g of grafanaRules) {
      const p = rules.find((r) => r.alert === g.title)!;
      expect(g.data[0]!.model.expr, g.title).toBe(p.expr.trimEnd());
      expect(g.for, g.title).toBe(p.for ?? '0s');
      expect(g.labels, g.title).toEqual(p.labels);
      expect(g.annotations.summary, g.title).toBe(p.annotations.summary!.replaceAll('$value', '$values.B.Value'));
      expect(g.annotations.runbook, g.title).toBe(p.annotations.runbook);
      expect(g.annotations.description, g.title).not.toMatch(/\bquery\b|\$value\b/);
    }
  });

  it('queries the "prometheus" data source, reduces it and fires above zero', () => {
    for (const r of grafanaRules) {
      expect(r.condition).toBe('C');
      expect(r.noDataState).toBe('OK');
      expect(r.execErrState).toBe('Error');
      const [a, b, c] = r.data;
      expect(a).toMatchObject({ refId: 'A', datasourceUid: 'prometheus', relativeTimeRange: { to: 0 }, model: { refId: 'A', instant: true, datasource: { type: 'prometheus', uid: 'prometheus' } } });
      expect(b).toMatchObject({ refId: 'B', datasourceUid: '__expr__', model: { type: 'reduce', expression: 'A', reducer: 'last' } });
      expect(c).toMatchObject({ refId: 'C', datasourceUid: '__expr__', model: { type: 'threshold', expression: 'B', conditions: [{ evaluator: { type: 'gt', params: [0] } }] } });
    }
  });
});

describe('against a real Prometheus scraping exporter output', () => {
  it('loads the rules, evaluates them without errors, fires on a first rejection, and temperror is no PTR failure', async () => {
    const prometheus = await e2e;
    const wanted = (a: Alert[]) => ['SmtpPtrRejections', 'Ipv6SendingWithoutValidPtr', 'Ipv6SendingWithoutAuthentication', 'PtrExporterLogUnreadable'].every((n) => a.some((x) => x.labels.alertname === n));
    let alerts: Alert[] = [];
    // Prometheus' target discovery waits 5 s before the first scrape; the rules are evaluated every second.
    for (let i = 0; i < 60 && !wanted(alerts); i++) {
      await sleep(200);
      alerts = await prometheus.api<{ alerts: Alert[] }>('alerts').then((d) => d.alerts, () => []);
    }
    const active = alerts.map((a) => `${a.labels.alertname} ${a.labels.ip ?? a.labels.sender_ip ?? a.labels.path ?? ''} ${a.state}`).sort();
    expect(active, prometheus.log()).toEqual([
      `Ipv6SendingWithoutValidPtr ${TEREDO} pending`,
      'PtrExporterLogUnreadable /var/log/mail.log pending',
      'PtrProbeTemporaryErrors 192.0.2.26 pending',
      `PtrRecordInvalid ${TEREDO} pending`,
      `SmtpPtrRejections ${TEREDO} firing`,
    ]);
    const smtp = alerts.find((a) => a.labels.alertname === 'SmtpPtrRejections')!;
    expect(smtp.annotations.description).toContain('Refused by: gmail 5.7.1.');
    const groups = (await prometheus.api<{ groups: { rules: { name: string; health: string; lastError?: string }[] }[] }>('rules')).groups;
    const health = groups.flatMap((g) => g.rules.map((r) => `${r.name} ${r.health}${r.lastError ? ` ${r.lastError}` : ''}`)).sort();
    expect(health).toEqual(ALERTS.map((a) => `${a} ok`).sort());
  }, 15_000);
});

const TEREDO = '2001:0:c000:21a:0:f227:3fff:fde6';
let exporter: Server | null = null;

/**
 * Serves the metrics of a Teredo sending IP without PTR and with one Gmail rejection (a counter that
 * appears at 1), a passing IPv6 address, an IPv4 address in temperror and a closed log, and starts
 * Prometheus with the rules scraping it. Started before the other tests, as it takes a few seconds.
 */
async function startExporterAndPrometheus(): Promise<TestPrometheus> {
  const metrics = new ExporterMetrics({ version: 'e2e', maxSenderIps: 8, maxLabelLength: 256 });
  metrics.setTargets([
    { ip: TEREDO, family: 'ipv6', helo: null, source: 'log', kind: 'teredo', probed: true },
    { ip: '2001:db8::25', family: 'ipv6', helo: 'mail.example.com', source: 'egress', kind: 'global', probed: true },
    { ip: '192.0.2.26', family: 'ipv4', helo: null, source: 'config', kind: 'global', probed: true },
  ]);
  const result = (ip: string, status: ProbeResult['status']): ProbeResult => ({
    ip, family: ip.includes(':') ? 'ipv6' : 'ipv4', status, iprev: 'pass', ptr: [], forward: {}, confirmed: [], helo: null, duration_seconds: 0.01, error: null,
  });
  metrics.recordProbe(result(TEREDO, 'no_ptr'), Date.now(), 'no_ptr');
  metrics.recordProbe(result('2001:db8::25', 'pass'), Date.now(), 'pass');
  metrics.recordProbe(result('192.0.2.26', 'temperror'), Date.now(), null);
  metrics.recordCycle(0.05, Date.now());
  metrics.interval.set(300);
  metrics.recordRejection({ provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', replyCode: '550', family: 'ipv6', senderIp: TEREDO, time: Date.now() });
  metrics.setLogStatsSource(() => new Map([['/var/log/mail.log', { lines: 0, bytes: 0, rotations: 0, truncations: 0, readErrors: 0, open: false }]]));
  const server = createServer((_req, res) => {
    void metrics.render().then((body) => res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(body));
  });
  exporter = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return startPrometheus({ targets: [`127.0.0.1:${(server.address() as AddressInfo).port}`], ruleFiles: [RULES] });
}

interface Alert { labels: Record<string, string>; annotations: Record<string, string>; state: string }

/** GitHub's heading anchor: lowercase, punctuation dropped, spaces to hyphens. */
function githubAnchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}
