import type { LogSource } from '../config/config.js';
import type { Logger } from '../logger.js';
import { createLogPipeline } from '../logs/pipeline.js';
import { Tailer } from '../logs/tail.js';
import type { Rejection } from '../logs/types.js';
import type { LogStats } from '../metrics.js';

interface RunningLog { source: LogSource; tailer: Tailer }

/** Tails every configured log through its format's pipeline and reports each counted rejection. */
export class LogRunner {
  private readonly logs = new Map<string, RunningLog>();

  constructor(private readonly onRejection: (r: Rejection) => void, private readonly logger: Logger, private readonly pollIntervalMs = 250) {}

  /** Starts, keeps or stops tailers so that exactly `sources` are followed. */
  apply(sources: readonly LogSource[]): Promise<void> {
    const wanted = new Map(sources.map((s) => [s.path, s]));
    const stopping: Promise<void>[] = [];
    for (const [path, log] of this.logs) {
      const next = wanted.get(path);
      if (next && sameSource(next, log.source)) continue;
      stopping.push(log.tailer.stop());
      this.logs.delete(path);
    }
    for (const source of sources) {
      if (this.logs.has(source.path)) continue;
      this.logs.set(source.path, { source, tailer: this.follow(source) });
    }
    return Promise.all(stopping).then(() => undefined);
  }

  /** Per-path statistics for the metrics. */
  stats(): Map<string, LogStats> {
    const out = new Map<string, LogStats>();
    for (const [path, { tailer }] of this.logs) out.set(path, { ...tailer.stats });
    return out;
  }

  /** Steps every tailer once (tests and shutdown). */
  async pollAll(): Promise<void> {
    await Promise.all([...this.logs.values()].map((l) => l.tailer.poll()));
  }

  /** True when every followed log is open. */
  allOpen(): boolean {
    return [...this.logs.values()].every((l) => l.tailer.stats.open);
  }

  /** Stops every tailer. */
  stop(): Promise<void> {
    return this.apply([]);
  }

  private follow(source: LogSource): Tailer {
    const pipeline = createLogPipeline(source.format);
    const tailer = new Tailer({
      path: source.path,
      startAt: source.startAt,
      pollIntervalMs: this.pollIntervalMs,
      onLines: (lines) => {
        for (const line of lines) for (const r of pipeline.push(line)) this.onRejection(r);
      },
    });
    tailer.start();
    this.logger.info('following log', { path: source.path, format: source.format, start_at: source.startAt });
    return tailer;
  }
}

function sameSource(a: LogSource, b: LogSource): boolean {
  return a.format === b.format && a.startAt === b.startAt && a.positionsFile === b.positionsFile;
}
