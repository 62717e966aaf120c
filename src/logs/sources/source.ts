/**
 * One log source: something that delivers lines (a file, a glob's newest match, standard input,
 * the journal) to a callback, in the spirit of mtail's LogStream. The log runner and the metrics
 * only see this interface; each kind lives in its own module next to this one.
 */

/** Where a file source stands: the file's identity and the offset after the last complete line handed out. */
export interface FilePosition {
  /** The file that was read (for a glob, the match), named as it was then. */
  file: string;
  /** Device and inode numbers as decimal strings (they may exceed 2^53); ino "0" when the platform has none. */
  dev: string;
  ino: string;
  /** Birth time in nanoseconds, "0" when unknown or not credible (see identity.ts). */
  birthtimeNs: string;
  /** The file's size when last seen, never below offset; a log only grows, so a smaller file was truncated or replaced. */
  size: number;
  offset: number;
}

/** Where a journal source stands: the cursor of the last entry handed out (`journalctl --after-cursor`). */
export interface JournalPosition {
  cursor: string;
  /** Absent: lets callers read `p.offset` or `p.file` of any position (undefined for the journal). */
  file?: undefined;
  offset?: undefined;
}

/** An opaque resume position, saved in the positions file and handed back after a restart. */
export type SourcePosition = FilePosition | JournalPosition;

/** True for a journal cursor, false for a file position. */
export function isJournalPosition(p: SourcePosition): p is JournalPosition {
  return 'cursor' in p;
}

/** Counters and state of a source, plain values read at scrape time (`ptr_log_*`). */
export interface LogSourceStats {
  lines: number;
  bytes: number;
  rotations: number;
  truncations: number;
  readErrors: number;
  /** Lines can be read now: the source names something readable and holds it open. */
  open: boolean;
  /** What is being read now (a glob's current match, `-` for stdin), or null. */
  currentFile: string | null;
  /** Lines cut at the line length limit. */
  truncatedLines: number;
}

/** A fresh, all-zero stats object. */
export function emptyStats(): LogSourceStats {
  return { lines: 0, bytes: 0, rotations: 0, truncations: 0, readErrors: 0, open: false, currentFile: null, truncatedLines: 0 };
}

/**
 * How a saved position was used: `resumed` (same file, read on from the offset), `truncated` (same
 * file, now shorter than when saved: read from 0), `rotated` (the path names another file or none;
 * the saved file was found at `file` and read on from the offset, the new one from 0) or `lost`
 * (the saved file is gone or unrecognisable: the new file is read from 0, and whatever was written
 * to the old one after the stop is not counted).
 */
export interface ResumeOutcome { outcome: 'resumed' | 'truncated' | 'rotated' | 'lost'; file: string | null; offset: number }

/** Milliseconds since the epoch; injected so tests step time without sleeping. */
export interface Clock {
  now(): number;
}

/** Date.now(). */
export const systemClock: Clock = { now: () => Date.now() };

/** Decides when a started source polls again: after its interval, or sooner when woken. */
export interface Waker {
  /** Resolves after `ms`, or at the next wake() (also one that came while not sleeping), whichever is first. */
  sleep(ms: number): Promise<void>;
  /** Ends the pending sleep now, or the next one at once. */
  wake(): void;
  /** Releases timers; a pending sleep resolves. */
  close(): void;
}

/** Options every kind of source takes. */
export interface SourceOptions {
  /** Receives complete lines in order, in batches; it must not throw. */
  onLines: (lines: string[]) => void;
  /**
   * Called at the end of a poll whose lines moved position(); the next poll waits for it, so a
   * caller that saves the position here replays at most one poll's lines after a crash.
   */
  onPositionChange?: () => void | Promise<void>;
  /** A position saved by an earlier run (a kind ignores another kind's position). */
  resumeFrom?: SourcePosition | null;
  /** Called once, when resumeFrom has been used. */
  onResume?: (outcome: ResumeOutcome) => void;
  /** Delay between polls after start(); default 250 ms. */
  pollIntervalMs?: number;
  /** Longest line handed out (characters); longer lines are cut and counted. */
  maxLineChars?: number;
  /** Default systemClock. */
  clock?: Clock;
  /** Default a timer waker (see waker.ts). */
  waker?: Waker;
}

/**
 * A log source. It reads nothing until start() or poll(); polls never overlap and never throw
 * (I/O errors are counted in stats.readErrors). position() is what a restart resumes from.
 */
export interface LogSource {
  /** The `path` label of the `ptr_log_*` series: the configured path, `-`, or `journal`. */
  readonly name: string;
  readonly stats: LogSourceStats;
  /** Polls now and then on its own (timers are unref'd) until stop(). */
  start(): void;
  /** One step: reads what is new. */
  poll(): Promise<void>;
  /** Stops polling and releases every handle; idempotent. */
  stop(): Promise<void>;
  /** Where a restart should resume, or null (nothing read yet, or a kind that cannot resume). */
  position(): SourcePosition | null;
  /** True once nothing more can ever come (stdin at its end). */
  readonly finished: boolean;
}
