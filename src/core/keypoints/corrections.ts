import { KEYPOINT_NAMES, type KeypointName, type Tier } from '../../shared/labels';
import { dialDiameter, toPixels } from '../geometry/dial';
import { tierOf } from '../formats/labels';
import { correctionDistances } from './review';
import type { ReviewItem } from './review-list';

export interface MoveStats {
  /** Keypoints measured (images × 1). */
  n: number;
  meanPx: number;
  medianPx: number;
  maxPx: number;
  /** Mean movement as a percentage of the dial's diameter (scale-free across photos). */
  meanPct: number;
}

export interface TierCorrections {
  tier: Tier;
  /** Images reviewed (accepted or corrected) whose prediction came from this tier. */
  reviewed: number;
  corrected: number;
  byPoint: Record<KeypointName, MoveStats>;
  all: MoveStats;
}

/**
 * How far reviewers moved each keypoint from its prediction, by the prediction's tier: the
 * evidence for which tier to trust and what to retrain on. Accepted images count as zero moves.
 */
export function correctionsByTier(items: readonly ReviewItem[]): TierCorrections[] {
  const tiers: Tier[] = ['full', 'pipeline-fallback', 'geometric-fallback'];
  return tiers.map((tier) => {
    const px: Record<KeypointName, number[]> = { top: [], bottom: [], left: [], right: [], center: [] };
    const pct: Record<KeypointName, number[]> = { top: [], bottom: [], left: [], right: [], center: [] };
    let reviewed = 0;
    let corrected = 0;
    for (const it of items) {
      const h = it.human;
      if (!h?.prediction || tierOf(h.prediction.annotator) !== tier) continue;
      const d = correctionDistances(h);
      if (!d) continue;
      reviewed++;
      if (it.state === 'corrected') corrected++;
      const diameter = dialDiameter(toPixels(h.coords_norm, h.image_size)) || 1;
      for (const n of KEYPOINT_NAMES) {
        px[n].push(d[n]);
        pct[n].push((100 * d[n]) / diameter);
      }
    }
    const byPoint = {} as Record<KeypointName, MoveStats>;
    for (const n of KEYPOINT_NAMES) byPoint[n] = stats(px[n], pct[n]);
    return {
      tier,
      reviewed,
      corrected,
      byPoint,
      all: stats(
        KEYPOINT_NAMES.flatMap((n) => px[n]),
        KEYPOINT_NAMES.flatMap((n) => pct[n]),
      ),
    };
  });
}

function stats(px: number[], pct: number[]): MoveStats {
  if (!px.length) return { n: 0, meanPx: 0, medianPx: 0, maxPx: 0, meanPct: 0 };
  const sorted = [...px].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return {
    n: px.length,
    meanPx: px.reduce((a, b) => a + b, 0) / px.length,
    medianPx: sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2,
    maxPx: sorted[sorted.length - 1]!,
    meanPct: pct.reduce((a, b) => a + b, 0) / pct.length,
  };
}
