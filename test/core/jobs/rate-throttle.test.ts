import { describe, expect, it } from 'vitest';
import { RateEstimator } from '../../../src/core/jobs/rate';
import { Throttle } from '../../../src/core/jobs/throttle';

describe('RateEstimator', () => {
  it('measures items per second over its window of active time', () => {
    const r = new RateEstimator(10_000);
    expect(r.rate()).toBeNull();
    for (let i = 0; i <= 20; i++) r.record(i * 500, i); // 2 items/s
    expect(r.rate()).toBeCloseTo(2, 5);
    expect(r.eta(10)).toBeCloseTo(5, 5);
    // Speed up to 10 items/s: the old samples fall out of the 10 s window.
    for (let i = 1; i <= 200; i++) r.record(10_000 + i * 100, 20 + i);
    expect(r.rate()).toBeCloseTo(10, 1);
  });

  it('has no ETA without a rate, and 0 when nothing remains', () => {
    const r = new RateEstimator();
    expect(r.eta(5)).toBeNull();
    expect(r.eta(0)).toBe(0);
  });
});

describe('Throttle', () => {
  it('lets at most one emission through per interval, forced ones always', () => {
    let now = 0;
    const t = new Throttle(100, () => now);
    let emitted = 0;
    for (now = 0; now < 1000; now += 7) if (t.take()) emitted++;
    expect(emitted).toBeLessThanOrEqual(10);
    expect(emitted).toBeGreaterThanOrEqual(9);
    expect(t.take(true)).toBe(true);
    expect(t.take()).toBe(false);
    expect(t.wait()).toBe(100);
  });
});
