import { join } from 'node:path';
import { temporalPsnr, TEMPORAL_DEFINITION } from '../../../core/metrics/quality';
import { toAppError } from '../../../core/result';
import { pairGroundTruth } from '../../../core/restore/ground-truth';
import { listImages } from '../../images/list-images';
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
  return temporalOfOutputs(
    batch.frames.map((input, index) => ({ input, output: byIndex.get(index)?.output ?? null })),
    {
      readOutput: (output) => readRgb(join(run.dir, output)),
      readGroundTruth: async (input) => {
        const gt = await batch.groundTruth(input);
        return gt && 'image' in gt ? gt.image : null;
      },
      warn: (message) => ctx.log('warn', message),
      checkpoint: () => ctx.checkpoint(),
    },
  );
}

export interface TemporalSources {
  readOutput: (output: string) => Promise<RgbImage>;
  readGroundTruth: (input: string) => Promise<RgbImage | null>;
  warn: (message: string) => void;
  checkpoint?: () => Promise<void>;
}

/**
 * tPSNR over a model's frames in frame order (`output` null: not written), read through
 * `sources`: the one loop a single run and a cluster run's merge both use, so their numbers agree.
 */
export async function temporalOfOutputs(
  frameList: readonly { input: string; output: string | null }[],
  sources: TemporalSources,
): Promise<TemporalMetrics> {
  const frames: TemporalMetrics['frames'] = [];
  let prev: { out: RgbImage; gt: RgbImage } | null = null;
  for (const { input, output } of frameList) {
    await sources.checkpoint?.();
    const gt = output ? await sources.readGroundTruth(input) : null;
    let now: { out: RgbImage; gt: RgbImage } | null = null;
    if (output && gt) {
      try {
        now = { out: await sources.readOutput(output), gt };
      } catch (e) {
        sources.warn(`${output}: no temporal metric: ${toAppError(e).message}`);
      }
    }
    if (output && now && prev && sameSize([now.out, now.gt, prev.out, prev.gt])) {
      const range = now.out.depth === 16 ? 65535 : 255;
      const t = temporalPsnr(planes(now.out), planes(prev.out), planes(now.gt), planes(prev.gt), range);
      frames.push({ frame: output, input, tpsnr: round(t, 4) });
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

/**
 * A cluster run's merge: each model's tPSNR from its outputs on disk, put into the merged
 * metrics.json as one process writes it (`mean.tpsnr`, then `temporal`). Shards cannot measure
 * it themselves: the pair at each frame range's start needs another shard's frame.
 */
export async function addTemporalToMerged(
  outputDir: string,
  files: readonly { path: string; json?: unknown }[],
  warn: (message: string) => void,
): Promise<void> {
  const byPath = new Map(files.map((f) => [f.path, f.json]));
  for (const f of files) {
    if (!f.path.endsWith('/metrics.json') || !f.json || typeof f.json !== 'object') continue;
    const metrics = f.json as { gt_dir?: string | null; mean?: Record<string, unknown>; temporal?: unknown };
    const folder = f.path.slice(0, -'/metrics.json'.length);
    const metadata = byPath.get(`${folder}/metadata.json`) as
      { frames?: { index: number; input: string; output: string }[]; input_frames?: number } | undefined;
    if (!metrics.gt_dir || !metadata?.frames) continue;
    const gtDir = metrics.gt_dir;
    const written = metadata.frames;
    const count = Math.max(0, ...written.map((r) => r.index + 1));
    const list: { input: string; output: string | null }[] = Array.from({ length: count }, () => ({
      input: '',
      output: null,
    }));
    for (const r of written) list[r.index] = { input: r.input, output: r.output };
    const gtNames = pairGroundTruth(
      written.map((r) => r.input),
      await listImages(gtDir, false),
    );
    const temporal = await temporalOfOutputs(list, {
      readOutput: (output) => readRgb(join(outputDir, folder, output)),
      readGroundTruth: async (input) => {
        const name = gtNames.get(input);
        return name ? readRgb(join(gtDir, name)).catch(() => null) : null;
      },
      warn,
    });
    metrics.mean = { ...metrics.mean, tpsnr: temporal.mean };
    metrics.temporal = temporal;
  }
}
