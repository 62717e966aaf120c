import { labelValue } from './label-value.js';
import { helpOf, METRICS, type MetricName } from './metric-names.js';
import { STATUSES, type ProbeResult, type ProbeStatus } from './probe/types.js';
import type { Target } from './targets/target.js';

/** The per-target families, rendered straight from plain state: prom-client's label maps cost too much at 10,000 targets. */
export const PROBE_FAMILIES = [
  'ptr_probe_success', 'ptr_probe_status', 'ptr_probe_last_definite_status', 'ptr_probe_duration_seconds',
  'ptr_probe_timestamp_seconds', 'ptr_probes_total', 'ptr_hostname_info', 'ptr_target_info',
] as const satisfies readonly MetricName[];

const NAMES = PROBE_FAMILIES;
const HEADERS = NAMES.map((name) => `# HELP ${name} ${helpOf(name)}\n# TYPE ${name} ${METRICS[name].type}\n`);
const TARGET_INFO = PROBE_FAMILIES.indexOf('ptr_target_info');

/** What is published about one target: its text per family, rebuilt when its probe or target info changes. */
interface Series {
  base: string;
  status: ProbeStatus | null;
  counts: Map<ProbeStatus, number>;
  hostnames: string[];
  parts: string[];
}

/**
 * Per-target probe series: updated by probes and target lists, removed with their target. Each
 * target's lines are formatted when it changes, and the whole text is kept until the next change,
 * so a scrape between cycles costs nothing and one during a cycle only joins ready strings.
 */
export class ProbeSeries {
  private readonly byIp = new Map<string, Series>();
  private text: Buffer | null = null;

  constructor(private readonly maxLabelLength: number) {}

  /** Publishes the target list; every series of a target that is gone disappears. */
  setTargets(targets: readonly Target[]): void {
    const keep = new Set<string>();
    for (const t of targets) {
      keep.add(t.ip);
      const s = this.entry(t.ip, t.family);
      s.parts[TARGET_INFO] = `ptr_target_info{${s.base},source="${esc(t.source)}",kind="${esc(t.kind)}",helo="${esc(t.helo ?? '')}"} 1\n`;
    }
    for (const ip of this.byIp.keys()) if (!keep.has(ip)) this.byIp.delete(ip);
    this.text = null;
  }

  /** Records one probe; PTR names are kept from the last definite result. */
  record(result: ProbeResult, endedAtMs: number, lastDefinite: ProbeStatus | null): void {
    const s = this.entry(result.ip, result.family);
    const b = s.base;
    s.status = result.status;
    s.counts.set(result.status, (s.counts.get(result.status) ?? 0) + 1);
    if (result.status !== 'temperror') {
      const confirmed = new Set(result.confirmed);
      s.hostnames = result.ptr.map((n) => `ptr_hostname_info{${b},hostname="${esc(labelValue(n, this.maxLabelLength))}",confirmed="${confirmed.has(n)}"} 1\n`);
    }
    const info = s.parts[TARGET_INFO] ?? '';
    s.parts = [
      `ptr_probe_success{${b}} ${result.status === 'pass' ? 1 : 0}\n`,
      STATUSES.map((st) => `ptr_probe_status{${b},status="${st}"} ${st === result.status ? 1 : 0}\n`).join(''),
      lastDefinite === null ? '' : STATUSES.filter((st) => st !== 'temperror').map((st) => `ptr_probe_last_definite_status{${b},status="${st}"} ${st === lastDefinite ? 1 : 0}\n`).join(''),
      `ptr_probe_duration_seconds{${b}} ${result.duration_seconds}\n`,
      `ptr_probe_timestamp_seconds{${b}} ${endedAtMs / 1000}\n`,
      [...s.counts].map(([st, n]) => `ptr_probes_total{${b},status="${st}"} ${n}\n`).join(''),
      s.hostnames.join(''),
      info,
    ];
    this.text = null;
  }

  /** The families in the Prometheus text format, as bytes ready to send. */
  render(): Buffer {
    if (this.text === null) {
      // Written part by part into one buffer of the exact size: no 13 MB joined string at 10,000 targets.
      let size = 0;
      NAMES.forEach((_, i) => {
        size += Buffer.byteLength(HEADERS[i]!);
        for (const s of this.byIp.values()) size += Buffer.byteLength(s.parts[i] ?? '');
      });
      const text = Buffer.allocUnsafeSlow(size);
      let at = 0;
      NAMES.forEach((_, i) => {
        at += text.write(HEADERS[i]!, at);
        for (const s of this.byIp.values()) at += text.write(s.parts[i] ?? '', at);
      });
      this.text = text;
    }
    return this.text;
  }

  private entry(ip: string, family: string): Series {
    let s = this.byIp.get(ip);
    if (!s) {
      s = { base: `ip="${esc(ip)}",family="${family}"`, status: null, counts: new Map(), hostnames: [], parts: [] };
      this.byIp.set(ip, s);
    }
    return s;
  }
}

/** Escapes a label value for the text format. */
function esc(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}
