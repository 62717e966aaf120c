import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
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
