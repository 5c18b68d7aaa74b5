import type { Keypoints, LabelRecord, NormPoint } from '../../shared/labels';
import type { Method } from './pipeline';

/**
 * Calibrated confidence (issue 17 item 2): a prediction's `confidence` is the probability that its
 * mean keypoint error is at most GOOD_ERROR_PCT % of the dial's diameter, fitted per method on the
 * project's evaluation sets (bench/calibrate.bench.test.ts, `npm run calibrate`; the model card
 * has the reliability table). The raw score the pipeline computes (confidenceFor) is one input;
 * cheap sanity features of the predicted points are the others, so that five points collapsed
 * into a small cluster inside a large detection, or a centre far from between its rim points, get
 * a low probability whatever the detector's score.
 *
 * Pure: the fitting (pool-adjacent-violators isotonic regression, L2-regularised logistic
 * regression by Newton's method) and the map both live here; the fitted table is data
 * (calibration-table.ts, written by the script from its committed observations).
 */

/** An error at most this share (in %) of the dial diameter counts as right. */
export const GOOD_ERROR_PCT = 2;

/** What a prediction's probability is computed from; recorded in debug_info.calibration_input. */
export interface CalibrationInput {
  method: Method;
  /** The pipeline's raw score (confidenceFor), in [0, 1]. */
  raw: number;
  /**
   * Size of the predicted dial (mean of the 12–6 and 9–3 lengths) over the detector box's (mean
   * of width and height); null without a detection. Near 1 for a fit that covers the detected
   * dial; far below 1 for points collapsed into a cluster.
   */
  spread: number | null;
  /** Distance of the rim midpoints from the centre point, over the dial diameter (0 = symmetric). */
  asymmetry: number;
  /** Homography inliers (null without a fit). */
  inliers: number | null;
  /** NCC of the warped template with the photo (null without a fit). */
  ncc: number | null;
}

/** Features a logistic model of a method uses, by name (the table lists the names it was fitted on). */
export type FeatureName = 'logit_raw' | 'log_spread_off' | 'asymmetry' | 'log_inliers' | 'ncc';

export function featureValue(name: FeatureName, x: CalibrationInput): number {
  switch (name) {
    case 'logit_raw': {
      const p = Math.min(0.999, Math.max(0.001, x.raw));
      return Math.log(p / (1 - p));
    }
    case 'log_spread_off':
      // How far the points' size is from the box's, in either direction (0: the same size).
      return x.spread === null || !(x.spread > 0) ? 0 : Math.min(3, Math.abs(Math.log(x.spread)));
    case 'asymmetry':
      return Math.min(1, x.asymmetry);
    case 'log_inliers':
      return Math.log1p(x.inliers ?? 0);
    case 'ncc':
      return x.ncc ?? 0;
  }
}

/** A fitted map for one method. */
export type MethodModel =
  | { kind: 'constant'; p: number }
  /** Step function of the raw score: p[i] for raw ≥ x[i] (p[0] below x[0]); x ascending, p non-decreasing. */
  | { kind: 'isotonic'; x: number[]; p: number[] }
  /** p = σ(intercept + Σ w·(f − mean)/scale) over the named features. */
  | {
      kind: 'logistic';
      features: FeatureName[];
      mean: number[];
      scale: number[];
      weights: number[];
      intercept: number;
    };

export interface CalibrationTable {
  /** Recorded in every prediction's debug_info.calibration. */
  id: string;
  goodErrorPct: number;
  methods: Record<Method, MethodModel & { n: number; positives: number; source: string }>;
}

/** Probabilities are kept off 0 and 1: no evaluation set proves a prediction certainly right or wrong. */
const P_MIN = 0.01;
const P_MAX = 0.99;
const clampP = (p: number): number => Math.min(P_MAX, Math.max(P_MIN, p));
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export function applyModel(m: MethodModel, x: CalibrationInput): number {
  switch (m.kind) {
    case 'constant':
      return clampP(m.p);
    case 'isotonic': {
      let i = 0;
      while (i + 1 < m.x.length && x.raw >= (m.x[i + 1] as number)) i++;
      return clampP(m.p[i] as number);
    }
    case 'logistic': {
      let z = m.intercept;
      m.features.forEach((f, i) => {
        z += ((m.weights[i] as number) * (featureValue(f, x) - (m.mean[i] as number))) / (m.scale[i] as number);
      });
      return clampP(sigmoid(z));
    }
  }
}

/** The calibrated probability of a prediction, rounded to 3 decimals like every confidence. */
export function calibrate(table: CalibrationTable, x: CalibrationInput): number {
  return Math.round(applyModel(table.methods[x.method], x) * 1000) / 1000;
}

/** Mean of the 12–6 and 9–3 lengths, in the points' own units. */
export function pointsDiameter(p: Record<'top' | 'bottom' | 'left' | 'right', readonly [number, number]>): number {
  return (
    (Math.hypot(p.top[0] - p.bottom[0], p.top[1] - p.bottom[1]) +
      Math.hypot(p.left[0] - p.right[0], p.left[1] - p.right[1])) /
    2
  );
}

/** Predicted dial size over the detector box's size (see CalibrationInput.spread). */
export function spreadOf(
  points: Record<'top' | 'bottom' | 'left' | 'right', readonly [number, number]>,
  box: readonly number[] | null,
): number | null {
  if (!box) return null;
  const size = (Math.max(0, box[2]! - box[0]!) + Math.max(0, box[3]! - box[1]!)) / 2;
  return size > 0 ? Math.round((pointsDiameter(points) / size) * 1000) / 1000 : null;
}

/** Distance of the rim midpoints from the centre, over the dial diameter (0 = symmetric; 1 when degenerate). */
export function asymmetry(k: Keypoints, size: readonly [number, number]): number {
  const px = (p: NormPoint): [number, number] => [p[0] * size[0], p[1] * size[1]];
  const [tx, ty] = px(k.top);
  const [bx, by] = px(k.bottom);
  const [lx, ly] = px(k.left);
  const [rx, ry] = px(k.right);
  const [cx, cy] = px(k.center);
  const diameter = (Math.hypot(tx - bx, ty - by) + Math.hypot(lx - rx, ly - ry)) / 2;
  if (diameter < 1e-6) return 1;
  const d1 = Math.hypot((tx + bx) / 2 - cx, (ty + by) / 2 - cy);
  const d2 = Math.hypot((lx + rx) / 2 - cx, (ly + ry) / 2 - cy);
  return (d1 + d2) / 2 / diameter;
}

// ---------------------------------------------------------------------------------------------
// Old records

const METHOD_BY_LABEL: Record<string, Method> = {
  'YOLO-Match-Homography': 'homography',
  'YOLO-Match-Homography-Orientation-Unsure': 'homography-unsure',
  'YOLO-Box-Geometry': 'box',
  'YOLO-OBB-Geometry': 'obb',
  'Geometric-Default': 'geometric',
};

/** The pipeline method a record Loupe wrote came from (its debug_info); null when it does not say. */
export function methodOfRecord(record: Pick<LabelRecord, 'debug_info'>): Method | null {
  const d = record.debug_info as Record<string, unknown> | undefined;
  const input = d?.calibration_input as { method?: unknown } | undefined;
  if (typeof input?.method === 'string' && (METHODS as readonly string[]).includes(input.method))
    return input.method as Method;
  const label = typeof d?.method === 'string' ? d.method : null;
  if (label === null) return null;
  if (label === 'pose' || label === 'YOLO-Pose' || label === 'YOLO-Pose-Fallback') {
    const tried = typeof d?.templates_tried === 'number' ? d.templates_tried : 0;
    return tried > 0 || label === 'YOLO-Pose-Fallback' ? 'pose-fallback' : 'pose';
  }
  return METHOD_BY_LABEL[label] ?? null;
}

/**
 * The probability that a prediction record is right. A record Loupe wrote with calibration
 * (debug_info.calibration set) carries it as its confidence. An older one carries only the raw
 * score: the current table is applied to what its debug_info still says (method, inliers, NCC,
 * the points' symmetry; not the detector box, so the spread check is skipped). A record with
 * neither (a human label's kept prediction, a file from elsewhere) gives its confidence as it
 * stands, or null without one.
 */
export function probabilityRight(
  record: Pick<LabelRecord, 'confidence' | 'debug_info' | 'coords_norm' | 'image_size'>,
  table: CalibrationTable,
): number | null {
  const d = record.debug_info as Record<string, unknown> | undefined;
  const conf = typeof record.confidence === 'number' ? record.confidence : null;
  if (typeof d?.calibration === 'string') return conf;
  const method = methodOfRecord(record);
  if (conf === null || method === null) return conf;
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return calibrate(table, {
    method,
    raw: conf,
    spread: null,
    asymmetry: asymmetry(record.coords_norm, record.image_size),
    inliers: num(d?.homography_inliers),
    ncc: num(d?.ncc),
  });
}

// ---------------------------------------------------------------------------------------------
// Fitting

/** One prediction of the evaluation sets: its calibration input and whether it was right. */
export interface Observation extends CalibrationInput {
  /** Which evaluation set and image it came from (for the record; not fitted on). */
  image: string;
  /** Group for held-out evaluation (the watch ID: views of one watch are never split). */
  group: string;
  /** Mean keypoint error in % of the dial diameter. */
  errorPct: number;
}

export const isRight = (o: Pick<Observation, 'errorPct'>): boolean => o.errorPct <= GOOD_ERROR_PCT;

/**
 * Pool-adjacent-violators: the non-decreasing step function of x closest (least squares) to y.
 * Equal x values are pooled first. Returns the steps' left edges and values.
 */
export function fitIsotonic(xs: readonly number[], ys: readonly number[]): { x: number[]; p: number[] } {
  const order = xs.map((_, i) => i).sort((a, b) => (xs[a] as number) - (xs[b] as number));
  const blocks: { x: number; sum: number; n: number }[] = [];
  for (const i of order) {
    const x = xs[i] as number;
    const last = blocks.at(-1);
    if (last && last.x === x) {
      last.sum += ys[i] as number;
      last.n++;
    } else blocks.push({ x, sum: ys[i] as number, n: 1 });
  }
  const stack: { x: number; sum: number; n: number }[] = [];
  for (const b of blocks) {
    stack.push({ ...b });
    while (stack.length > 1) {
      const top = stack[stack.length - 1]!;
      const prev = stack[stack.length - 2]!;
      if (prev.sum / prev.n < top.sum / top.n) break;
      stack.pop();
      prev.sum += top.sum;
      prev.n += top.n;
    }
  }
  return { x: stack.map((b) => b.x), p: stack.map((b) => b.sum / b.n) };
}

/**
 * Logistic regression by Newton's method with an L2 penalty `lambda` on the (standardised)
 * weights, not the intercept. Deterministic: the same data give the same numbers.
 */
export function fitLogistic(
  X: readonly (readonly number[])[],
  y: readonly number[],
  lambda = 1,
): { mean: number[]; scale: number[]; weights: number[]; intercept: number } {
  const n = X.length;
  const k = X[0]?.length ?? 0;
  const mean = Array.from({ length: k }, (_, j) => X.reduce((s, r) => s + (r[j] as number), 0) / Math.max(1, n));
  const scale = mean.map((m, j) => {
    const v = X.reduce((s, r) => s + ((r[j] as number) - m) ** 2, 0) / Math.max(1, n);
    return v > 1e-12 ? Math.sqrt(v) : 1;
  });
  const Z = X.map((r) => [1, ...r.map((v, j) => (v - (mean[j] as number)) / (scale[j] as number))]);
  const beta = new Array<number>(k + 1).fill(0);
  for (let iter = 0; iter < 50; iter++) {
    const g = new Array<number>(k + 1).fill(0);
    const Hm = Array.from({ length: k + 1 }, () => new Array<number>(k + 1).fill(0));
    for (let i = 0; i < n; i++) {
      const z = Z[i] as number[];
      const p = sigmoid(z.reduce((s, v, j) => s + v * (beta[j] as number), 0));
      const w = Math.max(1e-9, p * (1 - p));
      for (let a = 0; a <= k; a++) {
        g[a]! += (p - (y[i] as number)) * (z[a] as number);
        for (let b = 0; b <= k; b++) Hm[a]![b]! += w * (z[a] as number) * (z[b] as number);
      }
    }
    for (let a = 1; a <= k; a++) {
      g[a]! += lambda * (beta[a] as number);
      Hm[a]![a]! += lambda;
    }
    const step = solve(Hm, g);
    let moved = 0;
    for (let a = 0; a <= k; a++) {
      beta[a]! -= step[a] as number;
      moved = Math.max(moved, Math.abs(step[a] as number));
    }
    if (moved < 1e-10) break;
  }
  return { mean, scale, weights: beta.slice(1), intercept: beta[0] as number };
}

/** Gaussian elimination with partial pivoting (small systems). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((r, i) => [...r, b[i] as number]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    const d = M[c]![c]!;
    if (Math.abs(d) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / d;
      for (let j = c; j <= n; j++) M[r]![j]! -= f * M[c]![j]!;
    }
  }
  return M.map((r, i) => (Math.abs(r[i]!) < 1e-12 ? 0 : r[n]! / r[i]!));
}

/** The features each method's logistic candidate is fitted on (what that method's input has). */
export const METHOD_FEATURES: Record<Method, FeatureName[]> = {
  homography: ['logit_raw', 'log_inliers', 'ncc', 'log_spread_off', 'asymmetry'],
  'homography-unsure': ['logit_raw', 'log_inliers', 'ncc', 'log_spread_off', 'asymmetry'],
  pose: ['logit_raw', 'log_spread_off', 'asymmetry'],
  'pose-fallback': ['logit_raw', 'log_spread_off', 'asymmetry'],
  box: ['logit_raw'],
  obb: ['logit_raw'],
  geometric: [],
};

export const METHODS: readonly Method[] = [
  'homography',
  'homography-unsure',
  'pose',
  'pose-fallback',
  'box',
  'obb',
  'geometric',
];

/** Below this many observations (or this few of either outcome) a method gets a constant. */
const MIN_FOR_SHAPE = 20;
const MIN_EACH_OUTCOME = 3;
const FOLDS = 5;

type Candidate = 'constant' | 'isotonic' | 'logistic';

const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;

/**
 * The rate, smoothed towards `prior` with the weight of two observations (Beta(2·prior,
 * 2·(1 − prior))): an unseen outcome is never given probability 0, and a method seen a few times
 * leans on the methods like it (see PRIOR_POOL).
 */
const smoothedRate = (obs: readonly Observation[], prior: number): number =>
  (obs.filter(isRight).length + 2 * prior) / (obs.length + 2);

/**
 * The methods whose observations a method's constant is smoothed towards, and which stand in for
 * it when it has none: a template fit's kind for a template fit, every pipeline fallback for the
 * rest (geometric included: no better evidence about a guess than the other guesses').
 */
const PRIOR_POOL: Record<Method, Method[]> = {
  homography: ['homography', 'homography-unsure'],
  'homography-unsure': ['homography', 'homography-unsure'],
  pose: ['pose', 'pose-fallback', 'box', 'obb'],
  'pose-fallback': ['pose', 'pose-fallback', 'box', 'obb'],
  box: ['pose', 'pose-fallback', 'box', 'obb'],
  obb: ['pose', 'pose-fallback', 'box', 'obb'],
  geometric: ['pose', 'pose-fallback', 'box', 'obb', 'geometric'],
};

function priorOf(method: Method, observations: readonly Observation[]): number {
  const pool = observations.filter((o) => PRIOR_POOL[method].includes(o.method));
  return pool.length ? smoothedRate(pool, 0.5) : 0.5;
}

function fitCandidate(kind: Candidate, method: Method, obs: readonly Observation[], prior = 0.5): MethodModel {
  switch (kind) {
    case 'constant':
      return { kind: 'constant', p: r4(smoothedRate(obs, prior)) };
    case 'isotonic': {
      const f = fitIsotonic(
        obs.map((o) => o.raw),
        obs.map((o) => (isRight(o) ? 1 : 0)),
      );
      return { kind: 'isotonic', x: f.x.map(r4), p: f.p.map(r4) };
    }
    case 'logistic': {
      const features = METHOD_FEATURES[method];
      const f = fitLogistic(
        obs.map((o) => features.map((n) => featureValue(n, o))),
        obs.map((o) => (isRight(o) ? 1 : 0)),
      );
      return {
        kind: 'logistic',
        features,
        mean: f.mean.map(r4),
        scale: f.scale.map(r4),
        weights: f.weights.map(r4),
        intercept: r4(f.intercept),
      };
    }
  }
}

/** The weight a logistic model gives the raw score (0 for other models, or one that does not use it). */
function rawWeight(m: MethodModel): number {
  if (m.kind !== 'logistic') return 0;
  const i = m.features.indexOf('logit_raw');
  return i < 0 ? 0 : (m.weights[i] as number);
}

/** Which of the groups falls in which fold: sorted by name, dealt round-robin (deterministic). */
export function foldOf(groups: readonly string[], folds = FOLDS): Map<string, number> {
  const names = [...new Set(groups)].sort();
  return new Map(names.map((g, i) => [g, i % folds]));
}

/** Out-of-fold predictions of one candidate (every observation predicted by a fit without its watch). */
function heldOut(
  kind: Candidate,
  method: Method,
  obs: readonly Observation[],
  all: readonly Observation[],
  fold: Map<string, number>,
): number[] {
  return obs.map((o) => {
    const out = (t: Observation): boolean => fold.get(t.group) !== fold.get(o.group);
    const train = obs.filter(out);
    const prior = priorOf(method, all.filter(out));
    if (train.length === 0) return applyModel({ kind: 'constant', p: prior }, o);
    return applyModel(fitCandidate(usable(kind, train), method, train, prior), o);
  });
}

/** A candidate that cannot be fitted on these observations becomes the constant. */
function usable(kind: Candidate, obs: readonly Observation[]): Candidate {
  const pos = obs.filter(isRight).length;
  if (kind === 'constant') return kind;
  if (obs.length < MIN_FOR_SHAPE || pos < MIN_EACH_OUTCOME || obs.length - pos < MIN_EACH_OUTCOME) return 'constant';
  return kind;
}

export const brier = (p: readonly number[], y: readonly number[]): number =>
  p.reduce((s, v, i) => s + (v - (y[i] as number)) ** 2, 0) / Math.max(1, p.length);

export interface ReliabilityBin {
  /** [lo, hi) (the last bin includes 1). */
  lo: number;
  hi: number;
  count: number;
  meanPredicted: number | null;
  observed: number | null;
}

/** Ten equal bins of the predicted probability: count, mean predicted, observed rate. */
export function reliability(p: readonly number[], y: readonly number[], bins = 10): ReliabilityBin[] {
  const out: ReliabilityBin[] = Array.from({ length: bins }, (_, i) => ({
    lo: i / bins,
    hi: (i + 1) / bins,
    count: 0,
    meanPredicted: 0,
    observed: 0,
  }));
  p.forEach((v, i) => {
    const b = out[Math.min(bins - 1, Math.floor(v * bins))]!;
    b.count++;
    b.meanPredicted! += v;
    b.observed! += y[i] as number;
  });
  for (const b of out) {
    b.meanPredicted = b.count ? r4(b.meanPredicted! / b.count) : null;
    b.observed = b.count ? r4(b.observed! / b.count) : null;
  }
  return out;
}

/** Expected calibration error: the count-weighted mean |predicted − observed| over the bins. */
export function ece(p: readonly number[], y: readonly number[], bins = 10): number {
  const n = p.length;
  return reliability(p, y, bins).reduce(
    (s, b) => s + (b.count ? (b.count / n) * Math.abs(b.meanPredicted! - b.observed!) : 0),
    0,
  );
}

export interface CalibrationFit {
  table: CalibrationTable;
  /** Per method: the held-out Brier score of each candidate, and the one chosen. */
  selection: Record<
    Method,
    { n: number; positives: number; heldOutBrier: Partial<Record<Candidate, number>>; chosen: string }
  >;
  /** Every observation's held-out calibrated probability (the chosen candidate, fitted without its watch). */
  heldOut: number[];
}

/**
 * Fit the table: per method, the candidate (constant, isotonic on the raw score, logistic on
 * METHOD_FEATURES) with the lowest Brier score on held-out watches (FOLDS folds by watch ID), then
 * refit on all of that method's observations (a logistic fit whose weight on the raw score is
 * negative is refused: the probability must not fall as the score rises). A constant is smoothed
 * towards the rate of the methods like it (PRIOR_POOL); a method with no observations gets that
 * rate, and its source names the pool.
 */
export function fitCalibration(observations: readonly Observation[], id: string): CalibrationFit {
  const fold = foldOf(observations.map((o) => o.group));
  const methods = {} as CalibrationTable['methods'];
  const selection = {} as CalibrationFit['selection'];
  const heldOutP = new Array<number>(observations.length).fill(0.5);
  for (const method of METHODS) {
    const own = observations.filter((o) => o.method === method);
    const prior = priorOf(method, observations);
    const pos = own.filter(isRight).length;
    const scores: Partial<Record<Candidate, number>> = {};
    let chosen: Candidate = 'constant';
    if (own.length > 0) {
      const y = own.map((o) => (isRight(o) ? 1 : 0));
      for (const kind of ['constant', 'isotonic', 'logistic'] as Candidate[]) {
        if (usable(kind, own) !== kind) continue;
        // A probability that falls as the raw score rises would be no calibration of it: refused.
        if (kind === 'logistic' && rawWeight(fitCandidate(kind, method, own)) < 0) continue;
        scores[kind] = r4(brier(heldOut(kind, method, own, observations, fold), y));
      }
      chosen = (Object.entries(scores) as [Candidate, number][]).reduce((a, b) => (b[1] < a[1] ? b : a))[0];
      const ho = heldOut(chosen, method, own, observations, fold);
      let j = 0;
      observations.forEach((o, i) => {
        if (o.method === method) heldOutP[i] = ho[j++] as number;
      });
    }
    const model: MethodModel = own.length
      ? fitCandidate(chosen, method, own, prior)
      : { kind: 'constant', p: r4(prior) };
    const source = own.length ? 'own' : PRIOR_POOL[method].join('+');
    methods[method] = { ...model, n: own.length, positives: pos, source };
    selection[method] = { n: own.length, positives: pos, heldOutBrier: scores, chosen };
  }
  return { table: { id, goodErrorPct: GOOD_ERROR_PCT, methods }, selection, heldOut: heldOutP };
}

/** A short id of the observations a table was fitted on (FNV-1a of their JSON): same data, same id. */
export function observationsId(observations: readonly Observation[]): string {
  let h = 0x811c9dc5;
  const s = JSON.stringify(observations);
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `p2pct-${h.toString(16).padStart(8, '0')}`;
}
