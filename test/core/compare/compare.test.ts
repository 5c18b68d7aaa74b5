import { describe, expect, it } from 'vitest';
import type { CompareModel } from '../../../src/shared/compare';
import {
  BASELINE_NAME,
  bestPerFrame,
  directionOf,
  meanOf,
  ranking,
  timelineData,
  worstFrames,
} from '../../../src/core/compare/metrics';
import { gridLayout, paneAt, wipeFraction, wipeX } from '../../../src/core/compare/layout';
import { model as fixtureModel } from '../../fixtures/compare-session';
import { colourise, colourMap, errorMap, quantile, sharedScale } from '../../../src/core/image/heatmap';

/** A model with these per-frame metrics (its mean from them), on the CPU, with no output files. */
const model = (name: string, psnr: (number | null)[], ssim: (number | null)[]): CompareModel =>
  fixtureModel(name, psnr.length, null, {
    provider: 'cpu',
    outputs: psnr.map(() => null),
    psnr,
    ssim,
    mean: { psnr: meanOf(psnr), ssim: meanOf(ssim) },
  });

describe('compare metrics', () => {
  const a = model('a', [30, 31, 29, 33], [0.9, 0.91, 0.88, 0.95]);
  const b = model('b', [32, 30, 34, 35], [0.92, 0.9, 0.94, 0.96]);
  const broken = {
    ...model('broken', [null, null, null, null], [null, null, null, null]),
    status: 'load_failed' as const,
  };

  it('ranks by mean PSNR, best first, with the gap to the best; models without metrics unranked', () => {
    const rows = ranking([a, broken, b]);
    expect(rows.map((r) => [r.name, r.rank])).toEqual([
      ['b', 1],
      ['a', 2],
      ['broken', null],
    ]);
    expect(rows[0]!.psnr).toBeCloseTo(32.75, 12);
    expect(rows[1]!.psnrDelta).toBeCloseTo(30.75 - 32.75, 12);
    expect(rows[2]).toMatchObject({ psnr: null, psnrDelta: null, frames: 0 });
  });

  it('lists each model’s worst frames and the best model per frame', () => {
    expect(worstFrames(a, 'psnr', 2)).toEqual([
      { index: 2, value: 29 },
      { index: 0, value: 30 },
    ]);
    expect(worstFrames(b, 'ssim', 1)).toEqual([{ index: 1, value: 0.9 }]);
    expect(bestPerFrame([a, b, broken], 'psnr', 4)).toEqual(['b', 'a', 'b', 'b']);
  });

  it('ranks by a metric model’s score in its direction, the input among the models, and finds worst frames by it', () => {
    // LPIPS-like: lower is better. b has the better PSNR, a the better (lower) score.
    const lp = { name: 'lpips', better: 'lower' as const, definition: '' };
    const sa = { ...a, scores: { lpips: [0.1, 0.2, 0.3, 0.2] } };
    const sb = { ...b, scores: { lpips: [0.3, 0.4, 0.2, null] } };
    const baseline = {
      psnr: [25, 25, 25, 25],
      ssim: [0.8, 0.8, 0.8, 0.8],
      scores: { lpips: [0.25, 0.25, 0.25, 0.25] },
      mean: { psnr: 25, ssim: 0.8 },
    };
    expect(directionOf('score:lpips', [lp])).toBe('lower');
    expect(directionOf('psnr', [lp])).toBe('higher');
    const byScore = ranking([sb, broken, sa], baseline, { by: 'score:lpips', better: 'lower' });
    expect(byScore.map((r) => [r.name, r.rank])).toEqual([
      ['a', 1],
      [BASELINE_NAME, 2],
      ['b', 3],
      ['broken', null],
    ]);
    expect(byScore[0]!.scores.lpips).toBeCloseTo(0.2, 12);
    expect(byScore[2]!.scores.lpips).toBeCloseTo(0.3, 12);
    // The gap to the best PSNR stays the gap to the best PSNR, whatever the order.
    expect(byScore[0]!.psnrDelta).toBeCloseTo(30.75 - 32.75, 12);
    expect(ranking([sb, sa], null, { by: 'score:lpips', better: 'higher' }).map((r) => r.name)).toEqual(['b', 'a']);
    // The worst frames of a lower-is-better score are its highest.
    expect(worstFrames(sa, 'score:lpips', 2, 'lower')).toEqual([
      { index: 2, value: 0.3 },
      { index: 1, value: 0.2 },
    ]);
    expect(bestPerFrame([sa, sb], 'score:lpips', 4, 'lower')).toEqual(['a', 'a', 'b', 'a']);
    expect(timelineData([sb], 'score:lpips', 4)[1]).toEqual([0.3, 0.4, 0.2, null]);
  });

  it('builds the timeline series with gaps', () => {
    const gappy = model('g', [30, null, 31, 32], [0.9, null, 0.9, 0.9]);
    expect(timelineData([a, gappy], 'psnr', 4)).toEqual([
      [0, 1, 2, 3],
      [30, 31, 29, 33],
      [30, null, 31, 32],
    ]);
    expect(meanOf([1, null, 3, Number.NaN])).toBe(2);
    expect(meanOf([null])).toBeNull();
  });
});

describe('compare layout', () => {
  it('chooses the grid that makes 16:9 panes largest', () => {
    const frame = { width: 1280, height: 720 };
    expect(gridLayout(3, { width: 1800, height: 500 }, frame, 0)).toMatchObject({ cols: 3, rows: 1 });
    expect(gridLayout(4, { width: 1200, height: 700 }, frame, 0)).toMatchObject({ cols: 2, rows: 2 });
    expect(gridLayout(8, { width: 1600, height: 900 }, frame, 0).cols).toBe(3);
    const g = gridLayout(3, { width: 1000, height: 800 }, frame, 10);
    for (const p of g.panes) {
      expect(p.x + p.width).toBeLessThanOrEqual(1000);
      expect(p.y + p.height).toBeLessThanOrEqual(800);
    }
  });

  it('finds the pane under a point, relative to it; gaps hit nothing', () => {
    const g = gridLayout(2, { width: 410, height: 100 }, { width: 200, height: 100 }, 10);
    expect(paneAt(g.panes, [250, 40])).toEqual({ index: 1, local: [40, 40] });
    expect(paneAt(g.panes, [205, 40])).toBeNull();
  });

  it('places the wipe divider and reads it back', () => {
    expect(wipeX(1000, 0.25)).toBe(250);
    expect(wipeX(1000, 7)).toBe(1000);
    expect(wipeFraction(1000, 333)).toBeCloseTo(0.333, 12);
    expect(wipeFraction(1000, -5)).toBe(0);
  });
});

describe('difference heatmaps', () => {
  const rgba = (values: number[][]): Uint8ClampedArray => new Uint8ClampedArray(values.flatMap((v) => [...v, 255]));

  it('measures the mean absolute RGB error per pixel, ignoring alpha', () => {
    const a = rgba([
      [10, 20, 30],
      [0, 0, 0],
    ]);
    const b = rgba([
      [13, 20, 24],
      [255, 255, 255],
    ]);
    b[3] = 0;
    expect([...errorMap(a, b, new Float32Array(2))]).toEqual([3, 255]);
  });

  it('puts the shared scale at a robust top of every map, on a readable step', () => {
    const m1 = new Float32Array(1000).fill(2);
    m1[0] = 200; // one outlier pixel does not set the scale
    const m2 = new Float32Array(1000).map((_, i) => (i < 990 ? 6 : 7));
    expect(quantile(m1, 0.995)).toBe(2);
    expect(sharedScale([m1, m2])).toBe(8);
    expect(sharedScale([new Float32Array(10)])).toBe(1);
  });

  it('colours from dark (no error) to bright (at the top of the scale and above)', () => {
    const lut = colourMap();
    const out = colourise(new Float32Array([0, 4, 8, 100]), 8, lut, new Uint8ClampedArray(16));
    expect([...out.slice(0, 4)]).toEqual([0, 0, 4, 255]);
    expect([...out.slice(8, 12)]).toEqual([252, 255, 164, 255]);
    expect([...out.slice(12, 16)]).toEqual([252, 255, 164, 255]);
    const lum = (i: number): number => out[i]! + out[i + 1]! + out[i + 2]!;
    expect(lum(4)).toBeGreaterThan(lum(0));
    expect(lum(8)).toBeGreaterThan(lum(4));
  });
});

describe('the baseline row', () => {
  it('ranks the input with the models and gives each model its gain over it, frame by frame', () => {
    const a = model('a', [30, 31, null], [0.9, 0.92, null]);
    const b = model('b', [20, 21, 22], [0.5, 0.6, 0.7]);
    const baseline = { psnr: [24, 25, 26], ssim: [0.6, 0.62, 0.64], scores: {}, mean: { psnr: 25, ssim: 0.62 } };
    const rows = ranking([a, b], baseline);
    expect(rows.map((r) => [r.name, r.rank, r.baseline])).toEqual([
      ['a', 1, false],
      [BASELINE_NAME, 2, true],
      ['b', 3, false],
    ]);
    // a: frames 0 and 1 only (frame 2 has no output): (6 + 6) / 2 dB, (0.30 + 0.30) / 2.
    expect(rows[0]!.gain!.psnr).toBeCloseTo(6, 12);
    expect(rows[0]!.gain!.ssim).toBeCloseTo(0.3, 12);
    expect(rows[2]!.gain!.psnr).toBeCloseTo(-4, 12);
    expect(rows[1]!.gain).toBeNull();
    expect(ranking([a, b]).every((r) => !r.baseline && r.gain === null)).toBe(true);
  });
});
