/** Small helpers shared by the benchmarks: RSS sampling, statistics and the printed figures. */

/** Peak and final resident set size of this process, in bytes. */
export interface RssFigures {
  /** Highest process.memoryUsage.rss() seen by the sampler. */
  sampledPeak: number;
  /** The kernel's high-water mark (getrusage ru_maxrss), which also catches peaks between samples. */
  kernelPeak: number;
  final: number;
}

/** Samples process.memoryUsage.rss() every intervalMs until stop() is called. */
export function sampleRss(intervalMs = 50): { stop(): RssFigures } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const final = process.memoryUsage.rss();
      return { sampledPeak: Math.max(peak, final), kernelPeak: process.resourceUsage().maxRSS * 1024, final };
    },
  };
}

/** Times an async call in milliseconds. */
export async function timeMs<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Bytes as MiB with one decimal. */
export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

/** Milliseconds with no decimals below 10 s. */
export const ms = (value: number): string => `${value.toFixed(0)} ms`;

/** Prints one figure line with its goal and PASS/MISS, aligned for reading. */
export function figure(text: string, goal: string, met: boolean): void {
  console.log(`  ${text.padEnd(72)} goal ${goal.padEnd(18)} ${met ? 'PASS' : 'MISS'}`);
}

/** Prints an informational line (no goal). */
export function note(text: string): void {
  console.log(`  ${text}`);
}
