import { PassThrough } from 'node:stream';
import { scanFiles, type ScanReport } from '../scan.js';
import type { LogFormat } from '../formats/index.js';
import { journalctlArgs, journalPath } from './journal-args.js';
import { journalEntryToLine } from './journal-entry.js';
import { JOURNAL_PERMISSION_HINT, journalProblem, lastLine } from './journal-stderr.js';
import { JournalctlProcess } from './journalctl-process.js';

/** Options of scanJournal. */
export interface ScanJournalOptions {
  /** A journal directory; empty for the system journal. */
  directory: string;
  /** Units to read; empty for the MTAs' default units. */
  units?: readonly string[];
  /** Only entries at or after this Unix time in milliseconds. */
  sinceMs?: number;
  format: LogFormat | 'auto';
  /** journalctl and any wrapper before it (default `['journalctl']`). */
  journalctl?: readonly string[];
}

/**
 * Reads the journal once (journalctl without --follow) and scans its entries as log lines, like
 * scanFiles; the report names the input `journal` or `journal:DIRECTORY`. Rejects with an Error when
 * journalctl cannot read the journal.
 */
export async function scanJournal(opts: ScanJournalOptions): Promise<ScanReport> {
  const stream = new PassThrough();
  const proc = new JournalctlProcess({
    command: opts.journalctl ?? ['journalctl'],
    args: journalctlArgs({ units: opts.units ?? [], directory: opts.directory, follow: false, start: 'beginning', sinceMs: opts.sinceMs }),
    onLines: (jsonLines) => {
      let text = '';
      for (const json of jsonLines) {
        const r = journalEntryToLine(json);
        if (r.kind === 'line') text += `${r.line}\n`;
      }
      if (text !== '') stream.write(text);
    },
  });
  const exited = proc.exited.then((exit) => {
    stream.end();
    return exit;
  });
  const [report, exit] = await Promise.all([scanFiles(['-'], { format: opts.format, stdin: stream }), exited]);
  const problem = exit.error !== null ? 'other' : journalProblem(exit.stderr);
  if (exit.code !== 0 || problem === 'permission') {
    const why = exit.error ?? (lastLine(exit.stderr) || `journalctl exited with ${exit.code ?? exit.signal}`);
    throw new Error(`cannot read the journal: ${why}${problem === 'permission' ? `; ${JOURNAL_PERMISSION_HINT}` : ''}`);
  }
  for (const f of report.files) f.path = journalPath(opts.directory);
  return report;
}
