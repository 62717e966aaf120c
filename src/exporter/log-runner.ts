import { resolve } from 'node:path';
import type { LogSource as LogEntry } from '../config/config.js';
import type { Logger } from '../logger.js';
import { createLogPipeline } from '../logs/pipeline.js';
import { canResume, createSource, type LogSource, type ResumeOutcome, type SourcePosition } from '../logs/sources/index.js';
import { isJournalPosition } from '../logs/sources/source.js';
import type { Rejection } from '../logs/types.js';
import type { LogStats } from '../metrics.js';
import { PositionsSaver } from './positions-saver.js';

interface RunningLog { entry: LogEntry; tailer: LogSource; saver: PositionsSaver | null; rejections: number }

/**
 * Reads every configured log source through its format's pipeline and reports each counted
 * rejection. With `positions_file`, each source starts from its saved position and its position is
 * saved as it moves (see PositionsSaver) and when it stops. A source restarted by a reload (its
 * format, start_at or positions file changed) goes on from where the stopped one was, so no line is
 * counted twice.
 */
export class LogRunner {
  private readonly logs = new Map<string, RunningLog>();
  private readonly savers = new Map<string, PositionsSaver>();
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly onRejection: (r: Rejection) => void, private readonly logger: Logger, private readonly pollIntervalMs = 250) {}

  /** Starts, keeps or stops tailers so that exactly `sources` are followed; calls run one after another. */
  apply(sources: readonly LogEntry[]): Promise<void> {
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

  private async applyNow(sources: readonly LogEntry[]): Promise<void> {
    const wanted = new Map(sources.map((s) => [s.path, s]));
    const stopped: Promise<[string, SourcePosition | null]>[] = [];
    for (const [path, log] of this.logs) {
      const next = wanted.get(path);
      if (next && sameEntry(next, log.entry)) continue;
      this.logs.delete(path);
      stopped.push(this.unfollow(log).then((p) => [path, p]));
    }
    const handover = new Map(await Promise.all(stopped));
    for (const source of sources) {
      if (this.logs.has(source.path)) continue;
      this.logs.set(source.path, await this.follow(source, handover.get(source.path) ?? null));
    }
  }

  private async follow(source: LogEntry, handover: SourcePosition | null): Promise<RunningLog> {
    const saver = source.positionsFile !== '' && canResume(source) ? this.saverFor(source.positionsFile) : null;
    const resumeFrom = handover ?? (saver ? await saver.saved(source.path) : null);
    const pipeline = createLogPipeline(source.format);
    const tailer = createSource(source, {
      logger: this.logger,
      pollIntervalMs: this.pollIntervalMs,
      resumeFrom,
      onResume: (o) => this.logResume(source.path, o),
      onPositionChange: saver ? () => saver.flush() : undefined,
      onLines: (lines) => {
        for (const line of lines) {
          for (const r of pipeline.push(line)) {
            log.rejections++;
            this.onRejection(r);
          }
        }
      },
    });
    const log: RunningLog = { entry: source, saver, tailer, rejections: 0 };
    saver?.attach(source.path, () => tailer.position());
    tailer.start();
    this.logger.info('following log', { path: source.path, format: source.format, start_at: source.startAt, positions_file: source.positionsFile, resume: resumeFrom !== null });
    return log;
  }

  /** Stops a source and saves its final position; returns that position. */
  private async unfollow(log: RunningLog): Promise<SourcePosition | null> {
    const path = log.entry.path;
    await log.tailer.stop();
    await log.saver?.detach(path);
    const position = log.tailer.position();
    const where = position === null ? {} : isJournalPosition(position) ? { cursor: position.cursor } : { file: position.file, offset: position.offset };
    this.logger.info('stopped following log', { path, lines: log.tailer.stats.lines, rejections: log.rejections, ...where });
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

function sameEntry(a: LogEntry, b: LogEntry): boolean {
  return a.format === b.format && a.startAt === b.startAt && a.positionsFile === b.positionsFile && String(a.journal?.units) === String(b.journal?.units);
}
