import { describe, expect, it } from 'vitest';
import { formatRate } from '../../../src/core/format';
import { RateEstimator } from '../../../src/core/jobs/rate';
import { Throttle } from '../../../src/core/jobs/throttle';

describe('RateEstimator', () => {
  it('measures items per second over its window of active time', () => {
    const r = new RateEstimator(10_000, 256, 0);
    expect(r.rate()).toBeNull();
    for (let i = 0; i <= 20; i++) r.record(i * 500, i); // 2 items/s
    expect(r.rate()).toBeCloseTo(2, 5);
    expect(r.eta(10)).toBeCloseTo(5, 5);
    // Speed up to 10 items/s: the old samples fall out of the 10 s window.
    for (let i = 1; i <= 200; i++) r.record(10_000 + i * 100, 20 + i);
    expect(r.rate()).toBeCloseTo(10, 1);
  });

  it('smooths: a burst of items done at once moves the rate a little, not tenfold', () => {
    const raw = new RateEstimator(10_000, 256, 0);
    const smooth = new RateEstimator();
    const both = (t: number, done: number) => [raw, smooth].forEach((r) => r.record(t, done));
    for (let i = 0; i <= 40; i++) both(i * 500, i); // 2 items/s for 20 s
    expect(smooth.rate()).toBeCloseTo(2, 5);
    both(20_500, 40 + 100); // 100 reused frames reported at once
    expect(raw.rate()).toBeGreaterThan(10);
    expect(smooth.rate()!).toBeLessThan(3);
    // A steady new rate is reached after a few time constants.
    for (let i = 1; i <= 240; i++) both(20_500 + i * 500, 140 + 4 * i); // 8 items/s for 2 min
    expect(smooth.rate()).toBeCloseTo(8, 1);
    smooth.reset();
    expect(smooth.rate()).toBeNull();
  });

  it('formats every rate per second, with the digits its size needs', () => {
    expect([12.4, 2.46, 0.314, 0.0421, 0].map((v) => formatRate(v, 'frames'))).toEqual([
      '12 frames/s',
      '2.5 frames/s',
      '0.31 frames/s',
      '0.042 frames/s',
      '0 frames/s',
    ]);
    expect(formatRate(null)).toBe('—');
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
