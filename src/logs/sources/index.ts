import type { FileSourceOptions } from './regular-file.js';
import { FileSource } from './file.js';
import { isGlob } from './glob-pattern.js';
import { GlobSource } from './glob.js';
import { JournalSource, type JournalOptions } from './journal.js';
import type { LogSource, SourceOptions } from './source.js';
import { StdinSource } from './stdin.js';

export type { FilePosition, JournalPosition, LogSource, LogSourceStats, ResumeOutcome, SourcePosition } from './source.js';

/** What a configured log entry says about where its lines come from. */
export interface SourceSpec {
  /** A file, a glob (`*`, `?` in the last segment), or `-` for standard input; for the journal its name. */
  path: string;
  startAt: 'end' | 'beginning';
  /** Read the systemd journal instead of `path`. */
  journal?: { units: readonly string[]; directory: string } | undefined;
}

/** Extra options some kinds take (tests shorten waits and reads with them). */
export interface KindOptions extends JournalOptions {
  readChunkBytes?: number;
  rotateWaitMs?: number;
  maxReadBytesPerPoll?: number;
  stdin?: NodeJS.ReadableStream;
}

/** The source for one configured log entry; the caller never needs to know its kind. */
export function createSource(spec: SourceSpec, options: SourceOptions & KindOptions): LogSource {
  if (spec.journal) return new JournalSource({ ...spec.journal, startAt: spec.startAt }, options);
  if (spec.path === '-') return new StdinSource(options);
  const fileOptions: FileSourceOptions = { ...options, startAt: spec.startAt };
  return isGlob(spec.path) ? new GlobSource(spec.path, fileOptions) : new FileSource(spec.path, fileOptions);
}

/** Whether a source of this entry has a position to save (standard input has none). */
export function canResume(spec: SourceSpec): boolean {
  return spec.path !== '-';
}
