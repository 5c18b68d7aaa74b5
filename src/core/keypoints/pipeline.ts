import { KEYPOINT_NAMES, type Keypoints, type NormPoint, type Tier } from '../../shared/labels';
import type { Detection } from '../detect/yolo';
import { GEOMETRIC_FALLBACK, templateProblem } from '../formats/labels';
import {
  checkDial,
  compose,
  homographyFrom4,
  project,
  reprojectionError,
  type Homography,
} from '../geometry/homography';
import { obbCorners, type Pt } from '../geometry/polygon';
import type { Correspondences, GrayImage } from '../match/matcher';
import { highPass, invert3, warpedNcc } from '../match/verify';
import { asymmetry, calibrate, spreadOf, type CalibrationInput, type CalibrationTable } from './calibration';
import { CALIBRATION } from './calibration-table';
import { PREDICT_DEFAULTS } from './predict-defaults';

/**
 * The keypoint pipeline for one image, with its IO behind ports (the engine supplies sharp,
 * ONNX Runtime and opencv.js; tests can supply fakes):
 *
 *   tier 1 (full): the detector finds the dial; its crop is matched to a template (a human-labelled
 *     image of the same watch ID, else of the same template model); a robust homography maps the
 *     template's keypoints onto the photo. Template matching + homography only.
 *   tier 2 (pipeline fallback): no template, or matching failed; a pose detector's own keypoints
 *     (debug_info.method "pose", taken by name, see model-keypoints.ts) if it has them, else the
 *     geometry of the detected box (or oriented box).
 *   tier 3 (geometric fallback): no detection; a frontal dial filling the frame.
 *
 * Every image gets a record; the tier and the confidence say how much to trust it. A pose
 * detector's keypoints are about a tenth of the dial's diameter off on real photos (the bundled
 * model's card) against well under 1 % for a template fit, so they are never the full tier.
 */

export interface PipelineConfig {
  /** Detector score threshold. */
  conf: number;
  /** Inliers needed to accept a homography. */
  minInliers: number;
  /** RANSAC/MAGSAC threshold in working-resolution pixels. */
  ransacThreshold: number;
  /** Templates tried per image, best-ranked first. */
  maxTemplates: number;
  /** Margin around the detected box when cropping the dial, as a fraction of the box. */
  cropMargin: number;
  /** Mean pose-keypoint visibility needed to use the detector's keypoints. */
  minKeypointVisibility: number;
  /**
   * A homography whose keypoints differ from a pose detector's by more than this fraction of the
   * dial diameter is refused (a symmetric dial matched a quarter turn off).
   */
  maxPoseDisagreement: number;
  /** Fit every ranked template (up to maxTemplates) and keep the best, instead of the first that passes. */
  compareTemplates: boolean;
  /**
   * Least normalised cross-correlation between the warped template's print and the photo's
   * (high-passed crops). Wrong fits of symmetric dials score near 0.2, right ones 0.3–0.9.
   */
  minNcc: number;
  /**
   * Least NCC for a strong fit (inliers ≥ 4 × minInliers at ≥ 35 % of the matches) whose quarter
   * turn is sure. A dial small in the photo, or a low-texture one, keeps little of the
   * template's print after warping (a 500-px photo of two watches: the right fit scores 0.19,
   * the three wrong turns about 0), so minNcc would refuse a fit its 68 inliers and the clear
   * orientation lead already prove; a plain script that trusts its inliers gets it right.
   */
  strongFitMinNcc: number;
  /** NCC lead the best quarter turn needs over the next to count as a sure orientation. */
  orientationMargin: number;
  /**
   * When the detector's crop yields no acceptable fit (or nothing was detected), match the whole
   * photo before falling back: a plain script that matches the whole image gets those right.
   */
  matchWholeImage: boolean;
  /** The fitted map from raw score and sanity features to P(error ≤ 2 % of the dial diameter). */
  calibration: CalibrationTable;
}

/** The user's thresholds as PREDICT_DEFAULTS has them; the rest are the pipeline's own. */
export const DEFAULT_PIPELINE: PipelineConfig = {
  conf: PREDICT_DEFAULTS.config.conf,
  minInliers: PREDICT_DEFAULTS.config.minInliers,
  ransacThreshold: PREDICT_DEFAULTS.config.ransacThreshold,
  maxTemplates: PREDICT_DEFAULTS.config.maxTemplates,
  cropMargin: 0.15,
  minKeypointVisibility: 0.5,
  maxPoseDisagreement: 0.25,
  compareTemplates: true,
  minNcc: 0.25,
  strongFitMinNcc: 0.1,
  orientationMargin: 0.04,
  matchWholeImage: true,
  calibration: CALIBRATION,
};

/**
 * Detector score a whole-image fit is weighed with when nothing was detected (the template fit
 * alone vouches for it).
 */
const NO_DETECTION_SCORE = 0.5;
/** A detection crop covering this share of the photo already is the whole image: no second try. */
const WHOLE_IMAGE_SHARE = 0.9;

/** A crop of the photo: its pixels and where it sits in the source image. */
export interface Crop {
  image: GrayImage;
  /** Source pixel = crop pixel × scale + offset. */
  scale: number;
  offsetX: number;
  offsetY: number;
}

export interface TemplateRef {
  /** Image key of the template (for debug_info). */
  key: string;
  templateModel: string | null;
  /** The template's dial crop, high-passed (highPass), for the photometric check. */
  crop: GrayImage;
  /** Its keypoints in its own crop's pixels. */
  keypoints: Record<(typeof KEYPOINT_NAMES)[number], Pt>;
}

export interface PipelinePorts<T> {
  /** Detections in source pixels, best first. */
  detect(): Promise<Detection[]>;
  /** The dial crop of the photo around a box (source pixels). */
  crop(box: [number, number, number, number]): Promise<Crop>;
  /** Templates for this image, best first (may be empty); `sameWatch` when of the photo's own watch ID. */
  templates(): Promise<{ ref: TemplateRef; prepared: T; sameWatch: boolean }[]>;
  /** Prepare the photo's dial crop once for all templates (features); released after matching. */
  prepareQuery(crop: GrayImage): Promise<T>;
  match(query: T, template: T): Promise<Correspondences>;
  release(prepared: T): void;
  /** Homography from template-crop points to query-crop points. */
  fitHomography(
    from: Pt[],
    to: Pt[],
    threshold: number,
  ): { H: Homography; inliers: Uint8Array; inlierCount: number } | null;
  now(): number;
}

export type Method = 'homography' | 'homography-unsure' | 'pose' | 'pose-fallback' | 'box' | 'obb' | 'geometric';

export const METHOD_LABEL: Record<Method, string> = {
  homography: 'YOLO-Match-Homography',
  'homography-unsure': 'YOLO-Match-Homography-Orientation-Unsure',
  // A pose detector's own keypoints, with or without templates that failed (debug_info says
  // which: templates_tried and rejected).
  pose: 'pose',
  'pose-fallback': 'pose',
  box: 'YOLO-Box-Geometry',
  obb: 'YOLO-OBB-Geometry',
  geometric: 'Geometric-Default',
};

export interface PipelineResult {
  tier: Tier;
  method: Method;
  coords: Keypoints;
  /** P(mean keypoint error ≤ 2 % of the dial diameter), from the calibration table. */
  confidence: number;
  debug: {
    yolo_detections: number;
    yolo_confidence: number | null;
    matches: number | null;
    features: [number, number] | null;
    homography_inliers: number | null;
    inlier_ratio: number | null;
    reprojection_error: number | null;
    ncc: number | null;
    /** Quarter turns the keypoint names were shifted by after the orientation check. */
    orientation_turns: number | null;
    method: string;
    template_key: string | null;
    template_model: string | null;
    /**
     * Where the accepted template fit was found: `detection` (the detector's crop) or
     * `whole-image` (the crop gave no fit, or nothing was detected); null without a fit.
     */
    match_region: 'detection' | 'whole-image' | null;
    templates_tried: number;
    rejected: string[];
    timings_ms: Record<string, number>;
    /** The pipeline's own score (confidenceFor), before calibration. */
    raw_confidence: number;
    /** Id of the calibration table that turned it into `confidence`. */
    calibration: string;
    /** What the calibration was computed from (core/keypoints/calibration.ts). */
    calibration_input: CalibrationInput;
  };
}

/**
 * The raw score of a prediction (debug_info.raw_confidence), which calibration.ts maps, with
 * sanity features of the points, to the record's `confidence`: the probability that the error is
 * at most 2 % of the dial diameter, fitted per method on the evaluation sets (`npm run calibrate`;
 * the reliability table is in the model card). The raw score alone is not a probability:
 * - homography: detector score × inlier ratio × exp(−reprojection error / 4 px) (× 0.5 when the
 *   dial's orientation could not be told apart from a quarter turn: pipeline-fallback tier);
 * - pose keypoints: detector score × mean keypoint visibility (× 0.75 after failed matching: the
 *   templates disagreed with the photo); pipeline-fallback tier either way;
 * - box geometry: detector score × 0.4 (the box says where the dial is, not how it is turned);
 * - geometric default: 0.
 */
export function confidenceFor(
  method: Method,
  detScore: number,
  extra: { inlierRatio?: number; reprojError?: number; visibility?: number } = {},
): number {
  const c = (() => {
    switch (method) {
      case 'homography':
        return detScore * (extra.inlierRatio ?? 0) * Math.exp(-(extra.reprojError ?? Infinity) / 4);
      case 'homography-unsure':
        return 0.5 * detScore * (extra.inlierRatio ?? 0) * Math.exp(-(extra.reprojError ?? Infinity) / 4);
      case 'pose':
        return detScore * (extra.visibility ?? 0);
      case 'pose-fallback':
        return 0.75 * detScore * (extra.visibility ?? 0);
      case 'box':
      case 'obb':
        return 0.4 * detScore;
      case 'geometric':
        return 0;
    }
  })();
  return Math.round(Math.min(1, Math.max(0, c)) * 1000) / 1000;
}

/** Box geometry: 12 o'clock at the top edge's middle, and so on; OBBs turned by their angle. */
export function keypointsFromBox(det: Detection): Record<(typeof KEYPOINT_NAMES)[number], Pt> {
  if (det.obb) {
    const { cx, cy, w, h, angle } = det.obb;
    const [tl, tr, br, bl] = obbCorners(cx, cy, w, h, angle) as [Pt, Pt, Pt, Pt];
    const mid = (a: Pt, b: Pt): Pt => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    return { top: mid(tl, tr), right: mid(tr, br), bottom: mid(br, bl), left: mid(bl, tl), center: [cx, cy] };
  }
  const [x1, y1, x2, y2] = det.box;
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  return { top: [cx, y1], bottom: [cx, y2], left: [x1, cy], right: [x2, cy], center: [cx, cy] };
}

function normalise(points: Record<(typeof KEYPOINT_NAMES)[number], Pt>, size: [number, number]): Keypoints {
  const out = {} as Keypoints;
  for (const n of KEYPOINT_NAMES) {
    const [x, y] = points[n];
    out[n] = [round6(x / size[0]), round6(y / size[1])] as NormPoint;
  }
  return out;
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

export async function runPipeline<T>(
  ports: PipelinePorts<T>,
  imageSize: [number, number],
  config: PipelineConfig,
): Promise<PipelineResult> {
  const t0 = ports.now();
  const timings: Record<string, number> = {};
  const rejected: string[] = [];
  const detections = (await ports.detect()).filter((d) => d.score >= config.conf);
  timings.detect = ports.now() - t0;
  const debugBase = {
    yolo_detections: detections.length,
    yolo_confidence: detections[0] ? Math.round(detections[0].score * 1000) / 1000 : null,
    matches: null as number | null,
    features: null as [number, number] | null,
    homography_inliers: null as number | null,
    inlier_ratio: null as number | null,
    reprojection_error: null as number | null,
    ncc: null as number | null,
    orientation_turns: null as number | null,
    template_key: null as string | null,
    template_model: null as string | null,
    /** Where the accepted fit was found: the detector's crop or the whole photo (null: no fit). */
    match_region: null as MatchRegion | null,
    templates_tried: 0,
    rejected,
    timings_ms: timings,
  };
  const best = detections[0];
  const finish = (
    tier: Tier,
    method: Method,
    points: Record<(typeof KEYPOINT_NAMES)[number], Pt> | Keypoints,
    raw: number,
    normalised = false,
  ): PipelineResult => {
    timings.total = ports.now() - t0;
    for (const k of Object.keys(timings)) timings[k] = Math.round((timings[k] as number) * 10) / 10;
    const coords = normalised
      ? (points as Keypoints)
      : normalise(points as Record<(typeof KEYPOINT_NAMES)[number], Pt>, imageSize);
    const input: CalibrationInput = {
      method,
      raw,
      spread: normalised || !best ? null : spreadOf(points as Points, best.box),
      asymmetry: Math.round(asymmetry(coords, imageSize) * 1e4) / 1e4,
      inliers: method === 'homography' || method === 'homography-unsure' ? debugBase.homography_inliers : null,
      ncc: method === 'homography' || method === 'homography-unsure' ? debugBase.ncc : null,
    };
    return {
      tier,
      method,
      coords,
      confidence: calibrate(config.calibration, input),
      debug: {
        ...debugBase,
        method: METHOD_LABEL[method],
        raw_confidence: raw,
        calibration: config.calibration.id,
        calibration_input: input,
      },
    };
  };

  const pose = best ? poseKeypoints(best, config.minKeypointVisibility) : null;

  const tm = ports.now();
  const templates = best || config.matchWholeImage ? await ports.templates() : [];
  if (!best && templates.length === 0) return finish('geometric-fallback', 'geometric', GEOMETRIC_FALLBACK, 0, true);
  const fullImage: [number, number, number, number] = [0, 0, imageSize[0], imageSize[1]];
  const detectionBox = best ? expandBox(best.box, config.cropMargin, imageSize) : null;
  const regions: { region: MatchRegion; box: [number, number, number, number] }[] = [];
  if (detectionBox) regions.push({ region: 'detection', box: detectionBox });
  if (
    config.matchWholeImage &&
    (!detectionBox || boxArea(detectionBox) < WHOLE_IMAGE_SHARE * imageSize[0] * imageSize[1])
  )
    regions.push({ region: 'whole-image', box: fullImage });
  let chosen: Chosen | null = null;
  for (const { region, box } of regions) {
    if (templates.length === 0) break;
    chosen = await matchRegion(ports, config, { templates, box, region, imageSize, pose, rejected, debug: debugBase });
    if (chosen) {
      debugBase.match_region = region;
      break;
    }
  }
  if (chosen) {
    debugBase.matches = chosen.matches;
    debugBase.features = chosen.features;
    debugBase.homography_inliers = chosen.inliers;
    debugBase.inlier_ratio = Math.round((chosen.inliers / Math.max(1, chosen.matches)) * 1000) / 1000;
    debugBase.reprojection_error = Math.round(chosen.error * 100) / 100;
    debugBase.ncc = Math.round(chosen.ncc * 1000) / 1000;
    debugBase.template_key = chosen.ref.key;
    debugBase.template_model = chosen.ref.templateModel;
    timings.match = ports.now() - tm;
    debugBase.orientation_turns = chosen.turns;
    const method: Method = chosen.ambiguous ? 'homography-unsure' : 'homography';
    const confidence = confidenceFor(method, best?.score ?? NO_DETECTION_SCORE, {
      inlierRatio: chosen.inliers / Math.max(1, chosen.matches),
      reprojError: chosen.error,
    });
    return finish(chosen.ambiguous ? 'pipeline-fallback' : 'full', method, chosen.points, confidence);
  }
  if (templates.length > 0) timings.match = ports.now() - tm;
  if (!best) return finish('geometric-fallback', 'geometric', GEOMETRIC_FALLBACK, 0, true);

  if (pose) {
    const sanity = checkDial(pose.points, imageSize);
    if (sanity.ok) {
      // No template to match, or none that fits: the detector's own keypoints, a fallback either
      // way (the full tier is a template fit only).
      const method: Method = templates.length === 0 ? 'pose' : 'pose-fallback';
      return finish(
        'pipeline-fallback',
        method,
        pose.points,
        confidenceFor(method, best.score, { visibility: pose.visibility }),
      );
    }
    rejected.push(`pose keypoints: ${sanity.reason}`);
  } else if (best.keypoints) {
    rejected.push('pose keypoints: not visible enough');
  }
  const method: Method = best.obb ? 'obb' : 'box';
  return finish('pipeline-fallback', method, keypointsFromBox(best), confidenceFor(method, best.score));
}

type Points = Record<(typeof KEYPOINT_NAMES)[number], Pt>;

type MatchRegion = NonNullable<PipelineResult['debug']['match_region']>;

interface Chosen {
  ref: TemplateRef;
  points: Points;
  ncc: number;
  rank: number[];
  turns: number;
  ambiguous: boolean;
  inliers: number;
  matches: number;
  error: number;
  features: [number, number];
}

const boxArea = (b: [number, number, number, number]): number => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);

/**
 * Match the templates to one region of the photo (the detector's crop, or the whole photo) and
 * keep the best acceptable fit; every refusal is said in `rejected` (prefixed with the region when
 * it is the whole photo).
 */
async function matchRegion<T>(
  ports: PipelinePorts<T>,
  config: PipelineConfig,
  o: {
    templates: Awaited<ReturnType<PipelinePorts<T>['templates']>>;
    box: [number, number, number, number];
    region: MatchRegion;
    imageSize: [number, number];
    pose: ReturnType<typeof poseKeypoints>;
    rejected: string[];
    debug: Pick<PipelineResult['debug'], 'templates_tried' | 'matches' | 'features' | 'homography_inliers'>;
  },
): Promise<Chosen | null> {
  const { templates, box, imageSize, pose, rejected } = o;
  const debugBase = o.debug;
  const prefix = o.region === 'whole-image' ? 'whole image: ' : '';
  let crop: Crop | null = null;
  let query: T | null = null;
  let queryDetail: GrayImage | null = null;
  let chosen: Chosen | null = null;
  for (const { ref, prepared, sameWatch } of templates.slice(0, config.maxTemplates)) {
    debugBase.templates_tried++;
    crop ??= await ports.crop(box);
    query ??= await ports.prepareQuery(crop.image);
    const c = await ports.match(query, prepared);
    const fit = ports.fitHomography(c.template, c.query, config.ransacThreshold);
    // Until a fit is accepted, debug_info shows the attempt that found the most matches.
    if (!chosen && (debugBase.matches === null || c.query.length > debugBase.matches)) {
      debugBase.matches = c.query.length;
      debugBase.features = c.features;
      debugBase.homography_inliers = fit?.inlierCount ?? 0;
    }
    if (!fit || fit.inlierCount < config.minInliers) {
      rejected.push(`${prefix}${ref.key}: ${fit ? fit.inlierCount : 0} inliers of ${c.query.length} matches`);
      continue;
    }
    const crop_ = crop;
    const toSource = (p: Pt): Pt => [p[0] * crop_.scale + crop_.offsetX, p[1] * crop_.scale + crop_.offsetY];
    let points = {} as Points;
    for (const n of KEYPOINT_NAMES) points[n] = toSource(project(fit.H, ref.keypoints[n]));
    const sanity = checkDial(points, imageSize);
    if (!sanity.ok) {
      rejected.push(`${prefix}${ref.key}: ${sanity.reason}`);
      continue;
    }
    // Orientation: a dial with repeated indices can match a quarter turn off, the points in the
    // right places but with the wrong names. The four turns are scored photometrically (the print
    // lines up for the right one); a pose detector's keypoints break near-ties.
    queryDetail ??= highPass(crop.image);
    const scores = quarterTurnScores(queryDetail, ref, fit.H);
    const byScore = [0, 1, 2, 3].sort((a, b) => (scores[b] as number) - (scores[a] as number));
    let turns = byScore[0] as number;
    let ambiguous = (scores[turns] as number) - (scores[byScore[1] as number] as number) < config.orientationMargin;
    if (pose) {
      // Two independent cues: where the print lines up, and where the detector put 12 o'clock.
      // They agree: sure. The print cannot tell and the detector can: the detector decides. They
      // contradict each other: keep the print's answer, but do not call it sure.
      const disagreement = (k: number): number =>
        meanDistance(renameByQuarterTurns(points, k), pose.points) / Math.max(1, dialDiameterPx(pose.points));
      const poseTurns = [0, 1, 2, 3].sort((a, b) => disagreement(a) - disagreement(b))[0] as number;
      if (disagreement(poseTurns) <= config.maxPoseDisagreement) {
        if (poseTurns === turns) ambiguous = false;
        else if ((scores[poseTurns] as number) >= (scores[turns] as number) - config.orientationMargin) {
          turns = poseTurns;
          ambiguous = false;
        } else ambiguous = true;
      }
    }
    const ncc = scores[turns] as number;
    const strong = fit.inlierCount >= 4 * config.minInliers && fit.inlierCount >= 0.35 * c.query.length;
    if (ncc < (strong && !ambiguous ? config.strongFitMinNcc : config.minNcc)) {
      rejected.push(`${prefix}${ref.key}: the warped template does not look like the photo (NCC ${ncc.toFixed(2)})`);
      continue;
    }
    if (turns !== 0) points = renameByQuarterTurns(points, turns);
    // Prefer a sure orientation, then a template of the same watch, then the best-lined-up print.
    const rank = [ambiguous ? 0 : 1, sameWatch ? 1 : 0, ncc];
    if (!chosen || compareRank(rank, chosen.rank) > 0) {
      chosen = {
        ref,
        points,
        ncc,
        rank,
        turns,
        ambiguous,
        inliers: fit.inlierCount,
        matches: c.query.length,
        error: reprojectionError(fit.H, c.template, c.query, fit.inliers),
        features: c.features,
      };
    }
    // A clear winner needs no comparison: many inliers at a high ratio.
    if (!config.compareTemplates || strong) break;
  }
  if (query !== null) ports.release(query);
  return chosen;
}

/**
 * The detector's keypoints when it is a pose model and they are visible enough. They must be
 * Loupe's five in KEYPOINT_NAMES order, as selectKeypoints (model-keypoints.ts) leaves them: a
 * model's own keypoints are never taken by position here.
 */
function poseKeypoints(det: Detection, minVisibility: number): { points: Points; visibility: number } | null {
  const kps = det.keypoints;
  if (!kps || kps.length !== KEYPOINT_NAMES.length) return null;
  const visibility = kps.reduce((a, k) => a + k.v, 0) / KEYPOINT_NAMES.length;
  if (visibility < minVisibility) return null;
  const points = {} as Points;
  KEYPOINT_NAMES.forEach((n, i) => {
    const k = kps[i] as { x: number; y: number };
    points[n] = [k.x, k.y];
  });
  return { points, visibility };
}

function meanDistance(a: Points, b: Points): number {
  return (
    KEYPOINT_NAMES.reduce((s, n) => s + Math.hypot(a[n][0] - b[n][0], a[n][1] - b[n][1]), 0) / KEYPOINT_NAMES.length
  );
}

function dialDiameterPx(p: Points): number {
  return (
    (Math.hypot(p.top[0] - p.bottom[0], p.top[1] - p.bottom[1]) +
      Math.hypot(p.left[0] - p.right[0], p.left[1] - p.right[1])) /
    2
  );
}

/** Canonical dial coordinates of the four rim keypoints, clockwise from 12 o'clock. */
const RIM: readonly (typeof KEYPOINT_NAMES)[number][] = ['top', 'right', 'bottom', 'left'];
const CANONICAL: Record<string, Pt> = { top: [0, -1], right: [1, 0], bottom: [0, 1], left: [-1, 0] };

/**
 * NCC of the template warped into the photo's crop by the matched homography turned by k quarter
 * turns about the template's own dial (k = 0..3, clockwise). Both images are the high-passed
 * detail (see highPass): the print, not the lighting.
 */
export function quarterTurnScores(query: GrayImage, ref: TemplateRef, H: Homography): number[] {
  const tcrop = ref.crop;
  const T = homographyFrom4(
    RIM.map((n) => CANONICAL[n] as Pt),
    RIM.map((n) => ref.keypoints[n]),
  );
  const Tinv = T ? invert3(T) : null;
  const base = warpedNcc(query, tcrop, H);
  if (!T || !Tinv) return [base, -1, -1, -1];
  return [0, 1, 2, 3].map((k) => {
    if (k === 0) return base;
    const c = Math.round(Math.cos((k * Math.PI) / 2));
    const s = Math.round(Math.sin((k * Math.PI) / 2));
    const R: Homography = [c, -s, 0, s, c, 0, 0, 0, 1];
    return warpedNcc(query, tcrop, compose(H, compose(T, compose(R, Tinv))));
  });
}

function compareRank(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/** The same four rim points, named k quarter turns further clockwise. */
export function renameByQuarterTurns(points: Points, k: number): Points {
  const out = { ...points };
  RIM.forEach((name, i) => {
    out[name] = points[RIM[(i + k) % 4] as (typeof KEYPOINT_NAMES)[number]];
  });
  return out;
}

/** Grow a box by `margin` of its size on every side, clipped to the image. */
export function expandBox(
  box: readonly number[],
  margin: number,
  size: [number, number],
): [number, number, number, number] {
  const [x1, y1, x2, y2] = box as [number, number, number, number];
  const mx = (x2 - x1) * margin;
  const my = (y2 - y1) * margin;
  return [Math.max(0, x1 - mx), Math.max(0, y1 - my), Math.min(size[0], x2 + mx), Math.min(size[1], y2 + my)];
}

/**
 * Templates for an image, best first: same watch ID before same template model; within each,
 * the most frontal dial first (12–6 and 9–3 of equal length and perpendicular).
 */
export function rankTemplates<
  C extends { watchId: string; templateModel: string | null; coords: Keypoints; size: [number, number] },
>(candidates: readonly C[], identity: { watchId: string; templateModel: string | null }): C[] {
  const relevant = candidates.filter(
    (c) =>
      (c.watchId === identity.watchId ||
        (identity.templateModel !== null && c.templateModel === identity.templateModel)) &&
      // Keypoints outside the image (or not numbers) would be projected onto the query: never.
      templateProblem({ coords_norm: c.coords, image_size: c.size }) === null,
  );
  return relevant.sort((a, b) => {
    const sameA = a.watchId === identity.watchId ? 0 : 1;
    const sameB = b.watchId === identity.watchId ? 0 : 1;
    return sameA - sameB || frontality(b.coords, b.size) - frontality(a.coords, a.size);
  });
}

/** 1 for a perfectly frontal dial, towards 0 as it tilts (axis ratio × perpendicularity). */
export function frontality(k: Keypoints, size: [number, number]): number {
  const v = (a: NormPoint, b: NormPoint): Pt => [(b[0] - a[0]) * size[0], (b[1] - a[1]) * size[1]];
  const vertical = v(k.bottom, k.top);
  const horizontal = v(k.left, k.right);
  const lv = Math.hypot(...vertical);
  const lh = Math.hypot(...horizontal);
  if (lv === 0 || lh === 0) return 0;
  const ratio = Math.min(lv, lh) / Math.max(lv, lh);
  const cos = Math.abs((vertical[0] * horizontal[0] + vertical[1] * horizontal[1]) / (lv * lh));
  return ratio * (1 - cos);
}
