import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyModel,
  brier,
  calibrate,
  ece,
  fitCalibration,
  fitIsotonic,
  fitLogistic,
  foldOf,
  METHODS,
  methodOfRecord,
  observationsId,
  probabilityRight,
  reliability,
  spreadOf,
  type CalibrationInput,
  type Observation,
} from '../../../src/core/keypoints/calibration';
import { CALIBRATION } from '../../../src/core/keypoints/calibration-table';
import type { LabelRecord } from '../../../src/shared/labels';
import { repoRoot } from '../../helpers';

const input = (over: Partial<CalibrationInput> = {}): CalibrationInput => ({
  method: 'pose',
  raw: 0.8,
  spread: 1,
  asymmetry: 0.01,
  inliers: null,
  ncc: null,
  ...over,
});

describe('pool-adjacent-violators', () => {
  it('pools a violating pair and merges equal neighbours', () => {
    expect(fitIsotonic([1, 2, 3, 4], [1, 0, 1, 1])).toEqual({ x: [1, 3], p: [0.5, 1] });
  });

  it('pools equal x first, whatever their order', () => {
    expect(fitIsotonic([0.5, 0.2, 0.5], [1, 0, 0])).toEqual({ x: [0.2, 0.5], p: [0, 0.5] });
  });

  it('pools back across several blocks', () => {
    // 1 then two zeros: the three pool to their mean.
    expect(fitIsotonic([1, 2, 3, 4, 5], [0, 1, 0, 0, 1])).toEqual({ x: [1, 2, 5], p: [0, 1 / 3, 1] });
  });

  it('is non-decreasing and least-squares on a pseudo-random sample', () => {
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const xs = Array.from({ length: 300 }, rnd);
    const ys: number[] = xs.map((x) => (rnd() < x ? 1 : 0));
    const f = fitIsotonic(xs, ys);
    for (let i = 1; i < f.p.length; i++) {
      expect(f.p[i]!).toBeGreaterThan(f.p[i - 1]!);
      expect(f.x[i]!).toBeGreaterThan(f.x[i - 1]!);
    }
    // The fitted values average to the data's mean (every block is a mean of its points).
    const fitted = xs.map((x) => applyModel({ kind: 'isotonic', ...f }, input({ raw: x })));
    const unclamped = fitted.reduce((a, b) => a + b, 0) / xs.length;
    expect(unclamped).toBeCloseTo(ys.reduce((a, b) => a + b, 0) / ys.length, 1);
  });

  it('maps a score to the step it falls in, the first below the first edge', () => {
    const m = { kind: 'isotonic' as const, x: [0.2, 0.5], p: [0.1, 0.6] };
    expect(applyModel(m, input({ raw: 0.1 }))).toBe(0.1);
    expect(applyModel(m, input({ raw: 0.2 }))).toBe(0.1);
    expect(applyModel(m, input({ raw: 0.49 }))).toBe(0.1);
    expect(applyModel(m, input({ raw: 0.5 }))).toBe(0.6);
    expect(applyModel(m, input({ raw: 1 }))).toBe(0.6);
  });
});

describe('logistic regression', () => {
  it('fits a symmetric problem with no intercept and a positive weight', () => {
    const f = fitLogistic([[-1], [-1], [1], [1], [-1], [1]], [0, 0, 1, 1, 1, 0], 0.1);
    expect(f.intercept).toBeCloseTo(0, 6);
    expect(f.weights[0]!).toBeGreaterThan(0);
    expect(f.mean).toEqual([0]);
    expect(f.scale).toEqual([1]);
  });

  it('reproduces the observed rate when the feature is constant', () => {
    const f = fitLogistic([[2], [2], [2], [2]], [1, 1, 1, 0]);
    expect(1 / (1 + Math.exp(-f.intercept))).toBeCloseTo(0.75, 6);
  });
});

describe('scores', () => {
  it('bins predictions: count, mean predicted, observed', () => {
    const bins = reliability([0.05, 0.15, 0.95, 1], [0, 1, 1, 0]);
    expect(bins).toHaveLength(10);
    expect(bins[0]).toEqual({ lo: 0, hi: 0.1, count: 1, meanPredicted: 0.05, observed: 0 });
    expect(bins[1]).toMatchObject({ count: 1, meanPredicted: 0.15, observed: 1 });
    expect(bins[9]).toMatchObject({ count: 2, meanPredicted: 0.975, observed: 0.5 });
    expect(ece([0.05, 0.15, 0.95, 1], [0, 1, 1, 0])).toBeCloseTo((0.05 + 0.85 + 2 * 0.475) / 4, 6);
    expect(brier([1, 0], [1, 1])).toBe(0.5);
  });

  it('spread: the points’ size over the detector box’s', () => {
    const pts = { top: [50, 0], bottom: [50, 100], left: [0, 50], right: [100, 50] } as const;
    expect(spreadOf(pts, [0, 0, 100, 100])).toBe(1);
    expect(spreadOf(pts, [0, 0, 1000, 1000])).toBe(0.1);
    expect(spreadOf(pts, null)).toBeNull();
  });
});

describe('fitCalibration', () => {
  const obs = (method: Observation['method'], n: number, right: (i: number) => boolean, group = 'g'): Observation[] =>
    Array.from({ length: n }, (_, i) => ({
      ...input({ method, raw: i / n }),
      image: `${method}/${i}`,
      group: `${group}${i % 7}`,
      errorPct: right(i) ? 0.5 : 10,
    }));

  it('covers every method, borrowing for those without data, and keeps held-out predictions', () => {
    const data = [...obs('homography', 80, (i) => i > 20), ...obs('pose', 40, (i) => i % 10 === 0)];
    const fit = fitCalibration(data, 'test');
    expect(Object.keys(fit.table.methods).sort()).toEqual([...METHODS].sort());
    expect(fit.table.methods.homography.source).toBe('own');
    expect(fit.table.methods.box.source).toBe('pose+pose-fallback+box+obb');
    expect(fit.table.methods['homography-unsure'].source).toBe('homography+homography-unsure');
    // Their constant is the pool's smoothed rate.
    expect(fit.table.methods.box).toMatchObject({ kind: 'constant', p: Math.round((5 / 42) * 1e4) / 1e4, n: 0 });
    expect(fit.heldOut).toHaveLength(data.length);
    // A clear threshold on the raw score: a shape beats the constant on held-out watches.
    expect(fit.selection.homography.chosen).not.toBe('constant');
    expect(fit.selection.homography.heldOutBrier.constant!).toBeGreaterThan(
      Math.min(fit.selection.homography.heldOutBrier.isotonic!, fit.selection.homography.heldOutBrier.logistic!),
    );
  });

  it('gives a method with too few of one outcome its rate, smoothed towards its pool’s', () => {
    const data = [...obs('pose', 30, () => false), ...obs('box', 10, (i) => i < 5)];
    const fit = fitCalibration(data, 'test');
    // The pool (pose and box): 5 right of 40, smoothed: 6 / 42.
    const prior = 6 / 42;
    expect(fit.table.methods.pose).toMatchObject({ kind: 'constant', p: Math.round(((2 * prior) / 32) * 1e4) / 1e4 });
    expect(fit.table.methods.box).toMatchObject({
      kind: 'constant',
      p: Math.round(((5 + 2 * prior) / 12) * 1e4) / 1e4,
    });
  });

  it('learns from the spread that points collapsed inside their detection are wrong, whatever the raw score', () => {
    // Template fits, right unless their points cover a tenth of the detection (the wall clock).
    const data: Observation[] = Array.from({ length: 120 }, (_, i) => {
      const collapsed = i % 4 === 0;
      return {
        ...input({ method: 'homography', raw: 0.3 + (i % 7) / 10, inliers: 40 + (i % 9) * 10, ncc: 0.5 }),
        spread: collapsed ? 0.08 + (i % 5) / 100 : 0.9 + (i % 5) / 50,
        image: `h/${i}`,
        group: `g${i % 6}`,
        errorPct: collapsed ? 30 : 0.4,
      };
    });
    const fit = fitCalibration(data, 'test');
    expect(fit.selection.homography.chosen).toBe('logistic');
    const sure = input({ method: 'homography', raw: 0.9, inliers: 100, ncc: 0.5 });
    expect(calibrate(fit.table, { ...sure, spread: 0.09 })).toBeLessThan(0.1);
    expect(calibrate(fit.table, { ...sure, spread: 1 })).toBeGreaterThan(0.9);
  });

  it('deals watch IDs to folds deterministically, never splitting one', () => {
    const f = foldOf(['b', 'a', 'c', 'a', 'f', 'e', 'd'], 5);
    expect([...f.entries()]).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
      ['d', 3],
      ['e', 4],
      ['f', 0],
    ]);
  });
});

describe('the shipped table', () => {
  it('is the fit of the committed observations (bench/calibrate.bench.test.ts)', async () => {
    const observations = JSON.parse(
      await readFile(join(repoRoot, 'bench', 'calibration', 'observations.json'), 'utf8'),
    ) as Observation[];
    const id = observationsId(observations);
    expect(CALIBRATION.id).toBe(id);
    expect(fitCalibration(observations, id).table).toEqual(CALIBRATION);
  });

  it('covers every method and never decreases with the raw score', () => {
    for (const method of METHODS) {
      expect(CALIBRATION.methods[method]).toBeDefined();
      for (const spread of [0.1, 1, 3]) {
        const ps = Array.from({ length: 21 }, (_, i) =>
          calibrate(CALIBRATION, input({ method, raw: i / 20, spread, inliers: 50, ncc: 0.5 })),
        );
        for (let i = 1; i < ps.length; i++) expect(ps[i]!).toBeGreaterThanOrEqual(ps[i - 1]!);
        for (const p of ps) {
          expect(p).toBeGreaterThan(0);
          expect(p).toBeLessThan(1);
        }
      }
    }
  });

  it('gives five points collapsed into a cluster inside the detection a low probability', () => {
    // The wall clock: the pose detector is sure (raw 0.78), its five points sit in a
    // 60 px cluster inside a ~700 px detection.
    const collapsed = input({ method: 'pose', raw: 0.78, spread: 60 / 700, asymmetry: 0.2 });
    expect(calibrate(CALIBRATION, collapsed)).toBeLessThan(0.1);
    // And it is no more likely right than the same score with the points spread over the dial.
    expect(calibrate(CALIBRATION, collapsed)).toBeLessThanOrEqual(calibrate(CALIBRATION, input({ raw: 0.78 })));
  });

  it('ranks a sure template fit above a pose detector’s own keypoints, unlike the raw score', () => {
    const fit = input({ method: 'homography', raw: 0.45, inliers: 120, ncc: 0.7 });
    const pose = input({ method: 'pose', raw: 0.85 });
    expect(calibrate(CALIBRATION, fit)).toBeGreaterThan(0.8);
    expect(calibrate(CALIBRATION, fit)).toBeGreaterThan(calibrate(CALIBRATION, pose));
  });
});

describe('old records', () => {
  const record: LabelRecord = {
    image_size: [1000, 800],
    coords_norm: { top: [0.5, 0.2], bottom: [0.5, 0.8], left: [0.2, 0.5], right: [0.8, 0.5], center: [0.5, 0.5] },
    full_image_name: 'a.jpg',
    annotator: 'loupe-dial-v1-pipeline-fallback',
    confidence: 0.83,
    debug_info: { method: 'pose', templates_tried: 0 },
  };

  it('are calibrated from what their debug_info says (the raw score, the method)', () => {
    expect(methodOfRecord(record)).toBe('pose');
    expect(methodOfRecord({ debug_info: { method: 'pose', templates_tried: 2 } })).toBe('pose-fallback');
    expect(methodOfRecord({ debug_info: { method: 'YOLO-Match-Homography' } })).toBe('homography');
    expect(methodOfRecord({ debug_info: { method: 'something else' } })).toBeNull();
    expect(probabilityRight(record, CALIBRATION)).toBe(
      calibrate(CALIBRATION, input({ method: 'pose', raw: 0.83, spread: null, asymmetry: 0 })),
    );
  });

  it('keep a calibrated confidence as it is, and one Loupe cannot place as it stands', () => {
    const calibrated = { ...record, confidence: 0.04, debug_info: { ...record.debug_info, calibration: 'x' } };
    expect(probabilityRight(calibrated, CALIBRATION)).toBe(0.04);
    expect(probabilityRight({ ...record, debug_info: undefined }, CALIBRATION)).toBe(0.83);
    expect(probabilityRight({ ...record, confidence: undefined }, CALIBRATION)).toBeNull();
  });
});
