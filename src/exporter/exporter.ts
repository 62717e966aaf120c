import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { isPtrRelated, type Rejection } from '../logs/types.js';
import { ExporterMetrics } from '../metrics.js';
import type { NetworkInterfaceInfo } from 'node:os';
import type { ProbeResult } from '../probe/types.js';
import type { Target } from '../targets/target.js';
import { authStatus, type AuthStatus } from './auth-status.js';
import { LearnedStore } from './learned-store.js';
import { LogRunner } from './log-runner.js';
import { watchLogSilence } from './log-silence.js';
import { LogThrottle } from './log-throttle.js';
import { ProbeRunner } from './probe-runner.js';
import { PublicAddressNotice } from './public-address-notice.js';
import { RejectionTally } from './rejection-tally.js';

/** One entry of /api/v1/status "targets": the probe result plus where the target came from. */
export interface TargetStatus extends Omit<ProbeResult, 'status' | 'iprev'> {
  status: ProbeResult['status'] | null;
  iprev: ProbeResult['iprev'] | null;
  source: Target['source'];
  kind: Target['kind'];
  probed: boolean;
  last_definite_status: ProbeResult['status'] | null;
  last_checked: string | null;
}

/** The body of GET /api/v1/status. */
export interface StatusReport {
  targets: TargetStatus[];
  logs: { path: string; open: boolean; lines: number }[];
  /** SPF, DKIM and DMARC per (IP, domain) of the configured domains. */
  auth: AuthStatus[];
  /** Set when no MTA log is being read at all: silence then does not mean health. */
  log_warning?: string | null;
  /** True when discovery found only addresses not used on the Internet and no target is configured or learned (behind NAT). */
  no_public_address?: boolean;
}

/** The status text when no log is configured or found. */
export const NO_LOG_WARNING = 'no MTA log is being read: SMTP rejections cannot be counted. Configure one under logs: in the config file (path: a file or glob, or journal: {} for the systemd journal).';

/** The running exporter: prober, log tailers and metrics wired together; HTTP sits on top. */
export class Exporter {
  readonly metrics: ExporterMetrics;
  readonly tally: RejectionTally;
  readonly probes: ProbeRunner;
  readonly logs: LogRunner;
  private readonly learned: LearnedStore;
  private stopSilenceWatch: () => void = () => {};
  /** "learned a sending IP" lines: at most 10 a minute, whatever the log names. */
  private readonly learnedLog = new LogThrottle(10, 60_000);
  private readonly publicAddress: PublicAddressNotice;

  constructor(public config: Config, readonly version: string, private readonly logger: Logger,
    opts: { logPollIntervalMs?: number; probeSoonDebounceMs?: number; interfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]> } = {}) {
    this.metrics = new ExporterMetrics({ version, maxSenderIps: config.limits.maxSenderIps, maxLabelLength: config.limits.maxLabelLength });
    this.tally = new RejectionTally(config.limits.maxSenderIps);
    this.learned = new LearnedStore(config, logger);
    this.publicAddress = new PublicAddressNotice(logger);
    this.probes = new ProbeRunner(config, () => this.learned.list(), {
      targets: (targets) => {
        this.metrics.setTargets(targets);
        this.publicAddress.observe(targets);
      },
      result: (s) => this.metrics.recordProbe(s.result!, s.endedAtMs!, s.lastDefinite),
      cycle: (seconds, endedAtMs) => this.metrics.recordCycle(seconds, endedAtMs),
      skipped: () => this.metrics.cyclesSkipped.inc(),
      auth: (snapshot) => this.metrics.recordAuth(snapshot),
    }, logger, opts.probeSoonDebounceMs, opts.interfaces);
    this.logs = new LogRunner((r) => this.onRejection(r), logger, opts.logPollIntervalMs);
    this.metrics.setLogStatsSource(() => this.logs.stats());
    this.metrics.markReload(true);
  }

  /** Starts probing and tailing. */
  async start(): Promise<void> {
    await this.learned.load();
    await this.logs.apply(this.config.logs);
    this.stopSilenceWatch = watchLogSilence(() => this.logs.stats(), this.logger);
    this.probes.start();
    this.metrics.interval.set(this.probes.intervalSeconds() ?? 0);
  }

  /** Swaps in a new, already validated config. */
  async reload(config: Config): Promise<void> {
    this.config = config;
    this.metrics.setMaxSenderIps(config.limits.maxSenderIps);
    this.tally.setMaxSenderIps(config.limits.maxSenderIps);
    await this.learned.reload(config);
    this.probes.reload(config);
    this.publicAddress.rearm();
    this.metrics.interval.set(this.probes.intervalSeconds() ?? 0);
    await this.logs.apply(config.logs);
    this.metrics.markReload(true);
  }

  /** Records a failed reload: the running config stays. */
  reloadFailed(): void {
    this.metrics.markReload(false);
  }

  /** Ready once a probe cycle has finished and every configured log is open. */
  ready(): { ready: boolean; reason: string } {
    if (this.probes.cyclesDone === 0) return { ready: false, reason: 'the first probe cycle has not finished' };
    if (!this.logs.allOpen()) return { ready: false, reason: 'a configured log is not open' };
    return { ready: true, reason: 'ready' };
  }

  /** The JSON of /api/v1/status. */
  status(): StatusReport {
    const targets = this.probes.list().map(({ target, result, endedAtMs, lastDefinite }): TargetStatus => ({
      ip: target.ip,
      family: target.family,
      status: result?.status ?? null,
      iprev: result?.iprev ?? null,
      ptr: result?.ptr ?? [],
      forward: result?.forward ?? {},
      confirmed: result?.confirmed ?? [],
      helo: target.helo,
      duration_seconds: result?.duration_seconds ?? 0,
      error: result?.error ?? null,
      ...(result?.ptr_skipped ? { ptr_skipped: result.ptr_skipped } : {}),
      source: target.source,
      kind: target.kind,
      probed: target.probed,
      last_definite_status: lastDefinite,
      last_checked: endedAtMs === null ? null : new Date(endedAtMs).toISOString(),
    }));
    const logs = [...this.logs.stats()].map(([path, s]) => ({ path, open: s.open, lines: s.lines }));
    const auth = authStatus(this.probes.authSnapshot(), this.probes.list().map((s) => s.target));
    return { targets, logs, auth, log_warning: logs.length === 0 ? NO_LOG_WARNING : null, no_public_address: this.publicAddress.noPublicAddress() };
  }

  /** Stops probing and tailing. */
  async stop(): Promise<void> {
    this.stopSilenceWatch();
    await Promise.all([this.probes.stop(), this.logs.stop()]);
    await this.learned.flush();
  }

  private onRejection(r: Rejection): void {
    this.metrics.recordRejection(r);
    this.tally.add(r);
    if (!this.config.discover.fromLogs || r.senderIp === null || !isPtrRelated(r.reason)) return;
    const at = r.time ?? Date.now();
    if (this.learned.add(r.senderIp, at)) {
      const verdict = this.learnedLog.take();
      if (verdict === 'write') this.logger.info('learned a sending IP from a PTR-related rejection', { ip: r.senderIp, provider: r.provider, reason: r.reason });
      else if (verdict === 'hold_back') this.logger.info('learned more sending IPs: not logged for the rest of this minute (at most 10 a minute)', { ip: r.senderIp });
    }
    if (Date.now() - at <= this.config.discover.learnedTtlMs) this.probes.probeSoon(r.senderIp);
  }
}
