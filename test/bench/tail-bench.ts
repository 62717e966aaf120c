import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { logCounts, startServe, writeTailConfig } from './child.js';
import { generatePostfixLog } from './gen-postfix-log.js';
import { figure, note } from './report.js';

const LINES = 1_000_000;
const RATE = 200_000;
const BATCH_MS = 50;

/** Appends a generated Postfix log at 200,000 lines/s while `serve` tails it; checks it keeps up and counts exactly. */
export async function tailBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ptr-bench-tail-'));
  const file = join(dir, 'mail.log');
  await writeFile(file, '');
  const config = join(dir, 'config.yml');
  await writeTailConfig(config, file, 'end');
  const served = await startServe(config);
  try {
    const log = generatePostfixLog(LINES, 7);
    const lines = [...log.lines()];
    const read = (): ReturnType<typeof logCounts> => logCounts(served);
    const started = performance.now();
    let written = 0;
    let maxLag = 0;
    const perBatch = (RATE * BATCH_MS) / 1000;
    while (written < lines.length) {
      const due = Math.min(lines.length, Math.round(((performance.now() - started) / 1000) * RATE) + perBatch);
      if (due > written) {
        await appendFile(file, `${lines.slice(written, due).join('\n')}\n`);
        written = due;
      }
      if (written % (perBatch * 10) < perBatch) maxLag = Math.max(maxLag, written - (await read()).lines);
      await sleep(BATCH_MS);
    }
    const writeSeconds = (performance.now() - started) / 1000;
    let state = await read();
    const deadline = performance.now() + 30_000;
    while (state.lines < LINES && performance.now() < deadline) {
      await sleep(100);
      state = await read();
    }
    const caughtUp = (performance.now() - started) / 1000;
    if (state.lines !== LINES) throw new Error(`serve read ${state.lines} of ${LINES} lines`);
    if (state.rejections !== log.expected.rejections) throw new Error(`serve counted ${state.rejections} rejections, expected ${log.expected.rejections}`);
    const appendRate = LINES / writeSeconds;
    note(`appended ${LINES} lines in ${writeSeconds.toFixed(2)} s (${Math.round(appendRate).toLocaleString('en')} lines/s); serve had read all ${caughtUp.toFixed(2)} s after the start; largest backlog seen ${maxLag.toLocaleString('en')} lines`);
    note(`rejections counted while tailing: ${state.rejections} = expected`);
    figure(`tail: kept up with ${Math.round(appendRate).toLocaleString('en')} appended lines/s (done ${(caughtUp - writeSeconds).toFixed(2)} s after the writer)`, '>= 200,000/s', appendRate >= RATE * 0.95 && caughtUp - writeSeconds < 1);
  } finally {
    await served.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
