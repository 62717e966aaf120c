import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { logCounts, startServe, writeTailConfig } from './child.js';
import { generatePostfixLog } from './gen-postfix-log.js';
import { figure, mib, note } from './report.js';

const LINES = 3_000_000;
const IDLE_SECONDS = Number(process.env.CATCHUP_IDLE_SECONDS ?? 30);
const GOAL_RSS_BYTES = 150 * 1048576;

/** RSS and its high-water mark of a process, from /proc (Linux). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/**
 * `serve` catching up on a 3M-line Postfix log from the beginning: time to read it all, counts exact, RSS
 * once caught up and after idling (it must not grow while nothing happens).
 */
export async function catchupBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ptr-bench-catchup-'));
  const file = join(dir, 'mail.log');
  try {
    const log = generatePostfixLog(LINES, 11);
    await log.writeTo(file);
    const config = join(dir, 'config.yml');
    await writeTailConfig(config, file, 'beginning');
    const started = performance.now();
    const served = await startServe(config);
    try {
      const read = (): ReturnType<typeof logCounts> => logCounts(served);
      let state = await read();
      const deadline = performance.now() + 300_000;
      while (state.lines < LINES && performance.now() < deadline) {
        await sleep(100);
        state = await read();
      }
      const seconds = (performance.now() - started) / 1000;
      if (state.lines !== LINES) throw new Error(`serve read ${state.lines} of ${LINES} lines`);
      if (state.rejections !== log.expected.rejections) throw new Error(`serve counted ${state.rejections} rejections, expected ${log.expected.rejections}`);
      const caughtUp = memoryOf(served.pid);
      note(`serve read ${LINES.toLocaleString('en')} lines from the beginning in ${seconds.toFixed(2)} s (${Math.round(LINES / seconds).toLocaleString('en')} lines/s, start-up included); ${state.rejections} rejections = expected`);
      const samples: number[] = [];
      for (let i = 0; i < IDLE_SECONDS; i++) {
        await sleep(1000);
        samples.push(memoryOf(served.pid).rss);
      }
      await read();
      const idle = memoryOf(served.pid);
      figure(`serve RSS after catching up: ${mib(caughtUp.rss)} (peak while reading ${mib(caughtUp.peak)})`, `< ${mib(GOAL_RSS_BYTES)}`, caughtUp.rss < GOAL_RSS_BYTES);
      const highest = Math.max(...samples, idle.rss);
      figure(`serve RSS idle for ${IDLE_SECONDS} s: ${mib(idle.rss)} at the end, highest ${mib(highest)}`, 'flat (<= +5 %)', highest <= caughtUp.rss * 1.05);
    } finally {
      await served.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
