import { KEYPOINT_NAMES, type Keypoints, type LabelRecord, type NormPoint, type Tier } from '../../shared/labels';
import type { Detection } from '../detect/yolo';
import { annotatorFor, tierOf, TIER_SUFFIX } from '../formats/labels';
import type { PipelineResult } from './pipeline';

/**
 * Several dials in one photo (issue 17 item 3). The record follows the most confident detection
 * (the detector's first) as it always has; when the detector found more than one, every
 * detection is kept in `debug_info.detections`, best first, each with the keypoints the pipeline
 * predicted for it alone. Entry 0 is the record's own dial. A reviewer who switches dial in the
 * editor takes that entry's points as the draft, and a review saves them. Only fields are added:
 * the label format (DESIGN.md) is unchanged, and a file without the list reads as one dial.
 */
export interface DialInfo {
  /** The detector's box, [x1, y1, x2, y2] normalised to image_size like coords_norm. */
  box_norm: [number, number, number, number];
  /** The detector's score. */
  score: number;
  tier: Tier;
  /** The pipeline's method label for this dial (debug_info.method's vocabulary). */
  method: string;
  confidence: number;
  coords_norm: Keypoints;
  template_key: string | null;
}

/** Detections predicted per photo at most (the first is the record's own). */
export const MAX_DIALS = 8;

/**
 * What counts as another dial, not the same one again or a fleck. On the nine real photos of
 * /work/shared/data/watches the bundled detector returns a second box on seven: on three a second
 * watch (kept), on two the first dial's inner face or bezel inside its box, on two a speck under a
 * tenth of the first dial's area (a crown, a printed logo).
 */
export const DIAL_RULES = {
  /** A box whose area lies this much inside a better one is that dial (a face within its bezel). */
  maxInside: 0.5,
  /** A box smaller than this share of the best one's area is not a dial of its own. */
  minAreaShare: 0.1,
};

const area = (b: readonly number[]): number => Math.max(0, b[2]! - b[0]!) * Math.max(0, b[3]! - b[1]!);
const overlap = (a: readonly number[], b: readonly number[]): number =>
  area([Math.max(a[0]!, b[0]!), Math.max(a[1]!, b[1]!), Math.min(a[2]!, b[2]!), Math.min(a[3]!, b[3]!)]);

/**
 * The distinct dials among detections (best first, as the detector sorts them): the best, then
 * each later one that is neither mostly inside one already kept nor a speck beside the best
 * (DIAL_RULES); at most MAX_DIALS.
 */
export function distinctDials<D extends Pick<Detection, 'box' | 'score'>>(detections: readonly D[]): D[] {
  const [best, ...rest] = detections;
  if (!best) return [];
  const kept: D[] = [best];
  const bestArea = area(best.box);
  for (const d of rest) {
    if (kept.length >= MAX_DIALS) break;
    const a = area(d.box);
    if (a < DIAL_RULES.minAreaShare * bestArea) continue;
    if (kept.some((k) => overlap(k.box, d.box) > DIAL_RULES.maxInside * a)) continue;
    kept.push(d);
  }
  return kept;
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

/** One detection and what the pipeline predicted for it, as stored in debug_info.detections. */
export function dialEntry(det: Detection, result: PipelineResult, size: readonly [number, number]): DialInfo {
  const [x1, y1, x2, y2] = det.box;
  const [w, h] = size;
  return {
    box_norm: [round6(x1 / w), round6(y1 / h), round6(x2 / w), round6(y2 / h)],
    score: Math.round(det.score * 1000) / 1000,
    tier: result.tier,
    method: result.debug.method,
    confidence: result.confidence,
    coords_norm: result.coords,
    template_key: result.debug.template_key,
  };
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isPair = (v: unknown): v is NormPoint => Array.isArray(v) && v.length === 2 && v.every(isNum);

function parseDial(v: unknown): DialInfo | null {
  if (!v || typeof v !== 'object') return null;
  const d = v as Record<string, unknown>;
  const box = d.box_norm;
  const coords = d.coords_norm as Record<string, unknown> | undefined;
  if (!Array.isArray(box) || box.length !== 4 || !box.every(isNum)) return null;
  if (!coords || typeof coords !== 'object' || !KEYPOINT_NAMES.every((n) => isPair(coords[n]))) return null;
  if (!isNum(d.score)) return null;
  const tier: Tier =
    d.tier === 'full' || d.tier === 'pipeline-fallback' || d.tier === 'geometric-fallback'
      ? d.tier
      : 'pipeline-fallback';
  return {
    box_norm: box as DialInfo['box_norm'],
    score: d.score,
    tier,
    method: typeof d.method === 'string' ? d.method : '',
    confidence: isNum(d.confidence) ? d.confidence : 0,
    coords_norm: coords as Keypoints,
    template_key: typeof d.template_key === 'string' ? d.template_key : null,
  };
}

/**
 * The dials a prediction record holds (debug_info.detections), best first; empty for a record
 * with one dial or none, or one written before the list existed. Entries that are not well formed
 * (a file edited by hand) are left out.
 */
export function dialsOf(record: Pick<LabelRecord, 'debug_info'> | null | undefined): DialInfo[] {
  const list = record?.debug_info?.detections;
  if (!Array.isArray(list)) return [];
  const dials = list.map(parseDial).filter((d): d is DialInfo => d !== null);
  return dials.length > 1 ? dials : [];
}

const mean = (ps: Keypoints, qs: Keypoints, aspect: number): number =>
  KEYPOINT_NAMES.reduce((s, n) => s + Math.hypot((ps[n][0] - qs[n][0]) * aspect, ps[n][1] - qs[n][1]), 0) /
  KEYPOINT_NAMES.length;

/**
 * Which dial a set of points belongs to: the one whose predicted points are nearest on average
 * (in image proportions, `aspect` = width / height), so a draft nudged off its prediction still
 * counts as that dial's. -1 without dials.
 */
export function activeDial(dials: readonly DialInfo[], points: Keypoints, aspect = 1): number {
  let best = -1;
  let bestD = Infinity;
  dials.forEach((d, i) => {
    const dist = mean(d.coords_norm, points, aspect);
    if (dist < bestD) [best, bestD] = [i, dist];
  });
  return best;
}

/** The dial whose box holds a (normalised) point, the smallest box when boxes overlap; -1 for none. */
export function dialAt(dials: readonly DialInfo[], at: NormPoint): number {
  let best = -1;
  let area = Infinity;
  dials.forEach((d, i) => {
    const [x1, y1, x2, y2] = d.box_norm;
    if (at[0] < x1 || at[0] > x2 || at[1] < y1 || at[1] > y2) return;
    const a = (x2 - x1) * (y2 - y1);
    if (a < area) [best, area] = [i, a];
  });
  return best;
}

/**
 * The prediction a review of dial `index` starts from: the record with that dial's points, tier
 * (as the annotator's suffix) and confidence, so a review of the second dial is measured against
 * the second dial's prediction (the Corrections tab), not the first's. The record itself for
 * dial 0, or an index the record does not hold.
 */
export function dialRecord(record: LabelRecord, index: number): LabelRecord {
  const dial = dialsOf(record)[index];
  if (!dial || index === 0) return record;
  const base = record.annotator.slice(0, record.annotator.length - TIER_SUFFIX[tierOf(record.annotator)].length);
  return {
    ...record,
    coords_norm: dial.coords_norm,
    annotator: annotatorFor(base, dial.tier),
    confidence: dial.confidence,
  };
}
