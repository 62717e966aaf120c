import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { mapConcurrent } from '../probe/pool.js';
import { probeIp } from '../probe/probe.js';
import { createResolver, type Resolver } from '../probe/resolver.js';
import { CycleScheduler } from '../probe/scheduler.js';
import type { ProbeResult, ProbeStatus } from '../probe/types.js';
import { egressAddresses } from '../targets/egress.js';
import { interfaceAddresses } from '../targets/interfaces.js';
import { mergeTargets } from '../targets/target-set.js';
import type { Target } from '../targets/target.js';

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
}

/** Discovers targets and probes them on the schedule; keeps the latest state per target. */
export class ProbeRunner {
  cyclesDone = 0;
  private readonly states = new Map<string, TargetState>();
  private readonly scheduler: CycleScheduler;
  private readonly abort = new AbortController();
  /** The running cycle's resolver, cancelled by stop() so that queries in flight end now, not at their timeout. */
  private resolver: Resolver | null = null;

  constructor(private config: Config, private readonly learned: () => string[], private readonly events: ProbeEvents, private readonly logger: Logger,
    private readonly interfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces) {
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

  /** Current state of every target, in target order. */
  list(): TargetState[] {
    return [...this.states.values()];
  }

  /** Stops the schedule; a running cycle is cut short at its next probe. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.resolver?.cancel();
    await this.scheduler.stop();
  }

  private async cycle(): Promise<void> {
    const started = performance.now();
    const config = this.config;
    const targets = await this.discover(config);
    this.events.targets(targets);
    const resolver = createResolver(config.dns);
    this.resolver = resolver;
    const probed = targets.filter((t) => t.probed);
    await mapConcurrent(probed, config.probe.concurrency, async (target) => {
      const result = await probeIp({ ip: target.ip, helo: target.helo }, resolver);
      const state = this.states.get(target.ip);
      if (!state || this.abort.signal.aborted) return;
      state.result = result;
      state.endedAtMs = Date.now();
      if (result.status !== 'temperror') state.lastDefinite = result.status;
      this.events.result(state);
    }, this.abort.signal);
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
    }, config.limits.maxTargets);
    if (dropped > 0) this.logger.warn('targets beyond limits.max_targets are not probed', { dropped });
    const next = new Map<string, TargetState>();
    for (const target of targets) {
      const old = this.states.get(target.ip);
      next.set(target.ip, old ? { ...old, target } : { target, result: null, endedAtMs: null, lastDefinite: null });
    }
    this.states.clear();
    for (const [ip, s] of next) this.states.set(ip, s);
    return targets;
  }
}
