import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExporterMetrics } from '../src/metrics.js';
import {
  alertExprs as allAlertExprs, allPanels as all, dashboard, DASHBOARD_TEXT, dataPanels, metricNames, panelExprs as allPanelExprs,
  variableExprs as allVariableExprs, type Mapping,
} from './support/dashboard-exprs.js';
import { promtool } from './support/promtool.js';

const DS = { type: 'prometheus', uid: '${datasource}' };

const alertExprs = allAlertExprs();
const panelExprs = allPanelExprs();
const variableExprs = allVariableExprs();
const exprs = [...panelExprs, ...variableExprs, ...alertExprs];
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'ptr-dashboard-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('dashboards/ptr-exporter.json', () => {
  it('imports and provisions without __inputs: the data source is a variable', () => {
    expect(dashboard.__inputs).toBeUndefined();
    expect(DASHBOARD_TEXT).not.toContain('DS_PROMETHEUS');
    expect(dashboard.uid).toBe('ptr-exporter');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.schemaVersion).toBeLessThanOrEqual(41);
  });

  it('has the datasource, instance and ip variables', () => {
    const byName = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    expect(byName.get('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const name of ['instance', 'ip']) {
      const v = byName.get(name);
      expect(v, name).toMatchObject({ type: 'query', datasource: DS });
      expect(v!.definition, name).toMatch(/^label_values\(.+, \w+\)$/);
      expect(JSON.stringify(v!.query), name).toContain(v!.definition!.replaceAll('"', '\\"'));
    }
    expect(byName.get('ip')!.definition).toContain('$instance');
  });

  it('gives every panel a unique id, panels inside rows included', () => {
    const ids = all.map((p) => p.id);
    expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('queries the datasource variable in every panel and target, and describes every panel', () => {
    expect(dataPanels.length).toBeGreaterThanOrEqual(12);
    for (const p of dataPanels) {
      expect(p.datasource, p.title).toEqual(DS);
      expect(p.description?.length ?? 0, p.title).toBeGreaterThan(80);
      expect(p.targets?.length ?? 0, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) {
        expect(t.datasource, `${p.title} ${t.refId}`).toEqual(DS);
        expect(t.expr, `${p.title} ${t.refId}`).toBeTruthy();
      }
    }
  });

  it('lays panels out without overlaps inside the 24-column grid', () => {
    for (const p of all) expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    for (const [i, a] of all.entries()) {
      for (const b of all.slice(i + 1)) {
        const overlap = a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w
          && a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h;
        expect(overlap, `${a.title} / ${b.title}`).toBe(false);
      }
    }
  });

  it('colours statuses: pass green, definite failures red, temperror amber', () => {
    const table = dataPanels.find((p) => p.title === 'Sending IPs: current status')!;
    const tableMapping = table.fieldConfig!.overrides!.find((o) => o.matcher.options === 'status')!.properties.find((x) => x.id === 'mappings')!.value as Mapping[];
    const timeline = dataPanels.find((p) => p.type === 'state-timeline')!;
    for (const mapping of [tableMapping[0]!, timeline.fieldConfig!.defaults!.mappings![0]!]) {
      const color = Object.fromEntries(Object.values(mapping.options).map((o) => [o.text, o.color]));
      expect(color).toEqual({ pass: 'green', no_ptr: 'red', no_forward: 'red', mismatch: 'red', helo_mismatch: 'red', temperror: 'orange' });
    }
  });

  it('shows what the issue asks for', () => {
    const used = new Set(panelExprs.flatMap((e) => metricNames(e.expr)));
    for (const m of ['ptr_probe_status', 'ptr_hostname_info', 'ptr_probe_timestamp_seconds', 'ptr_smtp_rejections_total', 'ptr_smtp_sender_rejections_total',
      'ptr_log_open', 'ptr_log_lines_total', 'ptr_log_rotations_total', 'ptr_log_read_errors_total', 'ptr_target_info', 'ptr_exporter_build_info']) {
      expect(used, m).toContain(m);
    }
    expect(panelExprs.some((e) => /reason=~"ptr\|ipv6_ptr_auth"/.test(e.expr) && /rate\(ptr_smtp_rejections_total/.test(e.expr))).toBe(true);
  });

  it('shows SPF per IP and domain, DKIM and DMARC per domain and readiness, coloured like the PTR statuses', () => {
    const panelOf = (metric: string) => panelExprs.find((e) => metricNames(e.expr).includes(metric))?.panel;
    const colours = (metric: string, field: string): Record<string, string | undefined> => {
      const override = panelOf(metric)!.fieldConfig!.overrides!.find((o) => o.matcher.options === field)!;
      const mapping = (override.properties.find((x) => x.id === 'mappings')!.value as Mapping[])[0]!;
      return Object.fromEntries(Object.values(mapping.options).map((o): [string, string | undefined] => [o.text ?? '', o.color]));
    };
    expect(colours('ptr_spf_status', 'result')).toEqual({ pass: 'green', temperror: 'orange', fail: 'red', softfail: 'red', neutral: 'red', none: 'red', permerror: 'red' });
    expect(colours('ptr_dkim_key_status', 'status')).toEqual({ valid: 'green', temperror: 'orange', missing: 'red', revoked: 'red', invalid: 'red', weak: 'red' });
    expect(colours('ptr_dmarc_status', 'status')).toEqual({ present: 'green', temperror: 'orange', missing: 'red', invalid: 'red' });
    expect(colours('ptr_sending_ready', 'Value')).toEqual({ ready: 'green', 'not ready': 'red' });
    for (const metric of ['ptr_spf_status', 'ptr_sending_ready']) expect(panelExprs.find((e) => metricNames(e.expr).includes(metric))!.expr, metric).toContain('ip=~"2001:db8::25"');
  });
});

describe('expressions of the dashboard and both alert files', () => {
  it('finds metric names the way PromQL does', () => {
    expect(metricNames('60 * sum by (provider, reason) (rate(ptr_smtp_rejections_total{reason=~"ptr|x"}[5m])) * on(job, ip) group_left(kind) ptr_target_info offset 15m and bool_metric'))
      .toEqual(['ptr_smtp_rejections_total', 'ptr_target_info', 'bool_metric']);
    expect(metricNames('time() - process_start_time_seconds > 3 * clamp_min(x:y, 600)')).toEqual(['process_start_time_seconds', 'x:y']);
  });

  it('use only metrics the exporter exposes', async () => {
    const metrics = new ExporterMetrics({ version: 'test', maxSenderIps: 4, maxLabelLength: 64 });
    const exposed = new Set(await metrics.names());
    expect(exposed).toContain('ptr_smtp_rejections_total');
    expect(exprs.length).toBeGreaterThan(20);
    for (const { where, expr } of exprs) {
      const names = metricNames(expr);
      expect(names.length, where).toBeGreaterThan(0);
      for (const name of names) expect(exposed, `${where}: ${name}`).toContain(name);
    }
  });

  it('are valid PromQL (promtool check rules)', async () => {
    for (const { where, expr } of exprs) expect(expr, where).not.toContain('$');
    const file = join(scratch, 'exprs.yml');
    const rules = exprs.map(({ expr }, i) => ({ record: `ptr_exporter_check:expr_${i}`, expr }));
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'check', rules }] }));
    const r = await promtool(['check', 'rules', file]);
    expect(r.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(r.code).toBe(0);
  });

  it('would reject an invalid expression', async () => {
    const file = join(scratch, 'bad.yml');
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'check', rules: [{ record: 'bad', expr: 'sum by (ip) (ptr_probe_status' }] }] }));
    const r = await promtool(['check', 'rules', file]);
    expect(r.code).not.toBe(0);
  });
});
