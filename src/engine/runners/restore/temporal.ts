import { join } from 'node:path';
import { temporalPsnr, TEMPORAL_DEFINITION } from '../../../core/metrics/quality';
import { toAppError } from '../../../core/result';
import { readRgb, type RgbImage } from '../../images/pixels';
import type { RestoreBatch, RestoreContext } from './batch';
import { round } from './quality';
import type { ModelRun } from './run-model';

/** metrics.json `temporal`: tPSNR per frame (frame k against k − 1) and its mean. */
export interface TemporalMetrics {
  definition: string;
  frames: { frame: string; input: string; tpsnr: number }[];
  mean: number | null;
}

const planes = (img: RgbImage) => ({ data: img.pixels, width: img.width, height: img.height, channels: 3 });

/**
 * The model's temporal consistency (TEMPORAL_DEFINITION), from its outputs on disk in frame
 * order, so frames reused from an earlier run count as the ones run now. Only with ground truth;
 * a pair with a missing or unreadable frame, or of different sizes, is left out.
 */
export async function measureTemporal(
  ctx: RestoreContext,
  batch: RestoreBatch,
  run: ModelRun,
): Promise<TemporalMetrics | null> {
  if (!batch.gtDir) return null;
  const byIndex = new Map(run.frames.records.map((r) => [r.index, r]));
  const frames: TemporalMetrics['frames'] = [];
  let prev: { out: RgbImage; gt: RgbImage } | null = null;
  for (const [index, input] of batch.frames.entries()) {
    await ctx.checkpoint();
    const record = byIndex.get(index);
    const gt = await batch.groundTruth(input);
    let now: { out: RgbImage; gt: RgbImage } | null = null;
    if (record && gt && 'image' in gt) {
      try {
        now = { out: await readRgb(join(run.dir, record.output)), gt: gt.image };
      } catch (e) {
        ctx.log('warn', `${record.output}: no temporal metric: ${toAppError(e).message}`);
      }
    }
    if (now && prev && sameSize([now.out, now.gt, prev.out, prev.gt])) {
      const range = now.out.depth === 16 ? 65535 : 255;
      const t = temporalPsnr(planes(now.out), planes(prev.out), planes(now.gt), planes(prev.gt), range);
      frames.push({ frame: (record as { output: string }).output, input, tpsnr: round(t, 4) });
    }
    prev = now;
  }
  const finite = frames.map((f) => f.tpsnr).filter(Number.isFinite);
  const mean = finite.length ? round(finite.reduce((a, v) => a + v, 0) / finite.length, 4) : null;
  return { definition: TEMPORAL_DEFINITION, frames, mean };
}

function sameSize(images: readonly RgbImage[]): boolean {
  const [first] = images;
  return images.every((i) => i.width === first?.width && i.height === first?.height && i.depth === first?.depth);
}
