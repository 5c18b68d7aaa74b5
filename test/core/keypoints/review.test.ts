import { describe, expect, it } from 'vitest';
import type { LabelRecord } from '../../../src/shared/labels';
import {
  asymmetry,
  correctionDistances,
  reviewedRecord,
  reviewStateOf,
  reviewTier,
  wrongnessScore,
} from '../../../src/core/keypoints/review';
import { reviewCounts, reviewItem } from '../../../src/core/keypoints/review-list';
import type { ReviewEntry } from '../../../src/shared/review';
import { designRecord } from '../../fixtures/labels';

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

  it('scores the likely-wrong first: fallbacks, low confidence, asymmetric dials', () => {
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
    expect(wrongnessScore(oldPose)).toBeCloseTo(wrongnessScore(fit) + 0.25 * 0.5, 3);
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
