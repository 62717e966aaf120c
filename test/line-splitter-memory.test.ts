import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';

const SPLITTER = pathToFileURL(fileURLToPath(new URL('../dist/logs/line-splitter.js', import.meta.url))).href;

/**
 * Keeps a 20-character piece of one line per 64 KiB chunk, 1,500 chunks long, in a process whose heap is
 * capped at 32 MB. If lines were views into their chunk's text, the pieces would keep ~94 MiB of chunks
 * alive and the process would die out of memory; as copies they keep ~60 KiB.
 */
test('a piece of a line kept for long keeps only its line, not the chunk it came in', () => {
  const script = `
    import { LineSplitter } from ${JSON.stringify(SPLITTER)};
    const line = 'Nov 27 00:00:00 mail postfix/qmgr[1234]: 1A2B3C: removed ' + 'x'.repeat(60) + '\\n';
    const chunk = Buffer.from(line.repeat(Math.ceil(65536 / line.length)).slice(0, 65536), 'latin1');
    const splitter = new LineSplitter();
    const kept = [];
    for (let i = 0; i < 1500; i++) {
      const lines = splitter.push(chunk);
      kept.push(lines[lines.length - 1].slice(16, 36));
    }
    console.log(kept.length, kept[0]);
  `;
  const r = spawnSync(process.execPath, ['--max-old-space-size=32', '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).not.toMatch(/heap out of memory/);
  expect(r.stdout.trim()).toBe('1500 mail postfix/qmgr[12');
});
