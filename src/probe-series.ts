import { labelValue } from './label-value.js';
import { helpOf, METRICS, type MetricName } from './metric-names.js';
import { STATUSES, type ProbeResult, type ProbeStatus } from './probe/types.js';
import type { Target } from './targets/target.js';

/** The per-target families, rendered straight from plain state: prom-client's label maps cost too much at 10,000 targets. */
export const PROBE_FAMILIES = [
  'ptr_probe_success', 'ptr_probe_status', 'ptr_probe_last_definite_status', 'ptr_probe_duration_seconds',
  'ptr_probe_timestamp_seconds', 'ptr_probes_total', 'ptr_hostname_info', 'ptr_target_info',
] as const satisfies readonly MetricName[];

const HEADERS = PROBE_FAMILIES.map((name) => `# HELP ${name} ${helpOf(name)}\n# TYPE ${name} ${METRICS[name].type}\n`);
const DEFINITE = STATUSES.filter((s) => s !== 'temperror');
/** Rendered text is written into buffers of this many bytes. */
const CHUNK_BYTES = 64 * 1024;

/** What is known about one target: plain values, turned into text only when /metrics is rendered. */
interface Series {
  base: string;
  /** The target as last published, null when only probed. */
  target: Target | null;
  status: ProbeStatus | null;
  lastDefinite: ProbeStatus | null;
  durationSeconds: number;
  endedAtMs: number;
  /** Probes per status, in STATUSES order. */
  counts: number[];
  /** PTR names and confirmed names of the last definite result. */
  ptr: readonly string[];
  confirmed: readonly string[];
}

/** Writes one family's lines for one target (max: limits.max_label_length for PTR names). */
type FamilyText = (s: Series, max: number) => string;

const FAMILY_TEXT: readonly FamilyText[] = [
  (s) => s.status === null ? '' : `ptr_probe_success{${s.base}} ${s.status === 'pass' ? 1 : 0}\n`,
  (s) => s.status === null ? '' : STATUSES.map((st) => `ptr_probe_status{${s.base},status="${st}"} ${st === s.status ? 1 : 0}\n`).join(''),
  (s) => s.status === null || s.lastDefinite === null ? '' : DEFINITE.map((st) => `ptr_probe_last_definite_status{${s.base},status="${st}"} ${st === s.lastDefinite ? 1 : 0}\n`).join(''),
  (s) => s.status === null ? '' : `ptr_probe_duration_seconds{${s.base}} ${s.durationSeconds}\n`,
  (s) => s.status === null ? '' : `ptr_probe_timestamp_seconds{${s.base}} ${s.endedAtMs / 1000}\n`,
  (s) => STATUSES.map((st, i) => s.counts[i]! > 0 ? `ptr_probes_total{${s.base},status="${st}"} ${s.counts[i]}\n` : '').join(''),
  (s, max) => s.ptr.map((n) => `ptr_hostname_info{${s.base},hostname="${esc(labelValue(n, max))}",confirmed="${s.confirmed.includes(n)}"} 1\n`).join(''),
  ({ base, target: t }) => t === null ? '' : `ptr_target_info{${base},source="${esc(t.source)}",kind="${esc(t.kind)}",helo="${esc(t.helo ?? '')}"} 1\n`,
];

/**
 * Per-target probe series: updated by probes and target lists, removed with their target. Each target
 * keeps a few plain values, not text, so 10,000 targets weigh little and a probe allocates almost
 * nothing; the text is written when /metrics is rendered and kept until the next change, so a scrape
 * between cycles costs nothing.
 */
export class ProbeSeries {
  private readonly byIp = new Map<string, Series>();
  private text: Buffer[] | null = null;

  constructor(private readonly maxLabelLength: number) {}

  /** Publishes the target list; every series of a target that is gone disappears. */
  setTargets(targets: readonly Target[]): void {
    const keep = new Set<string>();
    for (const t of targets) {
      keep.add(t.ip);
      this.entry(t.ip, t.family).target = t;
    }
    for (const ip of this.byIp.keys()) if (!keep.has(ip)) this.byIp.delete(ip);
    this.text = null;
  }

  /** Records one probe; PTR names are kept from the last definite result. */
  record(result: ProbeResult, endedAtMs: number, lastDefinite: ProbeStatus | null): void {
    const s = this.entry(result.ip, result.family);
    s.status = result.status;
    s.lastDefinite = lastDefinite;
    s.durationSeconds = result.duration_seconds;
    s.endedAtMs = endedAtMs;
    const i = STATUSES.indexOf(result.status);
    s.counts[i]! += 1;
    if (result.status !== 'temperror') {
      s.ptr = result.ptr;
      s.confirmed = result.confirmed;
    }
    this.text = null;
  }

  /** The families in the Prometheus text format, as buffers ready to send. */
  render(): Buffer[] {
    if (this.text === null) {
      const out = new ChunkWriter();
      for (const [i, write] of FAMILY_TEXT.entries()) {
        out.write(HEADERS[i]!);
        for (const s of this.byIp.values()) out.write(write(s, this.maxLabelLength));
      }
      this.text = out.end();
    }
    return this.text;
  }

  private entry(ip: string, family: string): Series {
    let s = this.byIp.get(ip);
    if (!s) {
      // Duration and time are not shown before the first probe; starting them as doubles spares V8 a change of
      // field representation (and a migration of every series) at the first probe of each target.
      s = { base: `ip="${esc(ip)}",family="${family}"`, target: null, status: null, lastDefinite: null, durationSeconds: Number.NaN, endedAtMs: Number.NaN, counts: STATUSES.map(() => 0), ptr: [], confirmed: [] };
      this.byIp.set(ip, s);
    }
    return s;
  }
}

/** Escapes a label value for the text format. */
function esc(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

/** Writes strings as UTF-8 straight into fixed-size buffers, so no large string is ever built. */
class ChunkWriter {
  private readonly chunks: Buffer[] = [];
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private at = 0;

  write(text: string): void {
    if (text === '') return;
    // A UTF-16 unit takes at most 3 UTF-8 bytes.
    if (this.at + text.length * 3 > CHUNK_BYTES) {
      this.flush();
      if (text.length * 3 > CHUNK_BYTES) {
        this.chunks.push(Buffer.from(text, 'utf8'));
        return;
      }
    }
    this.at += this.chunk.write(text, this.at, 'utf8');
  }

  end(): Buffer[] {
    this.flush();
    return this.chunks;
  }

  private flush(): void {
    if (this.at === 0) return;
    this.chunks.push(this.chunk.subarray(0, this.at));
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.at = 0;
  }
}
