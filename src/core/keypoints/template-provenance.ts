import type { LabelRecord, RepredictReason } from '../../shared/labels';
import { tierOf } from '../formats/labels';

/**
 * Which templates a prediction had, and when a better set exists ("label one, fix the rest",
 * issue 17 item 1). A prediction records in `debug_info.templates` the human labels it was
 * offered as templates (best first, as `templatesFor` ranked them) and the one whose fit it used;
 * a later run (`loupe predict` on the same output folder, or the app after a review is saved)
 * compares that with the templates it would be offered now and predicts again the images whose
 * template set has improved:
 *
 * - `own-watch-template`: the prediction did not come from a template of its own watch ID (a
 *   fallback, or a fit to another watch's template of the same template model) and a human label
 *   of its own watch ID that it was not offered is a template now;
 * - `model-template`: the prediction is not a template fit (the full tier) and a template of its
 *   template model that it was not offered exists now.
 *
 * A prediction that a template of its own watch did fit is never redone; one that failed with
 * the templates it has now is not redone until another one appears, so reruns settle.
 */

/** One template a prediction was offered (`debug_info.templates.offered[]`, DESIGN.md). */
export interface OfferedTemplate {
  /** Image key of the human label (or of a sibling's strong prediction: see `via`). */
  key: string;
  watch_id: string;
  /** Of the predicted image's own watch ID (else of its template model). */
  same_watch: boolean;
  /** A sibling template: the human label whose fit gave that prediction's keypoints. */
  via?: string;
}

/** `debug_info.templates` of a prediction. */
export interface TemplatesInfo {
  offered: OfferedTemplate[];
  /** The template whose fit gave the keypoints (null: no fit, a fallback). */
  used: string | null;
  /** Whether `used` is of the image's own watch ID (null when nothing was used). */
  used_same_watch: boolean | null;
  /** `used` is a sibling template: the human label its own keypoints were fit from. */
  via?: string;
}

export const REPREDICT_REASONS: readonly RepredictReason[] = ['own-watch-template', 'model-template'];

/** Why an earlier prediction is predicted again: the new template that made it worth it. */
export interface Staleness {
  reason: RepredictReason;
  /** The new template (image key) that improved the set: the best-ranked one. */
  template: string;
}

/** `debug_info.repredicted` of a prediction that replaced an earlier one (DESIGN.md). */
export interface RepredictedInfo extends Staleness {
  /** The prediction it replaced, in brief. */
  previous: { annotator: string; method: string | null; template_key: string | null; confidence: number | null };
}

/** A template candidate as ranking sees it: its image key and watch ID (and, for a sibling, its human label). */
export interface CandidateRef {
  key: string;
  watchId: string;
  via?: string;
}

/** `debug_info.templates` for a prediction offered `offered` (ranked) that used `used`. */
export function templatesInfo(offered: readonly CandidateRef[], used: string | null, watchId: string): TemplatesInfo {
  const usedRef = used === null ? undefined : offered.find((c) => c.key === used);
  return {
    offered: offered.map((c) => ({
      key: c.key,
      watch_id: c.watchId,
      same_watch: c.watchId === watchId,
      ...(c.via ? { via: c.via } : {}),
    })),
    used,
    used_same_watch: used === null ? null : usedRef ? usedRef.watchId === watchId : null,
    ...(usedRef?.via ? { via: usedRef.via } : {}),
  };
}

/**
 * Sibling templates ("label one, fix the rest" for the hard views). A photo that the human labels
 * do not fit (tilted, on a wrist, far, upside down) is often fit by another photo of the same
 * watch that a label did fit well: a nearer view. Such a prediction is offered, as a template, to
 * the photos of its watch ID that stayed fallbacks, when it is beyond doubt (`isSureFit`) and was
 * fit from a human label (one step from a person, never a sibling of a sibling). Returns the
 * human label it was fit from, or null when it may not serve. Measured on the bundled samples
 * (bench/BENCHMARKS.md, the relabel section).
 */
export function siblingTemplateVia(
  record: Pick<LabelRecord, 'annotator' | 'debug_info'>,
  config: SureFitConfig,
): string | null {
  const t = record.debug_info?.templates as Partial<TemplatesInfo> | undefined;
  if (!t || typeof t.used !== 'string' || t.used_same_watch === null || fitVia(record) !== null) return null;
  return isSureFit(record, config) ? t.used : null;
}

/** For a fit to a sibling template, the human label that sibling was fit from (else null). */
export function fitVia(record: Pick<LabelRecord, 'debug_info'>): string | null {
  const via = (record.debug_info?.templates as Partial<TemplatesInfo> | undefined)?.via;
  return typeof via === 'string' ? via : null;
}

export type SureFitConfig = { minInliers: number; minNcc: number };

/**
 * A full-tier template fit beyond doubt: ≥ `inlierFactor` × minInliers inliers (2 for a sibling
 * template, which others will be fit to) at ≥ 35 % of its matches, and the warped print agreeing
 * at the ordinary NCC bar (not the strong-fit allowance). A fit to a sibling must be one too, at
 * the ordinary inlier count: a photo the human labels could not fit, tried against several
 * siblings, gets more chances at a chance fit (in the samples a turned view fit 15 inliers of 51
 * to a wrist view, 29 %, 70 % off; the right sibling fits there have 44–81 % of their matches).
 */
export function isSureFit(
  record: Pick<LabelRecord, 'annotator' | 'debug_info'>,
  config: SureFitConfig,
  inlierFactor = 2,
): boolean {
  if (tierOf(record.annotator) !== 'full') return false;
  const debug = record.debug_info ?? {};
  const inliers = typeof debug.homography_inliers === 'number' ? debug.homography_inliers : 0;
  const matches = typeof debug.matches === 'number' ? debug.matches : Infinity;
  const ncc = typeof debug.ncc === 'number' ? debug.ncc : -1;
  return inliers >= inlierFactor * config.minInliers && inliers >= 0.35 * matches && ncc >= config.minNcc;
}

/**
 * The templates a recorded prediction had: its `debug_info.templates`, or for a record written
 * before they were recorded, the one template its fit names (`template_key`), whose watch ID is
 * looked up among today's templates.
 */
export function recordedTemplates(
  record: Pick<LabelRecord, 'debug_info'>,
  watchId: string,
  watchOf: (key: string) => string | undefined,
): TemplatesInfo {
  const debug = record.debug_info ?? {};
  const t = debug.templates as Partial<TemplatesInfo> | undefined;
  if (t && Array.isArray(t.offered)) {
    return {
      offered: t.offered.filter((o): o is OfferedTemplate => typeof o?.key === 'string'),
      used: typeof t.used === 'string' ? t.used : null,
      used_same_watch: typeof t.used_same_watch === 'boolean' ? t.used_same_watch : null,
      ...(typeof t.via === 'string' ? { via: t.via } : {}),
    };
  }
  const used = typeof debug.template_key === 'string' ? debug.template_key : null;
  const usedWatch = used === null ? undefined : watchOf(used);
  return {
    offered: used === null ? [] : [{ key: used, watch_id: usedWatch ?? '', same_watch: usedWatch === watchId }],
    used,
    used_same_watch: used === null ? null : usedWatch === undefined ? null : usedWatch === watchId,
  };
}

/**
 * Whether a recorded prediction of an image of `watchId` should be predicted again, now that
 * `now` (ranked, as `templatesFor` gives them today) are its templates; null when not.
 */
export function staleness(
  record: Pick<LabelRecord, 'annotator' | 'debug_info'>,
  watchId: string,
  now: readonly CandidateRef[],
): Staleness | null {
  const watchOf = (key: string): string | undefined => now.find((c) => c.key === key)?.watchId;
  const had = recordedTemplates(record, watchId, watchOf);
  const full = tierOf(record.annotator) === 'full';
  if (full && had.used !== null && had.used_same_watch === true) return null;
  const before = new Set(had.offered.map((o) => o.key));
  const fresh = now.filter((c) => !before.has(c.key));
  const own = fresh.find((c) => c.watchId === watchId);
  if (own) return { reason: 'own-watch-template', template: own.key };
  if (!full && fresh[0]) return { reason: 'model-template', template: fresh[0].key };
  return null;
}

/** `debug_info.repredicted` for a prediction replacing `previous` because of `why`. */
export function repredictedInfo(
  why: Staleness,
  previous: Pick<LabelRecord, 'annotator' | 'debug_info' | 'confidence'>,
): RepredictedInfo {
  const debug = previous.debug_info ?? {};
  return {
    ...why,
    previous: {
      annotator: previous.annotator,
      method: typeof debug.method === 'string' ? debug.method : null,
      template_key: typeof debug.template_key === 'string' ? debug.template_key : null,
      confidence: typeof previous.confidence === 'number' ? previous.confidence : null,
    },
  };
}

/** The repredicted note of a record, when it has one (for the review grid and editor). */
export function repredictedOf(record: Pick<LabelRecord, 'debug_info'> | null | undefined): RepredictedInfo | null {
  const r = record?.debug_info?.repredicted as Partial<RepredictedInfo> | undefined;
  if (!r || typeof r.template !== 'string' || (r.reason !== 'own-watch-template' && r.reason !== 'model-template'))
    return null;
  const p = (r.previous ?? {}) as Partial<RepredictedInfo['previous']>;
  return {
    reason: r.reason,
    template: r.template,
    previous: {
      annotator: typeof p.annotator === 'string' ? p.annotator : '',
      method: typeof p.method === 'string' ? p.method : null,
      template_key: typeof p.template_key === 'string' ? p.template_key : null,
      confidence: typeof p.confidence === 'number' ? p.confidence : null,
    },
  };
}

/**
 * What the review screen says about a re-predicted record: a mark for the tile ("refit", "no
 * fit"), a badge (its tooltip) and a sentence, e.g.
 * "re-predicted from PATEK_nab_001_03" and "Re-predicted from PATEK_nab_001_03, a new template of
 * its own watch ID; was pipeline fallback (pose), confidence 0.80." Null when it was not redone.
 */
export function describeRepredicted(
  record: Pick<LabelRecord, 'annotator' | 'debug_info'> | null | undefined,
): { mark: string; badge: string; sentence: string } | null {
  const info = repredictedOf(record);
  if (!info || !record) return null;
  const usedKey = record.debug_info?.template_key;
  const fitted = typeof usedKey === 'string' && tierOf(record.annotator) === 'full';
  const tierName = (annotator: string): string => tierOf(annotator).replace('-', ' ');
  const kind =
    info.reason === 'own-watch-template'
      ? 'a new template of its own watch ID'
      : 'a first template of its template model';
  const was = info.previous;
  const before = `was ${tierName(was.annotator)}${was.method ? ` (${was.method})` : ''}${was.confidence !== null ? `, confidence ${was.confidence.toFixed(2)}` : ''}`;
  const via = fitVia(record);
  if (fitted && via)
    return {
      mark: 'refit',
      badge: `re-predicted from ${usedKey} (fit from ${via})`,
      sentence: `Re-predicted from ${usedKey}, a sure fit of its own watch ID to ${via}, after ${info.template} was labelled (${via} itself did not fit this photo); ${before}.`,
    };
  if (fitted)
    return {
      mark: 'refit',
      badge: `re-predicted from ${usedKey}`,
      sentence: `Re-predicted from ${usedKey}${usedKey === info.template ? `, ${kind}` : ` after ${info.template} was labelled`}; ${before}.`,
    };
  return {
    mark: 'no fit',
    badge: `re-predicted, no fit to ${info.template}`,
    sentence: `Re-predicted with ${info.template}, ${kind}, which did not fit this photo; still ${tierName(record.annotator)}, ${before}.`,
  };
}
