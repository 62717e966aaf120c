import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Rejection } from './logs/types.js';
import { STATUSES, type ProbeResult, type ProbeStatus } from './probe/types.js';
import type { Target } from './targets/target.js';
import { labelValue } from './label-value.js';

const CACHED = 'Refreshed by the probe schedule and cached between scrapes.';

/** Tail statistics of one configured log path, read at scrape time. */
export interface LogStats { lines: number; bytes: number; rotations: number; truncations: number; readErrors: number; open: boolean }

/** prom-client's default gauges whose names end in _total trip promtool; they are left out (DESIGN section 4). */
const UNWANTED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Every metric of DESIGN section 4, on its own Registry. */
export class ExporterMetrics {
  readonly registry = new Registry();
  private readonly maxLabelLength: number;
  private readonly hostnames = new Map<string, Record<string, string>[]>();
  private readonly targetInfo = new Map<string, Record<string, string>>();
  private readonly senderIps = new Set<string>();
  private maxSenderIps: number;
  private logStats: () => Map<string, LogStats> = () => new Map();

  readonly success = this.gauge('ptr_probe_success', `1 if the IP's reverse DNS is forward-confirmed (status pass), else 0. ${CACHED}`, ['ip', 'family']);
  readonly status = this.gauge('ptr_probe_status', `1 for the current probe status of the IP, 0 for the others. ${CACHED}`, ['ip', 'family', 'status']);
  readonly lastDefinite = this.gauge('ptr_probe_last_definite_status', `Like ptr_probe_status but ignoring temperror: the last definite verdict. ${CACHED}`, ['ip', 'family', 'status']);
  readonly duration = this.gauge('ptr_probe_duration_seconds', `Duration of the IP's last probe in seconds. ${CACHED}`, ['ip', 'family']);
  readonly timestamp = this.gauge('ptr_probe_timestamp_seconds', `Unix time at which the IP's last probe ended. ${CACHED}`, ['ip', 'family']);
  readonly probes = this.counter('ptr_probes_total', 'Probes made, by resulting status.', ['ip', 'family', 'status']);
  readonly hostname = this.gauge('ptr_hostname_info', `PTR names of the IP; confirmed="true" when the name resolves back to the IP. ${CACHED}`, ['ip', 'family', 'hostname', 'confirmed']);
  readonly target = this.gauge('ptr_target_info', 'Probe targets with where they came from and their address kind; only routable kinds and configured or log-learned IPs are probed.', ['ip', 'family', 'source', 'kind', 'helo']);
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

  readonly buildInfo = this.gauge('ptr_exporter_build_info', 'Always 1; labels carry the exporter version and Node.js version.', ['version', 'node_version']);
  readonly reloadSuccess = this.gauge('ptr_exporter_config_last_reload_successful', '1 if the last config load or reload succeeded.', []);
  readonly reloadTimestamp = this.gauge('ptr_exporter_config_last_reload_success_timestamp_seconds', 'Unix time of the last successful config load or reload.', []);

  constructor(opts: { version: string; maxSenderIps: number; maxLabelLength: number; defaultMetrics?: boolean }) {
    this.maxSenderIps = opts.maxSenderIps;
    this.maxLabelLength = opts.maxLabelLength;
    this.buildInfo.set({ version: opts.version, node_version: process.version }, 1);
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
    const base = { ip: result.ip, family: result.family };
    this.success.set(base, result.status === 'pass' ? 1 : 0);
    for (const s of STATUSES) this.status.set({ ...base, status: s }, s === result.status ? 1 : 0);
    if (lastDefinite !== null) {
      for (const s of STATUSES) if (s !== 'temperror') this.lastDefinite.set({ ...base, status: s }, s === lastDefinite ? 1 : 0);
    }
    this.duration.set(base, result.duration_seconds);
    this.timestamp.set(base, endedAtMs / 1000);
    this.probes.inc({ ...base, status: result.status });
    if (result.status !== 'temperror') this.setHostnames(result);
  }

  /** Publishes the target list, removing every series of targets that are gone. */
  setTargets(targets: readonly Target[]): void {
    const keep = new Set(targets.map((t) => t.ip));
    for (const [ip, labels] of this.targetInfo) {
      if (!keep.has(ip)) this.removeTarget(ip, labels);
    }
    for (const t of targets) {
      const labels = { ip: t.ip, family: t.family, source: t.source, kind: t.kind, helo: t.helo ?? '' };
      const old = this.targetInfo.get(t.ip);
      if (old && (old.source !== labels.source || old.kind !== labels.kind || old.helo !== labels.helo)) this.target.remove(old);
      this.target.set(labels, 1);
      this.targetInfo.set(t.ip, labels);
    }
    this.targets.set(targets.length);
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

  private setHostnames(result: ProbeResult): void {
    const base = { ip: result.ip, family: result.family };
    for (const old of this.hostnames.get(result.ip) ?? []) this.hostname.remove(old);
    const confirmed = new Set(result.confirmed);
    const labels = result.ptr.map((name) => ({ ...base, hostname: labelValue(name, this.maxLabelLength), confirmed: String(confirmed.has(name)) }));
    for (const l of labels) this.hostname.set(l, 1);
    this.hostnames.set(result.ip, labels);
  }

  private removeTarget(ip: string, info: Record<string, string>): void {
    const base = { ip, family: info.family! };
    this.target.remove(info);
    for (const g of [this.success, this.duration, this.timestamp]) g.remove(base);
    for (const s of STATUSES) {
      this.status.remove({ ...base, status: s });
      this.lastDefinite.remove({ ...base, status: s });
      this.probes.remove({ ...base, status: s });
    }
    for (const old of this.hostnames.get(ip) ?? []) this.hostname.remove(old);
    this.hostnames.delete(ip);
    this.targetInfo.delete(ip);
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
