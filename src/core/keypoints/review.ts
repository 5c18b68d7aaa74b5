import { KEYPOINT_NAMES, type Keypoints, type LabelRecord, type Tier } from '../../shared/labels';
import type { ReviewState } from '../../shared/review';
import { tierOf } from '../formats/labels';
import { asymmetry, methodOfRecord, probabilityRight, type CalibrationTable } from './calibration';
import { CALIBRATION } from './calibration-table';

/**
 * Reviewing predictions: what state an image is in, how likely its prediction is wrong (to review
 * the worst first), and the human label a review writes.
 */

/** Accepted and corrected images have a human label; rejected ones are in the rejections files beside the labels. */
export function reviewStateOf(human: LabelRecord | undefined, rejected: boolean): ReviewState {
  if (human) {
    if (!human.prediction) return 'labelled';
    return moved(human.coords_norm, human.prediction.coords_norm) ? 'corrected' : 'accepted';
  }
  return rejected ? 'rejected' : 'unreviewed';
}

function moved(a: Keypoints, b: Keypoints): boolean {
  return KEYPOINT_NAMES.some((n) => Math.abs(a[n][0] - b[n][0]) > 1e-9 || Math.abs(a[n][1] - b[n][1]) > 1e-9);
}

const TIER_RISK: Record<Tier, number> = { full: 0, 'pipeline-fallback': 0.5, 'geometric-fallback': 1 };

/** debug_info.method of a pose detector's own keypoints: now, and as Loupe wrote it before. */
const POSE_METHODS: ReadonlySet<string> = new Set(['pose', 'YOLO-Pose', 'YOLO-Pose-Fallback']);

/**
 * The tier a prediction is reviewed as: its annotator's, except that a pose detector's own
 * keypoints are never the full tier. Predictions written before the tiers said so (no template:
 * a pose model's keypoints under the full annotator) are ordered and filtered as the
 * pipeline fallback they are.
 */
export function reviewTier(record: Pick<LabelRecord, 'annotator' | 'debug_info'>): Tier {
  const tier = tierOf(record.annotator);
  const method = record.debug_info?.method;
  return tier === 'full' && typeof method === 'string' && POSE_METHODS.has(method) ? 'pipeline-fallback' : tier;
}

/**
 * "Most likely wrong", in [0, 1], higher = review first.
 *
 * A prediction Loupe can calibrate (one it wrote: debug_info names its method) scores
 * 1 − P(right), P the calibrated probability that its error is at most 2 % of the dial diameter
 * (core/keypoints/calibration.ts; the record's confidence since calibration, the current table
 * applied to an older record's raw score and debug_info before it). So old and new predictions
 * of one folder are ordered on one scale.
 *
 * Anything else (a file from another tool, a human label's kept prediction without debug_info)
 * gets the heuristic mix Loupe used before calibration:
 *   0.35 × (1 − confidence)
 * + 0.25 × tier risk (full 0, pipeline fallback 0.5, geometric fallback 1; see reviewTier: a
 *          pose detector's own keypoints are pipeline fallback)
 * + 0.15 × min(1, reprojection error / 4 px)            (0 when there is no homography)
 * + 0.25 × asymmetry: how far the 12–6 and 9–3 midpoints fall from the centre point, as a fraction
 *          of the dial's diameter, ×4 and capped at 1 (a centre not between its rim points is
 *          a sign of a wrong point; perspective alone moves it little).
 */
export function wrongnessScore(record: LabelRecord, table: CalibrationTable = CALIBRATION): number {
  const p = knowsMethod(record) ? probabilityRight(record, table) : null;
  return p !== null ? round(1 - p) : heuristicWrongness(record);
}

/**
 * The heuristic mix above: the score of a prediction Loupe cannot calibrate, and the tie-break
 * among predictions of equal probability (the fitted table can give a whole method one
 * probability; within it, a low raw score, a centre off its rim points or a large reprojection
 * error still come first).
 */
export function heuristicWrongness(record: LabelRecord): number {
  const raw = Number((record.debug_info as { raw_confidence?: unknown } | undefined)?.raw_confidence);
  const confidence = Number.isFinite(raw) ? raw : typeof record.confidence === 'number' ? record.confidence : 0;
  const tier = reviewTier(record);
  const reproj = Number((record.debug_info as { reprojection_error?: unknown } | undefined)?.reprojection_error);
  const reprojTerm = Number.isFinite(reproj) ? Math.min(1, reproj / 4) : 0;
  return round(
    0.35 * (1 - confidence) +
      0.25 * TIER_RISK[tier] +
      0.15 * reprojTerm +
      0.25 * Math.min(1, 4 * asymmetry(record.coords_norm, record.image_size)),
  );
}

/** Whether calibration applies: Loupe wrote it calibrated, or its debug_info names a method it knows. */
function knowsMethod(record: LabelRecord): boolean {
  const d = record.debug_info;
  if (typeof d?.calibration === 'string') return true;
  return typeof d?.method === 'string' && methodOfRecord(record) !== null;
}

/** The human label a review writes: the reviewer's points, the prediction kept beside them. */
export function reviewedRecord(predicted: LabelRecord, coords: Keypoints, reviewer: string, now: string): LabelRecord {
  const { debug_info: _d, confidence: _c, timestamp: _t, annotator: _a, prediction: _p, ...rest } = predicted;
  return {
    ...rest,
    coords_norm: roundKeypoints(coords),
    annotator: reviewer,
    timestamp: now,
    prediction: {
      coords_norm: predicted.coords_norm,
      annotator: predicted.annotator,
      ...(predicted.confidence !== undefined ? { confidence: predicted.confidence } : {}),
    },
  };
}

function roundKeypoints(k: Keypoints): Keypoints {
  const out = {} as Keypoints;
  for (const n of KEYPOINT_NAMES) out[n] = [Math.round(k[n][0] * 1e7) / 1e7, Math.round(k[n][1] * 1e7) / 1e7];
  return out;
}

const round = (v: number): number => Math.round(v * 1000) / 1000;

/** How far each keypoint moved from the prediction, in pixels of the displayed image. */
export function correctionDistances(human: LabelRecord): Record<(typeof KEYPOINT_NAMES)[number], number> | null {
  const p = human.prediction;
  if (!p) return null;
  const [w, h] = human.image_size;
  const out = {} as Record<(typeof KEYPOINT_NAMES)[number], number>;
  for (const n of KEYPOINT_NAMES) {
    out[n] = Math.hypot(
      (human.coords_norm[n][0] - p.coords_norm[n][0]) * w,
      (human.coords_norm[n][1] - p.coords_norm[n][1]) * h,
    );
  }
  return out;
}
