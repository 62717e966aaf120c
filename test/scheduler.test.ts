import { describe, expect, it } from 'vitest';
import { CycleScheduler } from '../src/probe/scheduler.js';

describe('CycleScheduler', () => {
  it('never overlaps cycles: a tick during a running cycle is skipped and reported', async () => {
    let release!: () => void;
    let runs = 0;
    const skipped: number[] = [];
    const s = new CycleScheduler(() => {
      runs++;
      return new Promise<void>((done) => { release = done; });
    }, () => skipped.push(runs), () => {});
    const first = s.tick();
    const second = s.tick();
    expect(runs).toBe(1);
    expect(skipped).toEqual([1]);
    release();
    await Promise.all([first, second]);
    const third = s.tick();
    expect(runs).toBe(2);
    release();
    await third;
  });

  it('reports a failed cycle instead of throwing, and runs the next one', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const s = new CycleScheduler(async () => {
      if (fail) throw new Error('boom');
    }, () => {}, (e) => errors.push(e));
    await expect(s.tick()).resolves.toBeUndefined();
    expect(String(errors[0])).toContain('boom');
    fail = false;
    await s.tick();
    expect(errors).toHaveLength(1);
  });

  it('knows the period of its schedule and stops cleanly', async () => {
    let runs = 0;
    const s = new CycleScheduler(async () => { runs++; }, () => {}, () => {});
    expect(s.intervalSeconds()).toBeNull();
    s.start('*/5 * * * *', true);
    expect(s.intervalSeconds()).toBe(300);
    s.start('*/10 * * * * *', false);
    expect(s.intervalSeconds()).toBe(10);
    await s.stop();
    expect(runs).toBe(1);
    expect(s.intervalSeconds()).toBeNull();
  });
});
