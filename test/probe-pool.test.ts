import { describe, expect, test } from 'vitest';
import { setImmediate as tick } from 'node:timers/promises';
import { mapConcurrent } from '../src/probe/pool.js';

describe('mapConcurrent', () => {
  test('keeps the input order and never exceeds the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const items = Array.from({ length: 50 }, (_, i) => i);
    const out = await mapConcurrent(items, 7, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      for (let k = 0; k < (i * 7) % 5; k++) await tick(); // finish out of order
      inFlight--;
      return i * 2;
    });
    expect(out).toEqual(items.map((i) => i * 2));
    expect(peak).toBe(7);
  });

  test('an empty list and a limit below 1', async () => {
    expect(await mapConcurrent([], 4, async (x: number) => x)).toEqual([]);
    let inFlight = 0;
    let peak = 0;
    const out = await mapConcurrent([1, 2, 3], 0, async (x) => {
      peak = Math.max(peak, ++inFlight);
      await tick();
      inFlight--;
      return x;
    });
    expect(out).toEqual([1, 2, 3]);
    expect(peak).toBe(1);
  });

  test('an abort stops new calls and rejects with the reason', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const run = mapConcurrent([1, 2, 3, 4, 5, 6], 2, async (x) => {
      started.push(x);
      if (x === 2) controller.abort(new Error('stop'));
      await tick();
      return x;
    }, controller.signal);
    await expect(run).rejects.toThrow('stop');
    expect(started).toEqual([1, 2]);
  });

  test('a rejection of fn rejects the whole map', async () => {
    await expect(mapConcurrent([1, 2, 3], 2, async (x) => {
      if (x === 2) throw new Error('boom');
      return x;
    })).rejects.toThrow('boom');
  });
});
