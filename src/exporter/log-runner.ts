import { resolve } from 'node:path';
import type { LogSource } from '../config/config.js';
import type { Logger } from '../logger.js';
import { createLogPipeline } from '../logs/pipeline.js';
import { Tailer, type ResumeOutcome, type TailPosition } from '../logs/tail.js';
import type { Rejection } from '../logs/types.js';
import type { LogStats } from '../metrics.js';
import { PositionsSaver } from './positions-saver.js';

interface RunningLog { source: LogSource; tailer: Tailer; saver: PositionsSaver | null; rejections: number }

/**
 * Tails every configured log through its format's pipeline and reports each counted rejection.
 * With `positions_file`, each tailer starts from its saved position and its position is saved as it
 * moves (see PositionsSaver) and when it stops. A tailer restarted by a reload (its format, start_at
 * or positions file changed) goes on from where the stopped one was, so no line is counted twice.
 */
export class LogRunner {
  private readonly logs = new Map<string, RunningLog>();
  private readonly savers = new Map<string, PositionsSaver>();
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly onRejection: (r: Rejection) => void, private readonly logger: Logger, private readonly pollIntervalMs = 250) {}

  /** Starts, keeps or stops tailers so that exactly `sources` are followed; calls run one after another. */
  apply(sources: readonly LogSource[]): Promise<void> {
    const run = this.applying.then(() => this.applyNow(sources));
    this.applying = run.catch(() => undefined);
    return run;
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

  /** Stops every tailer, saving positions. */
  stop(): Promise<void> {
    return this.apply([]);
  }

  private async applyNow(sources: readonly LogSource[]): Promise<void> {
    const wanted = new Map(sources.map((s) => [s.path, s]));
    const stopped: Promise<[string, TailPosition | null]>[] = [];
    for (const [path, log] of this.logs) {
      const next = wanted.get(path);
      if (next && sameSource(next, log.source)) continue;
      this.logs.delete(path);
      stopped.push(this.unfollow(log).then((p) => [path, p]));
    }
    const handover = new Map(await Promise.all(stopped));
    for (const source of sources) {
      if (this.logs.has(source.path)) continue;
      this.logs.set(source.path, await this.follow(source, handover.get(source.path) ?? null));
    }
  }

  private async follow(source: LogSource, handover: TailPosition | null): Promise<RunningLog> {
    const saver = source.positionsFile !== '' && source.path !== '-' ? this.saverFor(source.positionsFile) : null;
    const resumeFrom = handover ?? (saver ? await saver.saved(source.path) : null);
    const pipeline = createLogPipeline(source.format);
    const tailer = new Tailer({
      path: source.path,
      startAt: source.startAt,
      pollIntervalMs: this.pollIntervalMs,
      resumeFrom,
      onResume: (o) => this.logResume(source.path, o),
      onPositionChange: saver ? () => saver.changed() : undefined,
      onLines: (lines) => {
        for (const line of lines) {
          for (const r of pipeline.push(line)) {
            log.rejections++;
            this.onRejection(r);
          }
        }
      },
    });
    const log: RunningLog = { source, saver, tailer, rejections: 0 };
    saver?.attach(source.path, () => tailer.position());
    tailer.start();
    this.logger.info('following log', { path: source.path, format: source.format, start_at: source.startAt, positions_file: source.positionsFile, resume: resumeFrom !== null });
    return log;
  }

  /** Stops a tailer and saves its final position; returns that position. */
  private async unfollow(log: RunningLog): Promise<TailPosition | null> {
    const path = log.source.path;
    await log.tailer.stop();
    await log.saver?.detach(path);
    const position = log.tailer.position();
    this.logger.info('stopped following log', { path, lines: log.tailer.stats.lines, rejections: log.rejections, file: position?.file, offset: position?.offset });
    return position;
  }

  private saverFor(file: string): PositionsSaver {
    const key = resolve(file);
    let saver = this.savers.get(key);
    if (!saver) {
      saver = new PositionsSaver(file, this.logger);
      this.savers.set(key, saver);
    }
    return saver;
  }

  private logResume(path: string, o: ResumeOutcome): void {
    const fields = { path, outcome: o.outcome, file: o.file, offset: o.offset };
    if (o.outcome === 'lost') this.logger.warn('saved log file not found: reading the new file from its start; lines written to the old one after the stop are not counted', fields);
    else this.logger.info('resuming log from saved position', fields);
  }
}

function sameSource(a: LogSource, b: LogSource): boolean {
  return a.format === b.format && a.startAt === b.startAt && a.positionsFile === b.positionsFile;
}
