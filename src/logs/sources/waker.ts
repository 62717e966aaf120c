import { watch, type FSWatcher } from 'node:fs';
import type { Waker } from './source.js';

/** Least time between the start of a sleep and a wake-up it honours: a burst of events makes one poll. */
const MIN_WAKE_GAP_MS = 10;

/** The default Waker: an unref'd timer that wake() cuts short (never sooner than 10 ms after the sleep began). */
export class TimerWaker implements Waker {
  private resolve: (() => void) | null = null;
  private timer: NodeJS.Timeout | undefined;
  private woken = false;
  private closed = false;
  private sleptAt = 0;

  sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    this.sleptAt = Date.now();
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.arm(ms);
    });
  }

  wake(): void {
    if (!this.resolve) {
      this.woken = true;
      return;
    }
    this.arm(Math.max(0, this.sleptAt + MIN_WAKE_GAP_MS - Date.now()));
  }

  close(): void {
    this.closed = true;
    this.fire();
  }

  private arm(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), ms);
    this.timer.unref();
  }

  private fire(): void {
    clearTimeout(this.timer);
    const resolve = this.resolve;
    this.resolve = null;
    resolve?.();
  }
}

/**
 * Watches one folder (fs.watch: inotify on Linux, ReadDirectoryChangesW on Windows) and calls
 * `onEvent` for events whose file name passes `wanted` (or carries no name). Polling stays the
 * fallback: a folder that does not exist yet or cannot be watched is tried again at the next
 * ensure(), and a watcher that fails is dropped and re-created the same way.
 */
export class FolderWatch {
  private watcher: FSWatcher | null = null;
  private closed = false;

  constructor(private readonly dir: string, private readonly wanted: (name: string) => boolean, private readonly onEvent: () => void) {}

  /** Starts watching unless already watching or closed. */
  ensure(): void {
    if (this.watcher || this.closed) return;
    try {
      const w = watch(this.dir, { persistent: false }, (_event, name) => {
        if (name === null || this.wanted(name.toString())) this.onEvent();
      });
      w.on('error', () => {
        w.close();
        if (this.watcher === w) this.watcher = null;
      });
      this.watcher = w;
    } catch {
      // Missing or unwatchable folder: the poll interval still applies.
    }
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    this.watcher = null;
  }
}
