import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPaintTimer,
  FIRST_PAINT,
  OPEN_MARK,
  PREVIEW_PAINT,
} from '../../../../src/renderer/features/review/paint-timing';

const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

afterEach(() => {
  performance.clearMarks();
  performance.clearMeasures();
});

describe('the editor’s paint timer', () => {
  it('measures the first paint and the preview paint from opening the image, on the performance timeline', () => {
    const timer = createPaintTimer(performance);
    timer.open('k1');
    busy(5);
    expect(timer.wants('k1', 'first')).toBe(true);
    const first = timer.painted('k1', 'first')!;
    busy(5);
    const both = timer.painted('k1', 'preview')!;
    expect(first.first).toBeGreaterThanOrEqual(5);
    expect(both.first).toBe(first.first);
    expect(both.preview!).toBeGreaterThanOrEqual(first.first! + 5);
    const [m] = performance.getEntriesByName(PREVIEW_PAINT);
    expect(m?.duration).toBe(both.preview);
    expect((m as PerformanceMeasure).detail).toEqual({ key: 'k1' });
    expect(performance.getEntriesByName(FIRST_PAINT)).toHaveLength(1);
  });

  it('counts a preview painted first as the first paint too, and each paint once', () => {
    const timer = createPaintTimer(performance);
    timer.open('k1');
    const t = timer.painted('k1', 'preview')!;
    expect(t.first).toBe(t.preview);
    expect(timer.wants('k1', 'first')).toBe(false);
    expect(timer.painted('k1', 'preview')).toBeNull();
    expect(timer.painted('k1', 'first')).toBeNull();
  });

  it('measures only the image open now, and keeps only its entries', () => {
    const timer = createPaintTimer(performance);
    timer.open('k1');
    timer.painted('k1', 'preview');
    timer.open('k2');
    expect(timer.painted('k1', 'first')).toBeNull();
    expect(performance.getEntriesByName(PREVIEW_PAINT)).toHaveLength(0);
    expect(performance.getEntriesByName(OPEN_MARK)).toHaveLength(1);
    expect(timer.painted('k2', 'first')?.first).toBeGreaterThanOrEqual(0);
    expect(createPaintTimer(performance).painted('k2', 'first')).toBeNull();
  });
});
