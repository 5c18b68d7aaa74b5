import type { PredictKeypointsResult } from '../../../shared/jobs';
import type { LabelDir } from '../../labels/label-dir';
import type { PredictManifest } from './progress';
import type { PredictContext, PredictImage, Predictors } from './setup';

/** The run's result, from its items (this run's and, for a resumed job, the earlier ones'). */
export async function predictResult(
  ctx: PredictContext,
  images: readonly PredictImage[],
  manifest: PredictManifest,
  run: { outputDir: string; out: LabelDir; predictors: Predictors; templates: number },
): Promise<PredictKeypointsResult> {
  const tiers = { full: 0, 'pipeline-fallback': 0, 'geometric-fallback': 0 };
  let failed = 0;
  let skippedHuman = 0;
  let skippedDone = 0;
  const repredicted = { total: 0, 'own-watch-template': 0, 'model-template': 0 };
  for (const { rel, id } of images) {
    const it = ctx.previous(rel);
    if (it?.status === 'failed') failed++;
    else if (it?.data?.skipped === 'human-labelled') skippedHuman++;
    else if (it?.data?.skipped === 'already-predicted') {
      skippedDone++;
      const t = manifest.done(id.imageKey);
      if (t) tiers[t]++;
    } else if (it?.data?.tier) {
      tiers[it.data.tier]++;
      const again = it.data.repredicted;
      if (again) {
        repredicted.total++;
        repredicted[again.reason]++;
      }
    }
  }
  return {
    outputDir: run.outputDir,
    images: images.length,
    predicted: tiers.full + tiers['pipeline-fallback'] + tiers['geometric-fallback'],
    tiers,
    failed,
    skippedHuman,
    skippedDone,
    files: (await run.out.watchIds()).length,
    detector: run.predictors.model.id,
    templates: run.templates,
    repredicted,
  };
}
