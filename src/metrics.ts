import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { AUTH_FAMILIES, renderAuthSeries } from './auth-series.js';
import type { AuthSnapshot } from './auth/snapshot.js';
import { codeLabel } from './code-label.js';
import { SenderIpCap } from './sender-ip-cap.js';
import type { Rejection } from './logs/types.js';
import { declaration, type MetricName } from './metric-names.js';
import { PROBE_FAMILIES, ProbeSeries } from './probe-series.js';
import type { ProbeResult, ProbeStatus } from './probe/types.js';
import type { Target } from './targets/target.js';
import { REVISION } from './version.js';

/** The content type of the text format. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Tail statistics of one configured log path, read at scrape time. */
export interface LogStats { lines: number; bytes: number; rotations: number; truncations: number; readErrors: number; open: boolean }

/** prom-client's default gauges whose names end in _total are not counters, which `promtool check metrics` reports; they are left out. */
const UNWANTED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Every metric the exporter exposes, on its own Registry; names and HELP texts come from metric-names.ts. */
export class ExporterMetrics {
  readonly registry = new Registry();
  private readonly probeSeries: ProbeSeries;
  private readonly senderIps: SenderIpCap;
  private logStats: () => Map<string, LogStats> = () => new Map();

  readonly cycleDuration = this.gauge('ptr_probe_cycle_duration_seconds');
  readonly cycleTimestamp = this.gauge('ptr_probe_cycle_timestamp_seconds');
  readonly interval = this.gauge('ptr_probe_schedule_interval_seconds');
  readonly targets = this.gauge('ptr_targets');
  readonly cyclesSkipped = this.counter('ptr_probe_cycles_skipped_total');
  readonly authPairsSkipped = this.counter('ptr_auth_pairs_skipped_total');
  private authText = renderAuthSeries(null);

  readonly rejections = this.counter('ptr_smtp_rejections_total');
  readonly senderRejections = this.counter('ptr_smtp_sender_rejections_total');
  readonly lastRejection = this.gauge('ptr_smtp_last_rejection_timestamp_seconds');
  readonly logLines = this.logCounter('ptr_log_lines_total', (s) => s.lines);
  readonly logBytes = this.logCounter('ptr_log_bytes_total', (s) => s.bytes);
  readonly logRotations = this.logCounter('ptr_log_rotations_total', (s) => s.rotations);
  readonly logTruncations = this.logCounter('ptr_log_truncations_total', (s) => s.truncations);
  readonly logReadErrors = this.logCounter('ptr_log_read_errors_total', (s) => s.readErrors);
  readonly logOpen: Gauge = new Gauge({
    ...declaration('ptr_log_open'), registers: [this.registry],
    collect: () => {
      this.logOpen.reset();
      for (const [path, s] of this.logStats()) this.logOpen.set({ path }, s.open ? 1 : 0);
    },
  });

  readonly logSources: Gauge = new Gauge({
    ...declaration('ptr_log_sources'), registers: [this.registry],
    collect: () => this.logSources.set(this.logStats().size),
  });

  readonly buildInfo = this.gauge('ptr_exporter_build_info');
  readonly reloadSuccess = this.gauge('ptr_exporter_config_last_reload_successful');
  readonly reloadTimestamp = this.gauge('ptr_exporter_config_last_reload_success_timestamp_seconds');

  constructor(opts: { version: string; maxSenderIps: number; maxLabelLength: number; defaultMetrics?: boolean }) {
    this.senderIps = new SenderIpCap(opts.maxSenderIps);
    this.probeSeries = new ProbeSeries(opts.maxLabelLength);
    this.buildInfo.set({ version: opts.version, revision: REVISION, node_version: process.version }, 1);
    if (opts.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      for (const name of UNWANTED_DEFAULTS) this.registry.removeSingleMetric(name);
    }
  }

  /** Sets the limit on distinct sender_ip values (on reload). */
  setMaxSenderIps(n: number): void {
    this.senderIps.setMax(n);
  }

  /** Supplies the per-path tail statistics read at scrape time. */
  setLogStatsSource(source: () => Map<string, LogStats>): void {
    this.logStats = source;
  }

  /** Records the result of one probe. */
  recordProbe(result: ProbeResult, endedAtMs: number, lastDefinite: ProbeStatus | null): void {
    this.probeSeries.record(result, endedAtMs, lastDefinite);
  }

  /** Publishes the target list, removing every series of targets that are gone. */
  setTargets(targets: readonly Target[]): void {
    this.probeSeries.setTargets(targets);
    this.targets.set(targets.length);
  }

  /** Publishes one authentication cycle (SPF, DKIM, DMARC, readiness) and counts its skipped pairs. */
  recordAuth(snapshot: AuthSnapshot): void {
    this.authText = renderAuthSeries(snapshot);
    this.authPairsSkipped.inc(snapshot.cycle.skipped);
  }

  /** The exposition in pieces, sent without copying: prom-client's metrics, then the cached per-target probe and auth series. */
  async renderParts(): Promise<Buffer[]> {
    return [Buffer.from(await this.registry.metrics(), 'utf8'), ...this.probeSeries.render(), this.authText];
  }

  /** The whole exposition as one buffer. */
  async render(): Promise<Buffer> {
    return Buffer.concat(await this.renderParts());
  }

  /** Every metric family name exposed. */
  async names(): Promise<string[]> {
    return [...(await this.registry.getMetricsAsJSON()).map((m) => m.name), ...PROBE_FAMILIES, ...AUTH_FAMILIES];
  }

  /** Records the end of a probe cycle. */
  recordCycle(durationSeconds: number, endedAtMs: number): void {
    this.cycleDuration.set(durationSeconds);
    this.cycleTimestamp.set(endedAtMs / 1000);
  }

  /** Records the outcome of a config load or reload. */
  markReload(success: boolean): void {
    this.reloadSuccess.set(success ? 1 : 0);
    if (success) this.reloadTimestamp.set(Date.now() / 1000);
  }

  /** Counts one classified rejection. */
  recordRejection(r: Rejection): void {
    this.rejections.inc({ provider: r.provider, reason: r.reason, code: codeLabel(r.code), family: r.family });
    this.senderRejections.inc({ sender_ip: this.senderLabel(r.senderIp), reason: r.reason });
    this.lastRejection.set({ provider: r.provider, reason: r.reason }, (r.time ?? Date.now()) / 1000);
  }

  private senderLabel(ip: string | null): string {
    return ip === null ? 'unknown' : this.senderIps.label(ip);
  }

  private gauge(name: MetricName): Gauge {
    return new Gauge({ ...declaration(name), registers: [this.registry] });
  }

  private counter(name: MetricName): Counter {
    return new Counter({ ...declaration(name), registers: [this.registry] });
  }

  private logCounter(name: MetricName, pick: (s: LogStats) => number): Counter {
    const metric: Counter = new Counter({
      ...declaration(name), registers: [this.registry],
      collect: () => {
        metric.reset();
        for (const [path, s] of this.logStats()) metric.inc({ path }, pick(s));
      },
    });
    return metric;
  }
}
