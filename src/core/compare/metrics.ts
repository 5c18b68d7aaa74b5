import type { CompareBaseline, CompareMetricModel, CompareModel } from '../../shared/compare';
import type { MetricDirection } from '../../shared/jobs';

/**
 * What the compare view shows about metrics: means, the ranking, each model's worst frames, the
 * best model per frame, and the series the timeline draws. Pure functions of the session.
 */
/** `tpsnr`: temporal consistency, frame k's change against the ground truth's (core/metrics/quality). */
export type MetricName = 'psnr' | 'ssim' | 'tpsnr';
/** A built-in metric, or a metric model's score (`score:<name>`, CompareModel.scores[name]). */
export type MetricKey = MetricName | `score:${string}`;

export const scoreKey = (name: string): MetricKey => `score:${name}`;

/** A model's (or the baseline's) values of a metric per frame index. */
export function seriesOf(
  m: Pick<CompareModel, 'psnr' | 'ssim' | 'scores'> & { tpsnr?: (number | null)[] },
  key: MetricKey,
): readonly (number | null)[] {
  if (key.startsWith('score:')) return m.scores[key.slice('score:'.length)] ?? [];
  return m[key as MetricName] ?? [];
}

/** Which way a metric is better: the built-ins higher, a metric model as it declares (LPIPS lower). */
export function directionOf(key: MetricKey, metricModels: readonly CompareMetricModel[]): MetricDirection {
  if (!key.startsWith('score:')) return 'higher';
  return metricModels.find((m) => `score:${m.name}` === key)?.better ?? 'higher';
}

export function meanOf(values: readonly (number | null)[]): number | null {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    sum += v;
    n++;
  }
  return n ? sum / n : null;
}

export interface RankRow {
  name: string;
  /** The input itself against the ground truth (the baseline), ranked with the models. */
  baseline: boolean;
  rank: number | null;
  psnr: number | null;
  ssim: number | null;
  /** Mean temporal PSNR (null for the baseline row and without ground truth). */
  tpsnr: number | null;
  /** Each metric model's mean score over the frames it scored, by metric name. */
  scores: Record<string, number | null>;
  /** Difference to the best model's mean PSNR (dB; 0 for the best). */
  psnrDelta: number | null;
  /**
   * What the model gains over its input: the mean over the frames both have of (model − input),
   * PSNR in dB and SSIM as a difference. Null for the baseline row and without a baseline.
   */
  gain: { psnr: number | null; ssim: number | null } | null;
  frames: number;
}

/** The name of the baseline row. */
export const BASELINE_NAME = 'Input (no model)';

/** The mean over the frames where both have a finite value of a[i] − b[i]. */
export function meanGain(a: readonly (number | null)[], b: readonly (number | null)[]): number | null {
  return meanOf(a.map((v, i) => (v === null || b[i] === null || b[i] === undefined ? null : v - (b[i] as number))));
}

const meanScores = (scores: Record<string, readonly (number | null)[]>): Record<string, number | null> =>
  Object.fromEntries(Object.entries(scores).map(([name, values]) => [name, meanOf(values)]));

/** What a ranking sorts by: a metric and which way it is better (default: PSNR, higher). */
export interface RankOrder {
  by: MetricKey;
  better: MetricDirection;
}

const PSNR_ORDER: RankOrder = { by: 'psnr', better: 'higher' };

/** A row's mean of the ranking's metric. */
function rowValue(r: Omit<RankRow, 'rank' | 'psnrDelta'>, by: MetricKey): number | null {
  if (by.startsWith('score:')) return r.scores[by.slice('score:'.length)] ?? null;
  return r[by as MetricName];
}

/**
 * Models by mean PSNR, best first (ties: SSIM, then name); models without metrics last, unranked.
 * With a `baseline` (the input against the ground truth) it is ranked among them as one more row,
 * and every model says what it gains over it. `order` ranks by another metric instead, best first
 * as it is better (a metric model's lower-is-better score lowest first; ties by PSNR); rows
 * without a value of it last, unranked.
 */
export function ranking(
  models: readonly CompareModel[],
  baseline: CompareBaseline | null = null,
  order: RankOrder = PSNR_ORDER,
): RankRow[] {
  const rows = models.map((m) => ({
    name: m.name,
    baseline: false,
    psnr: meanOf(m.psnr),
    ssim: meanOf(m.ssim),
    tpsnr: meanOf(m.tpsnr),
    scores: meanScores(m.scores),
    gain: baseline ? { psnr: meanGain(m.psnr, baseline.psnr), ssim: meanGain(m.ssim, baseline.ssim) } : null,
    frames: m.psnr.filter((v) => v !== null).length,
  }));
  if (baseline && baseline.psnr.some((v) => v !== null))
    rows.push({
      name: BASELINE_NAME,
      baseline: true,
      psnr: meanOf(baseline.psnr),
      ssim: meanOf(baseline.ssim),
      tpsnr: null,
      scores: meanScores(baseline.scores),
      gain: null,
      frames: baseline.psnr.filter((v) => v !== null).length,
    });
  const sign = order.better === 'higher' ? 1 : -1;
  const key = (r: (typeof rows)[number]): number => {
    const v = rowValue(r, order.by);
    return v === null || Number.isNaN(v) ? -Infinity : sign * v;
  };
  rows.sort(
    (a, b) =>
      key(b) - key(a) ||
      (b.psnr ?? -Infinity) - (a.psnr ?? -Infinity) ||
      (b.ssim ?? -Infinity) - (a.ssim ?? -Infinity) ||
      a.name.localeCompare(b.name),
  );
  const psnrs = rows.map((r) => r.psnr).filter((v): v is number => v !== null);
  const best = psnrs.length ? Math.max(...psnrs) : null;
  let rank = 0;
  return rows.map((r) => ({
    ...r,
    rank: rowValue(r, order.by) === null ? null : ++rank,
    psnrDelta: r.psnr === null || best === null ? null : r.psnr - best,
  }));
}

/**
 * The `k` frames where the model did worst, worst first: the lowest values of a metric where
 * higher is better (PSNR, SSIM), the highest where lower is (a metric model such as LPIPS).
 */
export function worstFrames(
  model: CompareModel,
  metric: MetricKey,
  k: number,
  better: MetricDirection = 'higher',
): { index: number; value: number }[] {
  const sign = better === 'higher' ? 1 : -1;
  return seriesOf(model, metric)
    .map((value, index) => ({ index, value }))
    .filter((x): x is { index: number; value: number } => x.value !== null)
    .sort((a, b) => sign * (a.value - b.value) || a.index - b.index)
    .slice(0, k);
}

/** For each frame, the model with the best value (null where no model has one). */
export function bestPerFrame(
  models: readonly CompareModel[],
  metric: MetricKey,
  frames: number,
  better: MetricDirection = 'higher',
): (string | null)[] {
  const sign = better === 'higher' ? 1 : -1;
  const out: (string | null)[] = [];
  for (let i = 0; i < frames; i++) {
    let best: string | null = null;
    let value = -Infinity;
    for (const m of models) {
      const v = seriesOf(m, metric)[i];
      if (v !== null && v !== undefined && sign * v > value) {
        value = sign * v;
        best = m.name;
      }
    }
    out.push(best);
  }
  return out;
}

/** uPlot's data: frame indices, then one series per model (gaps as null). */
export function timelineData(
  models: readonly CompareModel[],
  metric: MetricKey,
  frames: number,
): [number[], ...(number | null)[][]] {
  const x = Array.from({ length: frames }, (_, i) => i);
  // Infinite values (an output equal to its ground truth) are left out: a chart cannot draw them.
  return [
    x,
    ...models.map((m) => {
      const values = seriesOf(m, metric);
      return x.map((i) => finiteOrNull(values[i]));
    }),
  ];
}

const finiteOrNull = (v: number | null | undefined): number | null =>
  v !== null && v !== undefined && Number.isFinite(v) ? v : null;
