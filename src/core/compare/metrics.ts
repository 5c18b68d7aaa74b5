import type { CompareBaseline, CompareModel } from '../../shared/compare';

/**
 * What the compare view shows about metrics: means, the ranking, each model's worst frames, the
 * best model per frame, and the series the timeline draws. Pure functions of the session.
 */
/** `tpsnr`: temporal consistency, frame k's change against the ground truth's (core/metrics/quality). */
export type MetricName = 'psnr' | 'ssim' | 'tpsnr';

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

/**
 * Models by mean PSNR, best first (ties: SSIM, then name); models without metrics last, unranked.
 * With a `baseline` (the input against the ground truth) it is ranked among them as one more row,
 * and every model says what it gains over it.
 */
export function ranking(models: readonly CompareModel[], baseline: CompareBaseline | null = null): RankRow[] {
  const rows = models.map((m) => ({
    name: m.name,
    baseline: false,
    psnr: meanOf(m.psnr),
    ssim: meanOf(m.ssim),
    tpsnr: meanOf(m.tpsnr),
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
      gain: null,
      frames: baseline.psnr.filter((v) => v !== null).length,
    });
  rows.sort(
    (a, b) =>
      (b.psnr ?? -Infinity) - (a.psnr ?? -Infinity) ||
      (b.ssim ?? -Infinity) - (a.ssim ?? -Infinity) ||
      a.name.localeCompare(b.name),
  );
  const best = rows[0]?.psnr ?? null;
  let rank = 0;
  return rows.map((r) => ({
    ...r,
    rank: r.psnr === null ? null : ++rank,
    psnrDelta: r.psnr === null || best === null ? null : r.psnr - best,
  }));
}

/** The `k` frames where the model did worst (lowest PSNR or SSIM), worst first. */
export function worstFrames(model: CompareModel, metric: MetricName, k: number): { index: number; value: number }[] {
  const values = model[metric];
  return values
    .map((value, index) => ({ index, value }))
    .filter((x): x is { index: number; value: number } => x.value !== null)
    .sort((a, b) => a.value - b.value || a.index - b.index)
    .slice(0, k);
}

/** For each frame, the model with the highest value (null where no model has one). */
export function bestPerFrame(models: readonly CompareModel[], metric: MetricName, frames: number): (string | null)[] {
  const out: (string | null)[] = [];
  for (let i = 0; i < frames; i++) {
    let best: string | null = null;
    let value = -Infinity;
    for (const m of models) {
      const v = m[metric][i];
      if (v !== null && v !== undefined && v > value) {
        value = v;
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
  metric: MetricName,
  frames: number,
): [number[], ...(number | null)[][]] {
  const x = Array.from({ length: frames }, (_, i) => i);
  // Infinite values (an output equal to its ground truth) are left out: a chart cannot draw them.
  return [x, ...models.map((m) => x.map((i) => finiteOrNull(m[metric][i])))];
}

const finiteOrNull = (v: number | null | undefined): number | null =>
  v !== null && v !== undefined && Number.isFinite(v) ? v : null;
