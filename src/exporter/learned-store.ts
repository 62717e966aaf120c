import { dirname, join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { readLearnedFile, writeLearnedFile } from '../targets/learned-file.js';
import { LearnedTargets } from '../targets/learned-targets.js';

/** Least time between two writes of the learned-IPs file, in milliseconds. */
const SAVE_INTERVAL_MS = 1000;

/** File name of the learned-IPs file when `discover.learned_file` is not set. */
export const LEARNED_FILE_NAME = 'learned-ips.json';

/**
 * Where learned IPs are kept: `discover.learned_file` when set ("" keeps none), else
 * learned-ips.json in the folder of the first log's positions_file, else nowhere.
 */
export function learnedFilePath(config: Config): string | null {
  if (config.discover.learnedFile !== null) return config.discover.learnedFile === '' ? null : config.discover.learnedFile;
  const first = config.logs.find((l) => l.positionsFile !== '');
  return first ? join(dirname(first.positionsFile), LEARNED_FILE_NAME) : null;
}

/**
 * The sender IPs learned from PTR-related rejections, kept across restarts in a small JSON file
 * written atomically (at most once a second, and on stop). IPs not named again within
 * `discover.learned_ttl` are dropped. A file that exists but is not a learned-IPs file is never
 * overwritten: saving is then off until the path changes.
 */
export class LearnedStore {
  readonly targets: LearnedTargets;
  private file: string | null;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private config: Config, private readonly logger: Logger, private readonly now: () => number = Date.now) {
    this.targets = new LearnedTargets(config.limits.maxSenderIps);
    this.file = learnedFilePath(config);
  }

  /** Reads the file back (missing: nothing learned yet; damaged: logged, and never overwritten). */
  async load(): Promise<void> {
    if (this.file === null) return;
    const read = await readLearnedFile(this.file);
    if (!read.ok) {
      this.logger.warn('learned-IPs file not read; it is left as it is and learned IPs are not saved', { file: this.file, error: read.error });
      this.file = null;
      return;
    }
    this.targets.restore(read.entries, this.now(), this.config.discover.learnedTtlMs);
    if (read.entries.length > 0) this.logger.info('learned sending IPs read back', { file: this.file, ips: this.targets.list().length, expired_or_over_limit: read.entries.length - this.targets.list().length });
  }

  /** Records an IP named in a rejection; true when it is new. */
  add(ip: string, atMs: number): boolean {
    const added = this.targets.add(ip, Math.min(atMs, this.now()));
    this.schedule();
    return added;
  }

  /** Applies a reloaded config: bound, time to live and file. */
  async reload(config: Config): Promise<void> {
    this.config = config;
    this.targets.setMax(config.limits.maxSenderIps);
    const file = learnedFilePath(config);
    if (file !== this.file) {
      await this.flush();
      this.file = file;
      await this.load();
    }
    this.schedule();
  }

  /** The learned IPs still within their time to live. */
  list(): string[] {
    this.targets.expire(this.now(), this.config.discover.learnedTtlMs);
    return this.targets.list();
  }

  /** Writes now (on stop). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.save();
  }

  private schedule(): void {
    if (this.file === null || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.save();
    }, SAVE_INTERVAL_MS);
    this.timer.unref();
  }

  private save(): Promise<void> {
    const file = this.file;
    if (file === null) return this.writing;
    this.writing = this.writing.then(async () => {
      this.targets.expire(this.now(), this.config.discover.learnedTtlMs);
      const result = await writeLearnedFile(file, this.targets.entries());
      if (!result.ok) this.logger.warn('learned-IPs file not written', { file, error: result.error });
    });
    return this.writing;
  }
}
