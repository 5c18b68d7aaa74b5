import { join } from 'node:path';
import { writeJsonAtomic } from '../../fs/atomic';
import { readRgb } from '../../images/pixels';
import { INPUT_METRICS_FILE } from '../../../core/restore/naming';
import { toAppError } from '../../../core/result';
import type { RestoreBatch, RestoreContext } from './batch';
import { measureFrame, round, SSIM_DEFINITION } from './quality';
import { MetricScoreSheet } from '../../../core/metrics/metric-scores';
import { scoreAll } from '../../restore/metric-models';

/**
 * With ground truth, every input frame measured against it as the models' outputs are (same
 * PSNR/SSIM), written to input_metrics.json: what a model gains over doing nothing. A frame that
 * cannot be read or has no fitting ground truth is listed in `skipped`; the batch goes on.
 */
export async function writeInputMetrics(ctx: RestoreContext, batch: RestoreBatch): Promise<void> {
  if (!batch.gtDir) return;
  ctx.setPhase('Measuring the input against the ground truth');
  const frames: { input: string; psnr: number; ssim: number }[] = [];
  const skipped: { input: string; reason: string }[] = [];
  // The metric models score the input too (`frame` is the input's name here).
  const sheet = new MetricScoreSheet(batch.metricModels.map((m) => m.summary));
  try {
    for (const input of batch.frames) {
      await ctx.checkpoint();
      const gt = await batch.groundTruth(input);
      if (!gt) continue;
      try {
        const image = await readRgb(join(batch.inputDir, input));
        const q = measureFrame(image, gt);
        if (q.scores) frames.push({ input, ...q.scores });
        else if (q.skipped) skipped.push({ input, reason: q.skipped });
        if (q.scores && 'image' in gt)
          for (const [name, r] of await scoreAll(batch.metricModels, image, gt.image)) sheet.add(name, input, input, r);
      } catch (e) {
        skipped.push({ input, reason: toAppError(e).message });
      }
    }
  } finally {
    ctx.setPhase(null);
  }
  const mean = (k: 'psnr' | 'ssim', digits: number): number | null => {
    const finite = frames.map((f) => f[k]).filter(Number.isFinite);
    return finite.length ? round(finite.reduce((a, v) => a + v, 0) / finite.length, digits) : null;
  };
  await writeJsonAtomic(join(batch.outputDir, INPUT_METRICS_FILE), {
    input_dir: batch.inputDir,
    gt_dir: batch.gtDir,
    definition: SSIM_DEFINITION,
    frames,
    skipped,
    mean: { psnr: mean('psnr', 4), ssim: mean('ssim', 6), ...(batch.metricModels.length ? sheet.means() : {}) },
    ...(batch.metricModels.length ? { metric_models: sheet.sections() } : {}),
  });
}
