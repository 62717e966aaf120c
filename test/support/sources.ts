import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { createSource, type KindOptions, type LogSource, type SourceSpec } from '../../src/logs/sources/index.js';
import type { SourceOptions } from '../../src/logs/sources/source.js';

/** Options of follow(): the entry's start_at and any source option. */
export type FollowOptions = Partial<SourceOptions & KindOptions & Pick<SourceSpec, 'startAt'>>;

/**
 * A fresh temporary folder per test (`dir()`) and a `follow` that builds a source (start_at
 * beginning, no rotate wait unless given) collecting its lines; every source is stopped after the test.
 */
export function sourceHarness(prefix: string): {
  dir: () => string;
  follow: (path: string, options?: FollowOptions) => { t: LogSource; lines: string[] };
} {
  let dir = '';
  const sources: LogSource[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((t) => t.stop()));
    await rm(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir,
    follow(path, options = {}) {
      const lines: string[] = [];
      const { startAt = 'beginning', ...rest } = options;
      const t = createSource({ path, startAt }, { rotateWaitMs: 0, onLines: (l) => lines.push(...l), ...rest });
      sources.push(t);
      return { t, lines };
    },
  };
}

/** Sets a file's mtime to `seconds` after 2026-11-27T00:00:00Z, so "newer" never depends on the clock. */
export async function setMtime(path: string, seconds: number): Promise<void> {
  const t = Date.UTC(2026, 10, 27) / 1000 + seconds;
  await utimes(path, t, t);
}
