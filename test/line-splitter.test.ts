import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE_CHARS } from '../src/logs/line-splitter.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('LineSplitter', () => {
  it('splits LF and CRLF lines and keeps the partial last line', () => {
    const s = new LineSplitter();
    expect(s.push(b('one\ntwo\r\nthr'))).toEqual(['one', 'two']);
    expect(s.pendingChars).toBe(3);
    expect(s.push(b('ee\n'))).toEqual(['three']);
    expect(s.push(b('\n'))).toEqual(['']);
  });

  it('joins a CR and its LF that arrive in different chunks', () => {
    const s = new LineSplitter();
    expect(s.push(b('abc\r'))).toEqual([]);
    expect(s.push(b('\ndef\n'))).toEqual(['abc', 'def']);
  });

  it('keeps a lone CR inside a line', () => {
    expect(new LineSplitter().push(b('a\rb\n'))).toEqual(['a\rb']);
  });

  it('decodes a UTF-8 character split across chunks', () => {
    const s = new LineSplitter();
    const bytes = b('é€\n');
    expect(s.push(bytes.subarray(0, 1))).toEqual([]);
    expect(s.push(bytes.subarray(1, 4))).toEqual([]);
    expect(s.push(bytes.subarray(4))).toEqual(['é€']);
  });

  it('reads bytes that are not UTF-8 as Windows-1252 (0xE9 é, 0x93 0x94 quotes, 0x80 euro) and goes on', () => {
    const s = new LineSplitter();
    const lines = s.push(Buffer.concat([b('caf'), Buffer.from([0xe9]), b(' ok '), Buffer.from([0x93, 0x71, 0x94, 0x20, 0x80]), b('\nnext\n')]));
    expect(lines).toEqual(['caf\u00e9 ok \u201cq\u201d \u20ac', 'next']);
  });

  it('keeps a UTF-8 character cut by a chunk boundary whole, also after Windows-1252 bytes and before ASCII', () => {
    const text = 'Réception – ok 😀 Grüße\n';
    const utf8 = Buffer.from(text, 'utf8');
    for (let cut = 1; cut < utf8.length; cut++) {
      const s = new LineSplitter();
      expect([...s.push(utf8.subarray(0, cut)), ...s.push(utf8.subarray(cut)), ...s.flush()]).toEqual([text.trimEnd()]);
    }
    const mixed = new LineSplitter();
    const euro = Buffer.from('€', 'utf8');
    expect(mixed.push(Buffer.concat([Buffer.from([0x41, 0xe9, 0x20]), euro.subarray(0, 2)]))).toEqual([]);
    expect(mixed.push(Buffer.concat([euro.subarray(2), b(' x\n')]))).toEqual(['A\u00e9 \u20ac x']);
  });

  it('flush returns the partial last line once, reset drops it', () => {
    const s = new LineSplitter();
    s.push(b('a\nrest'));
    expect(s.flush()).toEqual(['rest']);
    expect(s.flush()).toEqual([]);
    s.push(b('dropped'));
    s.reset();
    expect(s.push(b('fresh\n'))).toEqual(['fresh']);
  });

  it('cuts a line longer than the limit and counts it once', () => {
    const s = new LineSplitter(10);
    expect(s.push(b('0123456789ABCDEF\nok\n'))).toEqual(['0123456789', 'ok']);
    expect(s.truncated).toBe(1);
  });

  it('cuts a long line arriving in pieces, emits its head once and skips the rest', () => {
    const s = new LineSplitter(10);
    expect(s.push(b('01234'))).toEqual([]);
    expect(s.push(b('56789AB'))).toEqual(['0123456789']);
    expect(s.push(b('CDEFGHIJ'))).toEqual([]);
    expect(s.push(b('KL\nnext\n'))).toEqual(['next']);
    expect(s.truncated).toBe(1);
  });

  it('does not count a line of exactly the limit followed by CRLF', () => {
    const s = new LineSplitter(10);
    expect(s.push(b('0123456789\r\n'))).toEqual(['0123456789']);
    expect(s.push(b('0123456789\r'))).toEqual([]);
    expect(s.push(b('\n'))).toEqual(['0123456789']);
    expect(s.truncated).toBe(0);
  });

  it('defaults to 64 KiB lines', () => {
    const s = new LineSplitter();
    const lines = s.push(b(`${'x'.repeat(70_000)}\nshort\n`));
    expect(MAX_LINE_CHARS).toBe(65_536);
    expect(lines.map((l) => l.length)).toEqual([65_536, 5]);
    expect(s.truncated).toBe(1);
  });
});

describe('LineSplitter ASCII fast path', () => {
  it('decodes a character split across chunks even when the next chunk is ASCII', () => {
    const s = new LineSplitter();
    const e = Buffer.from('caf\u00e9\n', 'utf8'); // é is 0xC3 0xA9
    expect(s.push(e.subarray(0, 4))).toEqual([]);
    expect(s.push(e.subarray(4, 5))).toEqual([]); // 0xA9 alone is not ASCII
    expect(s.push(Buffer.from('\nplain\n'))).toEqual(['caf\u00e9', 'plain']);
    const t = new LineSplitter();
    expect(t.push(Buffer.from([0x61, 0xc3]))).toEqual([]);
    expect(t.push(Buffer.from('\n'))).toEqual(['a\u00c3']); // a lone 0xC3 is Windows-1252 Ã
    expect(t.push(Buffer.from('b\n'))).toEqual(['b']);
  });
});
