/**
 * Runs the benchmarks: every one, or those named on the command line (`npm run bench -- probe`).
 * Figures are printed, goals are not asserted; the exit code is 1 when a benchmark breaks (its results
 * are wrong or it throws), 2 for an unknown name.
 */
import { availableParallelism, loadavg } from 'node:os';
import { catchupBench } from './catchup-bench.js';
import { authBench } from './auth-bench.js';
import { dsnBench } from './dsn-bench.js';
import { probeBench } from './probe-bench.js';
import { scanBench } from './scan-bench.js';
import { runSoak } from './soak-bench.js';
import { tailBench } from './tail-bench.js';

/** Every benchmark by name; each prints its own figures and throws when its run breaks. */
const BENCHMARKS: Record<string, () => Promise<void>> = {
  probe: probeBench,
  scan: scanBench,
  dsn: dsnBench,
  tail: tailBench,
  catchup: catchupBench,
  soak: runSoak,
  auth: authBench,
};

async function main(names: string[]): Promise<number> {
  const unknown = names.filter((n) => !Object.hasOwn(BENCHMARKS, n));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
    return 2;
  }
  let failed = 0;
  for (const name of names.length > 0 ? names : Object.keys(BENCHMARKS)) {
    console.log(`== ${name} (node ${process.version}, ${process.platform}/${process.arch}, ${availableParallelism()} CPUs, load average ${loadavg()[0]!.toFixed(2)})`);
    try {
      await BENCHMARKS[name]!();
    } catch (error) {
      failed++;
      console.error(`benchmark ${name} FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
