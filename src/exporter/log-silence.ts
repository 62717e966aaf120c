import type { Logger } from '../logger.js';

/** How long a log may stay unopened (a glob matching nothing, a missing file, an unreadable journal) before it is reported. */
export const SILENT_AFTER_MS = 24 * 60 * 60 * 1000;
/** How often the logs are looked at. */
const CHECK_EVERY_MS = 10 * 60 * 1000;

/**
 * Tracks since when each log has not been open and names, once, each log that has stayed so for
 * longer than `afterMs`; a log that opens again is tracked afresh. Pure: the caller supplies the time.
 */
export class LogSilence {
  private readonly closedSince = new Map<string, number>();
  private readonly reported = new Set<string>();

  constructor(private readonly afterMs = SILENT_AFTER_MS) {}

  /** Takes each log's open state at `nowMs`; returns the logs that just crossed the limit. */
  observe(nowMs: number, logs: Iterable<[string, { open: boolean }]>): string[] {
    const seen = new Set<string>();
    const crossed: string[] = [];
    for (const [path, { open }] of logs) {
      seen.add(path);
      if (open) {
        this.closedSince.delete(path);
        this.reported.delete(path);
        continue;
      }
      const since = this.closedSince.get(path) ?? nowMs;
      this.closedSince.set(path, since);
      if (nowMs - since >= this.afterMs && !this.reported.has(path)) {
        this.reported.add(path);
        crossed.push(path);
      }
    }
    for (const path of [...this.closedSince.keys()]) if (!seen.has(path)) this.closedSince.delete(path);
    for (const path of [...this.reported]) if (!seen.has(path)) this.reported.delete(path);
    return crossed;
  }
}

/** Looks at the logs every ten minutes and logs a warning for each one not open for a day. */
export function watchLogSilence(logs: () => Map<string, { open: boolean }>, logger: Logger, silence = new LogSilence()): () => void {
  const check = (): void => {
    for (const path of silence.observe(Date.now(), logs())) {
      logger.warn('no MTA log is being read from this log for a day: it is not open (a glob that matches nothing, a file that does not exist, or a journal that cannot be read), so rejections there are not counted; check logs[].path or logs[].journal', { path });
    }
  };
  check();
  const timer = setInterval(check, CHECK_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
