import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { AuthSnapshot } from '../auth/snapshot.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { mapConcurrent } from '../probe/pool.js';
import { probeIp } from '../probe/probe.js';
import { createResolver, type Resolver } from '../probe/resolver.js';
import { CycleScheduler } from '../probe/scheduler.js';
import type { ProbeResult, ProbeStatus } from '../probe/types.js';
import { egressAddresses } from '../targets/egress.js';
import { interfaceAddresses } from '../targets/interfaces.js';
import { configuredTargets, makeTarget, mergeTargets } from '../targets/target-set.js';
import type { Target } from '../targets/target.js';
import { AuthRunner } from './auth-runner.js';

/** What is known about one target. */
export interface TargetState {
  target: Target;
  result: ProbeResult | null;
  endedAtMs: number | null;
  lastDefinite: ProbeStatus | null;
}

/** Callbacks through which the runner reports; it knows nothing about metrics or HTTP. */
export interface ProbeEvents {
  targets(targets: readonly Target[]): void;
  result(state: TargetState): void;
  cycle(durationSeconds: number, endedAtMs: number): void;
  skipped(): void;
  /** SPF, DKIM and DMARC of the cycle, after its probes. */
  auth(snapshot: AuthSnapshot): void;
}

/** Wait after a learned IP before it is probed, so that a burst of rejections causes one probe. */
export const PROBE_SOON_DEBOUNCE_MS = 1000;
/** A learned IP probed this recently is not probed again out of schedule. */
const PROBE_SOON_MIN_AGE_MS = 30_000;
/** IPs waiting for an out-of-schedule probe, at most; a hostile log naming many IPs cannot grow it. */
const PROBE_SOON_MAX_PENDING = 1024;

/**
 * Discovers targets and probes them on the schedule; keeps the latest state per target. An IP named
 * in a rejection is also probed soon (probeSoon), outside the schedule: such probes run one batch at
 * a time, never while a cycle runs (the cycle's end starts the batch that waited), and a cycle that
 * starts during a batch waits for it (one batch is a few IPs, at most one DNS timeout).
 */
export class ProbeRunner {
  cyclesDone = 0;
  private readonly states = new Map<string, TargetState>();
  private readonly pending = new Set<string>();
  private soonTimer: NodeJS.Timeout | undefined;
  private soonRun: Promise<void> = Promise.resolve();
  private cycleRunning = false;
  private readonly scheduler: CycleScheduler;
  private readonly abort = new AbortController();
  /** The running cycle's resolver, cancelled by stop() so that queries in flight end now, not at their timeout. */
  private resolver: Resolver | null = null;
  private readonly auth: AuthRunner;
  /** The configured targets, made once per config so that a cycle reuses them. */
  private configured: Map<string, Target>;

  constructor(private config: Config, private readonly learned: () => string[], private readonly events: ProbeEvents, private readonly logger: Logger,
    private readonly debounceMs = PROBE_SOON_DEBOUNCE_MS, private readonly interfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces) {
    this.auth = new AuthRunner(logger);
    this.configured = configuredTargets(config.targets);
    this.scheduler = new CycleScheduler(() => this.cycle(), () => {
      this.logger.warn('probe cycle skipped: the previous cycle is still running');
      this.events.skipped();
    }, (err) => {
      if (!this.abort.signal.aborted) this.logger.error('probe cycle failed', { error: err instanceof Error ? err.message : String(err) });
    });
  }

  /** Starts the schedule (and a first cycle when run_on_start). */
  start(): void {
    this.scheduler.start(this.config.probe.schedule, this.config.probe.runOnStart);
  }

  /** Applies a new config: the next cycle uses its targets and DNS settings; the schedule is replaced. */
  reload(config: Config): void {
    const rescheduled = config.probe.schedule !== this.config.probe.schedule;
    this.config = config;
    this.configured = configuredTargets(config.targets);
    if (rescheduled) this.scheduler.start(config.probe.schedule, false);
  }

  /** Runs one cycle now (or waits for the running one). */
  runNow(): Promise<void> {
    return this.scheduler.tick();
  }

  /** Seconds between scheduled cycles. */
  intervalSeconds(): number | null {
    return this.scheduler.intervalSeconds();
  }

  /** The latest SPF, DKIM and DMARC results, null before the first cycle. */
  authSnapshot(): AuthSnapshot | null {
    return this.auth.latest();
  }

  /** Current state of every target, in target order. */
  list(): TargetState[] {
    return [...this.states.values()];
  }

  /** Probes an IP named in a rejection within about debounceMs, outside the schedule (see the class comment); only IPs still learned then are probed. */
  probeSoon(ip: string): void {
    if (this.abort.signal.aborted) return;
    this.pending.delete(ip);
    this.pending.add(ip);
    if (this.pending.size > PROBE_SOON_MAX_PENDING) this.pending.delete(this.pending.values().next().value!);
    this.soonTimer ??= setTimeout(() => {
      this.soonTimer = undefined;
      void this.probePending();
    }, this.debounceMs);
  }

  /** Resolves once the out-of-schedule probes asked for so far have ended (tests). */
  async settled(): Promise<void> {
    while (this.soonTimer || this.pending.size > 0 || this.cycleRunning) {
      await new Promise((done) => setTimeout(done, 20));
    }
    await this.soonRun;
  }

  /** Stops the schedule; a running cycle is cut short at its next probe. */
  async stop(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.soonTimer);
    this.soonTimer = undefined;
    this.pending.clear();
    this.resolver?.cancel();
    await this.scheduler.stop();
    await this.soonRun;
  }

  private probePending(): Promise<void> {
    if (this.cycleRunning || this.abort.signal.aborted) return this.soonRun;
    const now = Date.now();
    const learned = new Set(this.learned());
    const ips = [...this.pending].filter((ip) => {
      const at = this.states.get(ip)?.endedAtMs;
      return learned.has(ip) && (at === undefined || at === null || now - at >= PROBE_SOON_MIN_AGE_MS);
    });
    this.pending.clear();
    if (ips.length === 0) return this.soonRun;
    this.soonRun = this.soonRun.then(() => this.probeNow(ips));
    return this.soonRun;
  }

  /** Adds unknown IPs as learned targets (within limits.max_targets) and probes the IPs now. */
  private async probeNow(ips: string[]): Promise<void> {
    const config = this.config;
    let added = false;
    for (const ip of ips) {
      if (this.states.has(ip) || this.states.size >= config.limits.maxTargets) continue;
      this.states.set(ip, { target: makeTarget(ip, null, 'log'), result: null, endedAtMs: null, lastDefinite: null });
      added = true;
    }
    if (added) this.events.targets(this.list().map((s) => s.target));
    const targets = ips.map((ip) => this.states.get(ip)?.target).filter((t): t is Target => t !== undefined);
    const resolver = createResolver(config.dns);
    try {
      await mapConcurrent(targets, config.probe.concurrency, (target) => this.probeOne(target, resolver), this.abort.signal);
    } finally {
      resolver.cancel();
    }
    this.logger.debug('probed learned IPs out of schedule', { ips: targets.length });
  }

  private async probeOne(target: Target, resolver: ReturnType<typeof createResolver>): Promise<void> {
    const result = await probeIp({ ip: target.ip, helo: target.helo }, resolver);
    const state = this.states.get(target.ip);
    if (!state || this.abort.signal.aborted) return;
    state.result = result;
    state.endedAtMs = Date.now();
    if (result.status !== 'temperror') state.lastDefinite = result.status;
    this.events.result(state);
  }

  private async cycle(): Promise<void> {
    this.cycleRunning = true;
    try {
      await this.soonRun;
      await this.runCycle();
    } finally {
      this.cycleRunning = false;
      if (this.pending.size > 0 && !this.soonTimer) void this.probePending();
    }
  }

  private async runCycle(): Promise<void> {
    const started = performance.now();
    const config = this.config;
    const targets = await this.discover(config);
    this.events.targets(targets);
    const resolver = createResolver(config.dns);
    this.resolver = resolver;
    const probed = targets.filter((t) => t.probed);
    for (const t of probed) this.pending.delete(t.ip);
    await mapConcurrent(probed, config.probe.concurrency, (target) => this.probeOne(target, resolver), this.abort.signal);
    if (!this.abort.signal.aborted) {
      const authTargets = probed.flatMap((t) => {
        const result = this.states.get(t.ip)?.result;
        return result ? [{ ip: t.ip, family: t.family, fcrdnsPass: result.status === 'pass' }] : [];
      });
      const settings = { domains: config.domains, maxPairs: config.limits.maxAuthPairs, concurrency: config.probe.concurrency };
      this.events.auth(await this.auth.run(authTargets, settings, resolver, this.abort.signal));
    }
    resolver.cancel();
    this.resolver = null;
    if (this.abort.signal.aborted) return;
    this.cyclesDone++;
    const duration = (performance.now() - started) / 1000;
    this.events.cycle(duration, Date.now());
    this.logger.debug('probe cycle done', { targets: targets.length, probed: probed.length, seconds: duration.toFixed(3) });
  }

  private async discover(config: Config): Promise<Target[]> {
    const { targets, dropped } = mergeTargets({
      config: config.targets,
      interface: config.discover.interfaces ? interfaceAddresses(this.interfaces()) : [],
      egress: config.discover.egress ? await egressAddresses(config.discover.egressDestinations) : [],
      log: config.discover.fromLogs ? this.learned() : [],
    }, config.limits.maxTargets, (ip) => this.states.get(ip)?.target ?? this.configured.get(ip));
    if (dropped > 0) this.logger.warn('targets beyond limits.max_targets are not probed', { dropped });
    const next = new Map<string, TargetState>();
    for (const target of targets) {
      const old = this.states.get(target.ip);
      if (old) old.target = target;
      next.set(target.ip, old ?? { target, result: null, endedAtMs: null, lastDefinite: null });
    }
    this.states.clear();
    for (const [ip, s] of next) this.states.set(ip, s);
    return targets;
  }
}
