import { describe, expect, it } from 'vitest';
import type { LabelRecord } from '../../../src/shared/labels';
import {
  correctionDistances,
  reviewedRecord,
  reviewStateOf,
  reviewTier,
  wrongnessScore,
} from '../../../src/core/keypoints/review';
import { DEFAULT_FILTERS, reviewCounts, reviewItem, visibleItems } from '../../../src/core/keypoints/review-list';
import type { ReviewEntry } from '../../../src/shared/review';
import { designRecord } from '../../fixtures/labels';
import { asymmetry, probabilityRight } from '../../../src/core/keypoints/calibration';
import { CALIBRATION } from '../../../src/core/keypoints/calibration-table';

describe('review', () => {
  const predicted = designRecord();

  it('writes a human label that keeps the prediction and the unknown fields', () => {
    const moved = { ...predicted.coords_norm, center: [0.52, 0.44] as [number, number] };
    const r = reviewedRecord(
      { ...predicted, extra_field: 'kept' } as LabelRecord,
      moved,
      'alice',
      '2026-11-22T10:00:00Z',
    );
    expect(r).toMatchObject({
      annotator: 'alice',
      timestamp: '2026-11-22T10:00:00Z',
      extra_field: 'kept',
      image_size: [2228, 2066],
    });
    expect(r.coords_norm.center).toEqual([0.52, 0.44]);
    expect(r.prediction).toEqual({ coords_norm: predicted.coords_norm, annotator: 'ml-model-v1.0', confidence: 0.289 });
    expect(r.debug_info).toBeUndefined();
    expect(r.confidence).toBeUndefined();
    expect(correctionDistances(r)?.center).toBeCloseTo(Math.hypot(0.01 * 2228, 0.004 * 2066), 6);
    expect(correctionDistances(r)?.top).toBe(0);
  });

  it('tells the review states apart', () => {
    expect(reviewStateOf(undefined, false)).toBe('unreviewed');
    expect(reviewStateOf(undefined, true)).toBe('rejected');
    expect(reviewStateOf(reviewedRecord(predicted, predicted.coords_norm, 'a', 't'), false)).toBe('accepted');
    expect(
      reviewStateOf(reviewedRecord(predicted, { ...predicted.coords_norm, top: [0.5, 0.2] }, 'a', 't'), false),
    ).toBe('corrected');
    expect(reviewStateOf(predicted, false)).toBe('labelled');
  });

  it('scores a prediction it cannot calibrate (no method in debug_info) by the heuristic mix: fallbacks, low confidence, asymmetric dials', () => {
    const symmetric = {
      top: [0.5, 0.1],
      bottom: [0.5, 0.9],
      left: [0.1, 0.5],
      right: [0.9, 0.5],
      center: [0.5, 0.5],
    } as LabelRecord['coords_norm'];
    expect(asymmetry(symmetric, [100, 100])).toBe(0);
    const good = { ...predicted, coords_norm: symmetric, confidence: 0.9, debug_info: { reprojection_error: 0.5 } };
    const geometric = { ...good, annotator: 'm-geometric-fallback', confidence: 0 };
    const skewed = { ...good, coords_norm: { ...symmetric, center: [0.7, 0.5] as [number, number] } };
    expect(wrongnessScore(good)).toBeCloseTo(0.35 * 0.1 + 0.15 * 0.125, 3);
    expect(wrongnessScore(geometric)).toBeGreaterThan(wrongnessScore(good));
    expect(wrongnessScore(skewed)).toBeGreaterThan(wrongnessScore(good));
    expect(wrongnessScore(geometric)).toBeLessThanOrEqual(1);
  });

  it('orders a pose detector’s own keypoints as the pipeline fallback, also in files from before the tiers said so', () => {
    const fit = { ...predicted, confidence: 0.8, debug_info: { method: 'YOLO-Match-Homography' } };
    const oldPose = { ...fit, debug_info: { method: 'YOLO-Pose' } };
    const newPose = { ...fit, annotator: `${fit.annotator}-pipeline-fallback`, debug_info: { method: 'pose' } };
    expect(reviewTier(fit)).toBe('full');
    expect(reviewTier(oldPose)).toBe('pipeline-fallback');
    expect(reviewTier(newPose)).toBe('pipeline-fallback');
    // Records from before calibration: 1 − the current table's probability for their raw score,
    // so a pose detector's keypoints (right about 1 time in 100 on the evaluation sets) come
    // before a template fit whatever their raw scores.
    expect(wrongnessScore(fit)).toBe(Math.round((1 - probabilityRight(fit, CALIBRATION)!) * 1000) / 1000);
    expect(wrongnessScore(oldPose)).toBeGreaterThan(wrongnessScore(fit));
    expect(wrongnessScore(newPose)).toBe(wrongnessScore(oldPose));
    const entry: ReviewEntry = {
      imageKey: 'PATEK_nab_001_03',
      watchId: 'PATEK_nab_001',
      templateModel: 'nab',
      path: '/x/PATEK_nab_001_03_tiltface_q1.jpg',
      fullImageName: 'PATEK_nab_001_03_tiltface_q1.jpg',
      human: null,
      predicted: oldPose,
      rejected: false,
    };
    expect(reviewItem(entry).tier).toBe('pipeline-fallback');
  });

  it('orders calibrated and older predictions of one folder on one scale, least likely right first', () => {
    const entry = (imageKey: string, predicted: LabelRecord): ReviewEntry => ({
      imageKey,
      watchId: 'PATEK_nab_001',
      templateModel: 'nab',
      path: `/x/${imageKey}.jpg`,
      fullImageName: `${imageKey}.jpg`,
      human: null,
      predicted,
      rejected: false,
    });
    // Calibrated: the confidence is the probability. Old: a raw pose score of 0.85 (a pose
    // detector's keypoints), and a raw template-fit score of 0.45.
    const newFit = {
      ...predicted,
      confidence: 0.97,
      debug_info: { method: 'YOLO-Match-Homography', calibration: 'c' },
    };
    const newPose = { ...predicted, confidence: 0.3, debug_info: { method: 'pose', calibration: 'c' } };
    const oldPose = { ...predicted, confidence: 0.85, debug_info: { method: 'pose', templates_tried: 0 } };
    const oldFit = {
      ...predicted,
      confidence: 0.45,
      debug_info: { method: 'YOLO-Match-Homography', homography_inliers: 120, ncc: 0.7 },
    };
    const items = [entry('a', newFit), entry('b', newPose), entry('c', oldPose), entry('d', oldFit)].map(reviewItem);
    expect(items.map((i) => i.score)).toEqual(items.map((i) => wrongnessScore(i.predicted!)));
    expect(items[0]!.score).toBe(0.03);
    expect(items[1]!.score).toBe(0.7);
    const order = visibleItems(items, { ...DEFAULT_FILTERS, sort: 'wrongness' }).map((i) => i.imageKey);
    expect(order.indexOf('c')).toBeLessThan(order.indexOf('d'));
    // Both template fits last: the new one's stored probability, the old one's estimated.
    expect(order.slice(-2).sort()).toEqual(['a', 'd']);
    // Sorting by confidence keeps the numbers the records carry (raw for older ones).
    expect(visibleItems(items, { ...DEFAULT_FILTERS, sort: 'confidence' }).map((i) => i.imageKey)).toEqual([
      'b',
      'd',
      'c',
      'a',
    ]);
    // Equal probabilities (one per method in the shipped table) are ordered by the heuristic mix:
    // the lower raw score and the centre off its rim points first.
    const sym = { ...predicted.coords_norm };
    const poseA = { ...newPose, debug_info: { ...newPose.debug_info, raw_confidence: 0.85 } };
    const poseB = {
      ...newPose,
      coords_norm: { ...sym, center: [sym.center[0] + 0.05, sym.center[1]] as [number, number] },
      debug_info: { ...newPose.debug_info, raw_confidence: 0.6 },
    };
    const tied = [entry('p1', poseA), entry('p2', poseB)].map(reviewItem);
    expect(tied[0]!.score).toBe(tied[1]!.score);
    expect(tied[1]!.tieBreak!).toBeGreaterThan(tied[0]!.tieBreak!);
    expect(visibleItems(tied, { ...DEFAULT_FILTERS, sort: 'wrongness' }).map((i) => i.imageKey)).toEqual(['p2', 'p1']);
    // The confidence filter reads the same numbers: the likely-wrong ones below 0.5.
    expect(
      visibleItems(items, { ...DEFAULT_FILTERS, confidence: [0, 0.5], sort: 'wrongness' }).map((i) => i.imageKey),
    ).toEqual(['b', 'd']);
  });
});

describe('reviewCounts', () => {
  const entry = (name: string, predicted: LabelRecord | null = null): ReviewEntry => ({
    imageKey: name,
    watchId: 'PATEK_nab_001',
    templateModel: 'nab',
    path: `C:\\photos\\${name}.jpg`,
    fullImageName: `${name}.jpg`,
    human: null,
    predicted,
    rejected: false,
  });

  it('counts an unlabelled image the scan could not decode as unreadable, not as one to predict', () => {
    const items = [entry('PATEK_nab_001_01'), entry('PATEK_nab_001_02'), entry('PATEK_nab_001_03')].map(reviewItem);
    const unreadable = new Set(['C:/photos/PATEK_nab_001_02.jpg']);
    expect(reviewCounts(items, unreadable)).toMatchObject({ images: 3, unlabelled: 2, unreadable: 1 });
    expect(reviewCounts(items)).toMatchObject({ unlabelled: 3, unreadable: 0 });
  });
});
