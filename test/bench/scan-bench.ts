import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScanReport } from '../../src/logs/scan.js';
import { runMeasured } from './child.js';
import { generatePostfixLog, rowKey } from './gen-postfix-log.js';
import { figure, mib, note } from './report.js';

const LINES = 1_000_000;

/** `scan --json` on a generated 1,000,000-line Postfix log: lines/s, peak RSS, counts against the expected ones. */
export async function scanBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ptr-bench-scan-'));
  try {
    const log = generatePostfixLog(LINES, 20261128);
    const file = join(dir, 'mail.log');
    await log.writeTo(file);
    const size = (await stat(file)).size;
    note(`generated ${LINES} lines, ${mib(size)}, ${log.expected.rejections} rejections expected (${log.expected.ptr_related} PTR-related)`);
    for (let run = 1; run <= 3; run++) {
      const r = await runMeasured(['scan', '--format', 'auto', '--json', file]);
      if (r.code !== 0) throw new Error(`scan exited ${r.code}: ${r.stderr}`);
      const report = JSON.parse(r.stdout) as ScanReport;
      const got: Record<string, number> = {};
      for (const row of report.rejections) got[rowKey(row)] = (got[rowKey(row)] ?? 0) + row.count;
      const wrong = Object.keys({ ...got, ...log.expected.byKey }).filter((k) => got[k] !== log.expected.byKey[k]);
      if (report.files[0]?.lines !== LINES || report.totals.rejections !== log.expected.rejections || report.totals.ptr_related !== log.expected.ptr_related || wrong.length > 0) {
        throw new Error(`scan counts differ from the generator's: totals ${JSON.stringify(report.totals)} vs ${log.expected.rejections}/${log.expected.ptr_related}; rows ${wrong.slice(0, 5).join('; ')}`);
      }
      const rate = LINES / (r.wallMs / 1000);
      note(`run ${run}: counts exact (${report.totals.rejections} rejections, ${report.totals.ptr_related} PTR-related, ${report.rejections.length} rows)`);
      figure(`scan: ${LINES} lines in ${(r.wallMs / 1000).toFixed(2)} s = ${Math.round(rate).toLocaleString('en')} lines/s (whole CLI process)`, '>= 1,000,000/s', rate >= 1_000_000);
      figure(`scan peak RSS: ${mib(r.maxRssBytes)}`, '< 100 MiB', r.maxRssBytes < 100 * 1048576);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
