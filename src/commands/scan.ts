import { SingleBar } from 'cli-progress';
import { formatScanTable, scanFiles } from '../logs/scan.js';
import { scanJournal } from '../logs/sources/journal-scan.js';
import { FORMAT_CHOICES, type LogFormat, type ScanFormat } from '../logs/formats/index.js';

/** Options of `scan`; `journal` reads the systemd journal (a directory, or '' for the system journal) instead of files. */
export interface ScanOptions { format: ScanFormat | 'auto'; json: boolean; journal?: { directory: string; sinceMs?: number } }

/** `scan FILE...` or `scan --journal`: reads the files (or the journal) once and prints the rejection summary; exit 0. */
export async function scanCommand(files: string[], opts: ScanOptions, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const journalFormat = (FORMAT_CHOICES as readonly string[]).includes(opts.format) ? opts.format as LogFormat | 'auto' : null;
  if (opts.journal && journalFormat === null) {
    err(`error: --format ${opts.format} reads files, not the journal: use one of ${FORMAT_CHOICES.join(', ')} with --journal\n`);
    return 2;
  }
  const bar = process.stderr.isTTY && !opts.journal ? new SingleBar({ stream: process.stderr, format: 'scanning [{bar}] {percentage}% {value}/{total} bytes', hideCursor: true }) : null;
  bar?.start(1, 0);
  try {
    const onProgress = bar ? (done: number, total: number): void => { bar.setTotal(Math.max(total, 1)); bar.update(done); } : undefined;
    const report = await (opts.journal ? scanJournal({ ...opts.journal, format: journalFormat ?? 'auto' }) : scanFiles(files, { format: opts.format, onProgress }));
    bar?.stop();
    out(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatScanTable(report));
    return 0;
  } catch (e) {
    bar?.stop();
    err(`error: ${(e as Error).message}\n`);
    return 2;
  }
}
