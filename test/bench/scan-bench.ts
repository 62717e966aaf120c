import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScanReport } from '../../src/logs/scan.js';
import { runMeasured } from './child.js';
import { generatePostfixLog, rowKey } from './gen-postfix-log.js';
import { figure, mib, note } from './report.js';

const SIZES = [1_000_000, 5_000_000];
const RUNS = 2;
const GOAL_LINES_PER_SECOND = 1_000_000;
const GOAL_RSS_BYTES = 100 * 1048576;
const MTAIL = process.env.MTAIL_BIN ?? '/usr/bin/mtail';

/** An mtail program that counts lines and rejection replies (it cannot tell providers or reasons apart). */
const MTAIL_PROGRAM = `counter lines_total
counter rejections_total

/$/ {
  lines_total++
}
/ said: [45]\\d\\d[ -]| refused to talk to me: [45]\\d\\d[ -]|NOQUEUE: reject: / {
  rejections_total++
}
`;

/**
 * `scan --json` on generated rejection-heavy Postfix logs of 1M and 5M lines: lines/s, peak RSS and counts
 * against the generator's, then mtail on the same file in the same run for comparison.
 */
export async function scanBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ptr-bench-scan-'));
  try {
    await writeFile(join(dir, 'rejections.mtail'), MTAIL_PROGRAM);
    for (const lines of SIZES) {
      const log = generatePostfixLog(lines, 20261128);
      const file = join(dir, `mail-${lines}.log`);
      await log.writeTo(file);
      const size = (await stat(file)).size;
      note(`generated ${lines.toLocaleString('en')} lines, ${mib(size)}, ${log.expected.rejections} rejections expected (${log.expected.ptr_related} PTR-related)`);
      for (let run = 1; run <= RUNS; run++) {
        const r = await runMeasured(['scan', '--format', 'auto', '--json', file]);
        if (r.code !== 0) throw new Error(`scan exited ${r.code}: ${r.stderr}`);
        const report = JSON.parse(r.stdout) as ScanReport;
        const got: Record<string, number> = {};
        for (const row of report.rejections) got[rowKey(row)] = (got[rowKey(row)] ?? 0) + row.count;
        const wrong = Object.keys({ ...got, ...log.expected.byKey }).filter((k) => got[k] !== log.expected.byKey[k]);
        if (report.files[0]?.lines !== lines || report.totals.rejections !== log.expected.rejections || report.totals.ptr_related !== log.expected.ptr_related || wrong.length > 0) {
          throw new Error(`scan counts differ from the generator's: totals ${JSON.stringify(report.totals)} vs ${log.expected.rejections}/${log.expected.ptr_related}; rows ${wrong.slice(0, 5).join('; ')}`);
        }
        const rate = lines / (r.wallMs / 1000);
        note(`run ${run}: counts exact (${report.totals.rejections} rejections, ${report.totals.ptr_related} PTR-related, ${report.rejections.length} rows)`);
        figure(`scan: ${lines.toLocaleString('en')} lines in ${(r.wallMs / 1000).toFixed(2)} s = ${Math.round(rate).toLocaleString('en')} lines/s (CPU ${(r.cpuMs / 1000).toFixed(2)} s)`, '>= 1,000,000/s', rate >= GOAL_LINES_PER_SECOND);
        figure(`scan peak RSS: ${mib(r.maxRssBytes)}`, `< ${mib(GOAL_RSS_BYTES)}`, r.maxRssBytes < GOAL_RSS_BYTES);
      }
      const m = await runMtail(dir, file);
      if (m.lines !== lines) throw new Error(`mtail counted ${m.lines} lines, expected ${lines}`);
      note(`mtail ${m.version} on the same file: ${(m.wallMs / 1000).toFixed(2)} s = ${Math.round(lines / (m.wallMs / 1000)).toLocaleString('en')} lines/s, peak RSS ${mib(m.maxRssBytes)}, ${m.rejections} reply lines matched (no provider, reason, dedupe or sender IP)`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs mtail --one_shot on a file with the counting program; throws when mtail is missing or fails. */
function runMtail(dir: string, file: string): Promise<{ version: string; lines: number; rejections: number; wallMs: number; maxRssBytes: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(MTAIL, ['--progs', dir, '--logs', file, '--one_shot', '--one_shot_format', 'prometheus', '--logtostderr'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let peak = 0;
    // The kernel's high-water mark of the child's RSS (Linux), read until it exits.
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024);
      } catch {
        // exited
      }
    }, 20);
    child.stdout.on('data', (c: Buffer) => void (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => void (err += c.toString('utf8')));
    child.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`cannot run mtail (${MTAIL}): ${e.code ?? e.message}; install it (Debian: apt-get install mtail) or set MTAIL_BIN`)));
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`mtail exited ${code}: ${err.slice(-500)}`));
      const value = (name: string): number => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(out)?.[1] ?? NaN);
      clearInterval(sampler);
      resolve({ version: /mtail version (\S+)/.exec(err)?.[1] ?? '', lines: value('lines_total'), rejections: value('rejections_total'), wallMs, maxRssBytes: peak });
    });
  });
}
