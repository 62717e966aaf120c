import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { sourceHarness } from './support/sources.js';

const { follow } = sourceHarness('ptr stdin ');

describe('stdin source', () => {
  it('reads a stream line by line, open while it is open, last line flushed at its end', async () => {
    const stdin = new PassThrough();
    const { t, lines } = follow('-', { stdin });
    await t.poll();
    expect(t.stats).toMatchObject({ open: true, currentFile: '-' });
    stdin.write('a\nb');
    await t.poll();
    expect(lines).toEqual(['a']);
    stdin.write('c\r\n');
    await t.poll();
    expect(lines).toEqual(['a', 'bc']);
    stdin.end('last');
    await t.poll();
    expect(lines).toEqual(['a', 'bc', 'last']);
    expect(t.stats).toMatchObject({ open: false, currentFile: null, lines: 3, bytes: 10 });
  });
});
