import type { LabelRecord, Tier } from '../../shared/labels';
import type { ReviewEntry, ReviewState } from '../../shared/review';
import { heuristicWrongness, reviewStateOf, reviewTier, wrongnessScore } from './review';

/**
 * The review list: every image of a folder with what the grid filters and sorts on, derived once
 * per change of its labels (not per render).
 */
export interface ReviewItem extends ReviewEntry {
  state: ReviewState;
  /** Tier of the prediction (the one a review started from, once reviewed); null: never predicted. */
  tier: Tier | null;
  confidence: number | null;
  /** "Most likely wrong" score of the prediction (1 − P(right), see wrongnessScore); null without one. */
  score: number | null;
  /** Orders equal scores (see heuristicWrongness); null without a prediction. */
  tieBreak: number | null;
  /** What the grid and the editor draw: the human label, else the prediction. */
  shown: LabelRecord | null;
}

export function reviewItem(entry: ReviewEntry): ReviewItem {
  const state = reviewStateOf(entry.human ?? undefined, entry.rejected);
  const prediction: LabelRecord | null =
    entry.predicted ??
    (entry.human?.prediction
      ? {
          ...entry.human,
          coords_norm: entry.human.prediction.coords_norm,
          annotator: entry.human.prediction.annotator,
          confidence: entry.human.prediction.confidence,
        }
      : null);
  return {
    ...entry,
    state,
    tier: prediction ? reviewTier(prediction) : null,
    confidence: typeof prediction?.confidence === 'number' ? prediction.confidence : null,
    score: prediction ? wrongnessScore(prediction) : null,
    tieBreak: prediction ? heuristicWrongness(prediction) : null,
    shown: entry.human ?? entry.predicted,
  };
}

export type TierFilter = Tier | 'none';
export type SortKey = 'name' | 'wrongness' | 'confidence';

export interface ReviewFilters {
  /** Empty: every tier. `none`: images without a prediction. */
  tiers: TierFilter[];
  /** Empty: every state. */
  states: ReviewState[];
  watchId: string | null;
  /** Inclusive bounds on the prediction's confidence; images without one pass only at [0, 1]. */
  confidence: [number, number];
  /** Case-insensitive substring of the image key or file name. */
  query: string;
  sort: SortKey;
}

export const DEFAULT_FILTERS: ReviewFilters = {
  tiers: [],
  states: [],
  watchId: null,
  confidence: [0, 1],
  query: '',
  sort: 'name',
};

export function filtersActive(f: ReviewFilters): boolean {
  return (
    f.tiers.length > 0 ||
    f.states.length > 0 ||
    f.watchId !== null ||
    f.confidence[0] > 0 ||
    f.confidence[1] < 1 ||
    f.query.trim() !== ''
  );
}

const byName = (a: ReviewItem, b: ReviewItem): number =>
  a.imageKey.localeCompare(b.imageKey, undefined, { numeric: true }) ||
  a.fullImageName.localeCompare(b.fullImageName, undefined, { numeric: true });

/** The images the grid shows, in order. */
export function visibleItems(items: readonly ReviewItem[], f: ReviewFilters): ReviewItem[] {
  const query = f.query.trim().toLowerCase();
  const fullRange = f.confidence[0] <= 0 && f.confidence[1] >= 1;
  const out = items.filter((it) => {
    if (f.watchId !== null && it.watchId !== f.watchId) return false;
    if (f.tiers.length && !f.tiers.includes(it.tier ?? 'none')) return false;
    if (f.states.length && !f.states.includes(it.state)) return false;
    if (!fullRange) {
      if (it.confidence === null || it.confidence < f.confidence[0] || it.confidence > f.confidence[1]) return false;
    }
    if (query && !it.imageKey.toLowerCase().includes(query) && !it.fullImageName.toLowerCase().includes(query))
      return false;
    return true;
  });
  switch (f.sort) {
    case 'name':
      return out.sort(byName);
    case 'wrongness':
      // Least likely right first, the heuristic among equals; never-predicted images last.
      return out.sort(
        (a, b) => (b.score ?? -1) - (a.score ?? -1) || (b.tieBreak ?? -1) - (a.tieBreak ?? -1) || byName(a, b),
      );
    case 'confidence':
      return out.sort((a, b) => (a.confidence ?? 2) - (b.confidence ?? 2) || byName(a, b));
  }
}

export interface ReviewCounts {
  images: number;
  /** With a human label (accepted, corrected, or labelled outside Loupe). */
  humanLabelled: number;
  /** Predicted and waiting for review. */
  predicted: number;
  /** Neither labelled nor predicted (what Predict would do). */
  unlabelled: number;
  /** Unlabelled images the scan could not decode (not offered to Predict). */
  unreadable: number;
  rejected: number;
  byState: Record<ReviewState, number>;
  byTier: Record<Tier, number>;
  byWatch: {
    watchId: string;
    templateModel: string | null;
    images: number;
    humanLabelled: number;
    predicted: number;
  }[];
}

/**
 * The folder's counts. `unreadable`: paths (with `/` separators) of images the scan could not
 * decode; one of those without a label is counted as unreadable, not as an image to predict.
 */
export function reviewCounts(items: readonly ReviewItem[], unreadable?: ReadonlySet<string>): ReviewCounts {
  const byState: Record<ReviewState, number> = { unreviewed: 0, accepted: 0, corrected: 0, rejected: 0, labelled: 0 };
  const byTier: Record<Tier, number> = { full: 0, 'pipeline-fallback': 0, 'geometric-fallback': 0 };
  const watches = new Map<string, ReviewCounts['byWatch'][number]>();
  let humanLabelled = 0;
  let predicted = 0;
  let unlabelled = 0;
  let unreadableCount = 0;
  for (const it of items) {
    byState[it.state]++;
    if (it.tier) byTier[it.tier]++;
    const w = watches.get(it.watchId) ?? {
      watchId: it.watchId,
      templateModel: it.templateModel,
      images: 0,
      humanLabelled: 0,
      predicted: 0,
    };
    w.images++;
    if (it.human) {
      humanLabelled++;
      w.humanLabelled++;
    } else if (it.predicted && !it.rejected) {
      predicted++;
      w.predicted++;
    } else if (!it.predicted) {
      if (unreadable?.has(it.path.replace(/\\/g, '/'))) unreadableCount++;
      else unlabelled++;
    }
    watches.set(it.watchId, w);
  }
  return {
    images: items.length,
    humanLabelled,
    predicted,
    unlabelled,
    unreadable: unreadableCount,
    rejected: byState.rejected,
    byState,
    byTier,
    byWatch: [...watches.values()].sort((a, b) => a.watchId.localeCompare(b.watchId, undefined, { numeric: true })),
  };
}
