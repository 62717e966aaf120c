import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { NODE_FLAGS } from '../src/node-flags.js';

const root = new URL('../', import.meta.url);

describe('the V8 flags every way of starting ptr-exporter passes', () => {
  // test/install.test.ts runs the installed command through that shebang line; test/release.test.ts finds them in the executables.
  it('are on the shebang line of the command and in npm start', () => {
    expect(readFileSync(new URL('src/cli.ts', root), 'utf8').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toContain(`node ${NODE_FLAGS.join(' ')} dist/cli.js serve`);
  });
});

describe('the collection after a large config is parsed (--expose-gc)', () => {
  const saved = (globalThis as { gc?: () => void }).gc;
  afterEach(() => {
    (globalThis as { gc?: () => void }).gc = saved;
  });

  it('runs before validation and, memory-reducing, after it for a config of 64 KiB or more; not for a small one', () => {
    const gc = vi.fn();
    (globalThis as { gc?: () => void }).gc = gc;
    const targets = Array.from({ length: 3000 }, (_, i) => `  - { ip: 2001:db8::${i.toString(16)}, helo: mta-${i}.example.com }`);
    const large = ['limits:', '  max_targets: 3000', 'targets:', ...targets, ''].join('\n');
    expect(large.length).toBeGreaterThan(64 * 1024);
    expect(parseConfig(large).targets).toHaveLength(3000);
    expect(gc.mock.calls).toEqual([[], [], [{ type: 'major', execution: 'sync', flavor: 'last-resort' }]]);
    parseConfig('targets:\n  - ip: 192.0.2.25\n');
    expect(gc).toHaveBeenCalledTimes(3);
  });

  it('is skipped without --expose-gc', () => {
    (globalThis as { gc?: () => void }).gc = undefined;
    const targets = Array.from({ length: 3000 }, (_, i) => `  - ip: 2001:db8::${i.toString(16)}`);
    expect(parseConfig(['limits:', '  max_targets: 3000', 'targets:', ...targets, ''].join('\n')).targets).toHaveLength(3000);
  });
});
