import type { MetricModelSummary } from '../../shared/jobs';

/** A frame's score by one metric model (`frame`: the output's name; the input's name for the baseline). */
export interface MetricFrameScore {
  frame: string;
  input: string;
  score: number;
}

export interface MetricFrameSkip {
  frame: string;
  input: string;
  reason: string;
}

/**
 * metrics.json's (and input_metrics.json's) `metric_models.<name>`: the model as used (name,
 * direction, input range, file, definition), its mean, and every frame's score, or why a frame
 * with ground truth has none.
 */
export interface MetricModelScores extends MetricModelSummary {
  mean: number | null;
  frames: MetricFrameScore[];
  skipped: MetricFrameSkip[];
}

/** Scores are kept to 6 decimals (LPIPS differences that matter are around 1e-3). */
export const roundScore = (v: number): number => Math.round(v * 1e6) / 1e6;

/**
 * One metric's section from its scores (in any order): frames sorted by name, the mean over
 * them. The one rule a single run, the input baseline and a cluster run's merge all use.
 */
export function metricSection(
  summary: MetricModelSummary,
  frames: readonly MetricFrameScore[],
  skipped: readonly MetricFrameSkip[],
): MetricModelScores {
  const byFrame = (a: { frame: string }, b: { frame: string }) => a.frame.localeCompare(b.frame);
  const sorted = [...frames].sort(byFrame);
  const mean = sorted.length ? roundScore(sorted.reduce((a, f) => a + f.score, 0) / sorted.length) : null;
  return { ...summary, mean, frames: sorted, skipped: [...skipped].sort(byFrame) };
}

/** A model's (or the input's) scores by metric, collected frame by frame. */
export class MetricScoreSheet {
  private readonly frames = new Map<string, MetricFrameScore[]>();
  private readonly skipped = new Map<string, MetricFrameSkip[]>();

  constructor(readonly metrics: readonly MetricModelSummary[]) {
    for (const m of metrics) {
      this.frames.set(m.name, []);
      this.skipped.set(m.name, []);
    }
  }

  add(name: string, frame: string, input: string, result: { score: number } | { skipped: string }): void {
    if ('score' in result) this.frames.get(name)?.push({ frame, input, score: roundScore(result.score) });
    else this.skipped.get(name)?.push({ frame, input, reason: result.skipped });
  }

  /** metrics.json `metric_models`, by name (in the batch's order). */
  sections(): Record<string, MetricModelScores> {
    return Object.fromEntries(
      this.metrics.map((m) => [
        m.name,
        metricSection(m, this.frames.get(m.name) ?? [], this.skipped.get(m.name) ?? []),
      ]),
    );
  }

  /** Each metric's mean, by name (metrics.json `mean.<name>`, the summary's `metric_means`). */
  means(): Record<string, number | null> {
    return Object.fromEntries(Object.entries(this.sections()).map(([name, s]) => [name, s.mean]));
  }
}
