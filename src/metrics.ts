import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Rejection } from './logs/types.js';
import { CACHED, PROBE_FAMILIES, ProbeSeries } from './probe-series.js';
import type { ProbeResult, ProbeStatus } from './probe/types.js';
import type { Target } from './targets/target.js';
import { REVISION } from './version.js';

/** The content type of the text format. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Tail statistics of one configured log path, read at scrape time. */
export interface LogStats { lines: number; bytes: number; rotations: number; truncations: number; readErrors: number; open: boolean }

/** prom-client's default gauges whose names end in _total trip promtool; they are left out (DESIGN section 4). */
const UNWANTED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Every metric of DESIGN section 4, on its own Registry. */
export class ExporterMetrics {
  readonly registry = new Registry();
  private readonly probeSeries: ProbeSeries;
  private readonly senderIps = new Set<string>();
  private maxSenderIps: number;
  private logStats: () => Map<string, LogStats> = () => new Map();

  readonly cycleDuration = this.gauge('ptr_probe_cycle_duration_seconds', `Duration of the last complete probe cycle in seconds. ${CACHED}`, []);
  readonly cycleTimestamp = this.gauge('ptr_probe_cycle_timestamp_seconds', `Unix time at which the last probe cycle ended. ${CACHED}`, []);
  readonly interval = this.gauge('ptr_probe_schedule_interval_seconds', 'Seconds between scheduled probe cycles (from probe.schedule), for staleness alerts.', []);
  readonly targets = this.gauge('ptr_targets', 'Number of probe targets from all sources.', []);
  readonly cyclesSkipped = this.counter('ptr_probe_cycles_skipped_total', 'Scheduled probe cycles skipped because the previous cycle was still running.', []);

  readonly rejections = this.counter('ptr_smtp_rejections_total', 'SMTP rejections (4xx/5xx replies) received from remote servers, by provider, reason, status code and address family.', ['provider', 'reason', 'code', 'family']);
  readonly senderRejections = this.counter('ptr_smtp_sender_rejections_total', 'SMTP rejections by our sending IP named in the reply ("unknown" when not named, "other" beyond limits.max_sender_ips).', ['sender_ip', 'reason']);
  readonly lastRejection = this.gauge('ptr_smtp_last_rejection_timestamp_seconds', 'Unix time of the last rejection by provider and reason.', ['provider', 'reason']);
  readonly logLines = this.logCounter('ptr_log_lines_total', 'Lines read from the log.', (s) => s.lines);
  readonly logBytes = this.logCounter('ptr_log_bytes_total', 'Bytes read from the log.', (s) => s.bytes);
  readonly logRotations = this.logCounter('ptr_log_rotations_total', 'Log rotations seen (rename, recreate or a newer file for a pattern).', (s) => s.rotations);
  readonly logTruncations = this.logCounter('ptr_log_truncations_total', 'Log truncations seen (copytruncate).', (s) => s.truncations);
  readonly logReadErrors = this.logCounter('ptr_log_read_errors_total', 'Errors opening or reading the log.', (s) => s.readErrors);
  readonly logOpen: Gauge = new Gauge({
    name: 'ptr_log_open', help: '1 while the log file is open for reading.', labelNames: ['path'], registers: [this.registry],
    collect: () => {
      this.logOpen.reset();
      for (const [path, s] of this.logStats()) this.logOpen.set({ path }, s.open ? 1 : 0);
    },
  });

  readonly buildInfo = this.gauge('ptr_exporter_build_info', 'Always 1; labels carry the exporter version, its git revision and the Node.js version.', ['version', 'revision', 'node_version']);
  readonly reloadSuccess = this.gauge('ptr_exporter_config_last_reload_successful', '1 if the last config load or reload succeeded.', []);
  readonly reloadTimestamp = this.gauge('ptr_exporter_config_last_reload_success_timestamp_seconds', 'Unix time of the last successful config load or reload.', []);

  constructor(opts: { version: string; maxSenderIps: number; maxLabelLength: number; defaultMetrics?: boolean }) {
    this.maxSenderIps = opts.maxSenderIps;
    this.probeSeries = new ProbeSeries(opts.maxLabelLength);
    this.buildInfo.set({ version: opts.version, revision: REVISION, node_version: process.version }, 1);
    if (opts.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      for (const name of UNWANTED_DEFAULTS) this.registry.removeSingleMetric(name);
    }
  }

  /** Sets the limit on distinct sender_ip values (on reload). */
  setMaxSenderIps(n: number): void {
    this.maxSenderIps = n;
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

  /** The exposition in pieces, sent without copying: prom-client's metrics, then the cached per-target probe series. */
  async renderParts(): Promise<Buffer[]> {
    return [Buffer.from(await this.registry.metrics(), 'utf8'), this.probeSeries.render()];
  }

  /** The whole exposition as one buffer. */
  async render(): Promise<Buffer> {
    return Buffer.concat(await this.renderParts());
  }

  /** Every metric family name exposed. */
  async names(): Promise<string[]> {
    return [...(await this.registry.getMetricsAsJSON()).map((m) => m.name), ...Object.keys(PROBE_FAMILIES)];
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
    this.rejections.inc({ provider: r.provider, reason: r.reason, code: r.code, family: r.family });
    this.senderRejections.inc({ sender_ip: this.senderLabel(r.senderIp), reason: r.reason });
    this.lastRejection.set({ provider: r.provider, reason: r.reason }, (r.time ?? Date.now()) / 1000);
  }

  private senderLabel(ip: string | null): string {
    if (ip === null) return 'unknown';
    if (this.senderIps.has(ip)) return ip;
    if (this.senderIps.size >= this.maxSenderIps) return 'other';
    this.senderIps.add(ip);
    return ip;
  }

  private gauge(name: string, help: string, labelNames: string[]): Gauge {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  private counter(name: string, help: string, labelNames: string[]): Counter {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private logCounter(name: string, help: string, pick: (s: LogStats) => number): Counter {
    const metric: Counter = new Counter({
      name, help, labelNames: ['path'], registers: [this.registry],
      collect: () => {
        metric.reset();
        for (const [path, s] of this.logStats()) metric.inc({ path }, pick(s));
      },
    });
    return metric;
  }
}
