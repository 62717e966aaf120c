import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// The PromQL of the bundled dashboard and alert files, shared by the structural tests and the Prometheus e2e test.

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** dashboards/prometheus-alerts.yml. */
export const RULES_FILE = join(ROOT, 'dashboards', 'prometheus-alerts.yml');
/** dashboards/grafana-alerting.yml. */
export const GRAFANA_FILE = join(ROOT, 'dashboards', 'grafana-alerting.yml');
/** The raw text of dashboards/ptr-exporter.json. */
export const DASHBOARD_TEXT = readFileSync(join(ROOT, 'dashboards', 'ptr-exporter.json'), 'utf8');

export interface Target { refId: string; expr?: string; datasource?: unknown; instant?: boolean }
export interface Panel {
  id: number; type: string; title: string; description?: string; datasource?: unknown; targets?: Target[]; panels?: Panel[];
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults?: { mappings?: Mapping[] }; overrides?: { matcher: { options: string }; properties: { id: string; value: unknown }[] }[] };
}
export interface Mapping { type: string; options: Record<string, { text?: string; color?: string }> }
export interface Variable { name: string; type: string; query: unknown; datasource?: unknown; definition?: string }
export interface Dashboard { uid: string; schemaVersion: number; panels: Panel[]; templating: { list: Variable[] }; __inputs?: unknown }
/** One alerting rule of prometheus-alerts.yml. */
export interface PromRule { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> }
/** A PromQL expression and where it came from. */
export interface Expr { where: string; expr: string }
/** A panel query after substitution. */
export interface PanelExpr extends Expr { panel: Panel; target: Target }

/** The parsed dashboard. */
export const dashboard = JSON.parse(DASHBOARD_TEXT) as Dashboard;
/** Every panel, the ones inside rows included. */
export const allPanels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
/** Every panel that queries data (not a row). */
export const dataPanels = allPanels.filter((p) => p.type !== 'row');
/** The alerting rules of prometheus-alerts.yml, in file order. */
export const promRules = (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: PromRule[] }[] }).groups.flatMap((g) => g.rules);

/** Values for the dashboard's variables; the defaults are merely plausible. */
export interface Vars { rateInterval: string; interval: string; range: string; instance: string; ip: string }
const DEFAULT_VARS: Vars = { rateInterval: '5m', interval: '1m', range: '1h', instance: '.*', ip: '2001:db8::25' };

/** Dashboard variables replaced by values so that the expression is plain PromQL. */
export function substitute(expr: string, vars: Partial<Vars> = {}): string {
  const v = { ...DEFAULT_VARS, ...vars };
  return expr
    .replace(/\$\{?__rate_interval\}?/g, v.rateInterval).replace(/\$\{?__interval\}?/g, v.interval).replace(/\$\{?__range\}?/g, v.range)
    .replace(/\$\{?instance\}?/g, v.instance).replace(/\$\{?ip\}?/g, v.ip);
}

/** Every panel query, variables substituted. */
export function panelExprs(vars: Partial<Vars> = {}): PanelExpr[] {
  return dataPanels.flatMap((panel) => (panel.targets ?? []).map((target) => ({
    where: `panel ${panel.id} ${panel.title} ${target.refId}`, expr: substitute(target.expr ?? '', vars), panel, target,
  })));
}

/** The series selector of each query variable (`label_values(SELECTOR, label)`), variables substituted. */
export function variableExprs(vars: Partial<Vars> = {}): (Expr & { variable: Variable; label: string })[] {
  return dashboard.templating.list.filter((v) => v.type === 'query').map((variable) => {
    const m = /label_values\((.*),\s*(\w+)\)$/.exec(variable.definition ?? '');
    return { where: `variable ${variable.name}`, expr: substitute(m?.[1] ?? '', vars), variable, label: m?.[2] ?? '' };
  });
}

/** The expressions of both alert files: prometheus-alerts.yml, then grafana-alerting.yml. */
export function alertExprs(): Expr[] {
  const grafana = parse(readFileSync(GRAFANA_FILE, 'utf8')) as { groups: { rules: { title: string; data: { model: { expr?: string } }[] }[] }[] };
  return [
    ...promRules.map((r) => ({ where: `prometheus-alerts.yml ${r.alert}`, expr: r.expr })),
    ...grafana.groups.flatMap((g) => g.rules.flatMap((r) => r.data.filter((d) => d.model.expr).map((d) => ({ where: `grafana-alerting.yml ${r.title}`, expr: d.model.expr! })))),
  ];
}

const FUNCTION_OR_KEYWORD = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless', 'inf', 'nan']);

/** Metric names in a PromQL expression: identifiers outside strings, label matchers, ranges and grouping lists that are not functions. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1');
  const names = [...bare.matchAll(/(?<![\w.:])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)].map((m) => m[1]!);
  return [...new Set(names.filter((n) => !FUNCTION_OR_KEYWORD.has(n.toLowerCase())))];
}
