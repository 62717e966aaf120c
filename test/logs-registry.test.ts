import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/schema.js';
import { createParser, FORMAT_CHOICES, FORMAT_NAMES, formatChoices, formatTable, SCAN_FORMAT_CHOICES } from '../src/logs/formats/index.js';

describe('format registry', () => {
  it('names every format once, with auto first in the choices', () => {
    expect(new Set(FORMAT_NAMES).size).toBe(FORMAT_NAMES.length);
    expect(FORMAT_CHOICES[0]).toBe('auto');
    expect(formatChoices).toBe(FORMAT_CHOICES.join(', '));
    for (const f of FORMAT_CHOICES) expect(SCAN_FORMAT_CHOICES).toContain(f);
    for (const f of FORMAT_NAMES) expect(typeof createParser(f).push).toBe('function');
  });

  it('the config schema takes exactly the registry\'s formats', () => {
    for (const format of FORMAT_CHOICES) {
      expect(configSchema().safeParse({ logs: [{ path: '/var/log/mail.log', format }] }).success).toBe(true);
    }
    const bad = configSchema().safeParse({ logs: [{ path: '/var/log/mail.log', format: 'qmail' }] });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain(`must be one of ${formatChoices}`);
  });

  it('README.md\'s format table is the registry\'s (UPDATE_README=1 rewrites it)', async () => {
    const url = new URL('../README.md', import.meta.url);
    let readme = await readFile(url, 'utf8');
    if (process.env.UPDATE_README === '1') {
      const start = readme.indexOf('| format | what is read |');
      readme = `${readme.slice(0, start)}${formatTable()}${readme.slice(readme.indexOf('\n\n', start))}`;
      await writeFile(url, readme);
    }
    expect(readme).toContain(`${formatTable()}\n`);
  });
});
