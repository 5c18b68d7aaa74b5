import type { RestoreFramesResult } from '../../shared/jobs';
import { AppFailure } from '../../core/result';
import type { JobRunner } from '../jobs/manager';
import type { OpenServer } from '../restore/sources';
import type { EngineServices } from '../services';
import { writeInputMetrics } from './restore/baseline';
import { INPUT_METRICS_FILE } from '../../core/restore/naming';
import { resolveBatch, type RestoreContext } from './restore/batch';
import { loadModel, skipModel } from './restore/load-model';
import { summarizeModel, writeModelReport } from './restore/report';
import { runModel } from './restore/run-model';
import { restoreShard } from './restore/shard';
import { measureTemporal } from './restore/temporal';
import { BatchSummary } from './restore/summary';
import { stopOnDiskFull } from './stop-on-disk-full';
import { sweepStrayTemps } from './stray-temps';

export { INFER_PROGRESS_FILE } from './restore/progress';
export { PNG_COMPRESSION_LEVEL } from './restore/run-model';
export { SSIM_DEFINITION } from './restore/quality';

/**
 * Restoration batch: every model over every frame at native resolution, lossless PNG outputs of
 * the input's size and bit depth, metadata and (with ground truth) PSNR/SSIM per frame, and a
 * batch summary with one entry per model. A model that cannot be fetched, loaded or run is
 * recorded with its status and reason; the others go on. Resumable per model and frame.
 *
 * The parts, in restore/: batch.ts resolves the folders, frames, models and ground truth;
 * load-model.ts gets a model ready (exporting PyTorch) or says why it cannot run; run-model.ts
 * runs one model over the frames (pipelined, resumable through its progress file); report.ts
 * writes its metadata.json and metrics.json; summary.ts keeps batch_summary.json; baseline.ts
 * measures the input against the ground truth once (input_metrics.json); temporal.ts the
 * temporal consistency of a model's outputs (metrics.json `temporal`); shard.ts runs one shard of
 * a cluster run (spec.shard), whose manifest the merge turns into those files.
 */
export function restoreFramesRunner(svc: EngineServices, openServer: OpenServer): JobRunner<'restore-frames'> {
  return stopOnDiskFull((ctx) => restoreFrames(svc, openServer, ctx));
}

async function restoreFrames(
  svc: EngineServices,
  openServer: OpenServer,
  ctx: RestoreContext,
): Promise<RestoreFramesResult> {
  const batch = await resolveBatch(svc, openServer, ctx);
  if (ctx.spec.shard) {
    // A shard never writes batch_summary.json (the merge's), not even to say there is nothing to run.
    if (batch.candidates.length === 0) throw new AppFailure('NOT_FOUND', 'no models to run');
    // input_metrics.json holds every frame: shard 0 alone writes it (the same file one process writes).
    if (ctx.spec.shard.index === 0) {
      await sweepStrayTemps(ctx, batch.outputDir, new Set([INPUT_METRICS_FILE]));
      await writeInputMetrics(ctx, batch);
    }
    return restoreShard(svc, ctx, batch, ctx.spec.shard);
  }
  // One process owns the whole folder (a shard, only the files it writes: run-model.ts, shards.ts).
  await sweepStrayTemps(ctx, batch.outputDir);
  const summary = new BatchSummary(batch, () => svc.now());
  if (batch.candidates.length === 0) {
    // Still a batch_summary.json that says so.
    await summary.write();
    throw new AppFailure('NOT_FOUND', 'no models to run');
  }
  await writeInputMetrics(ctx, batch);
  for (const c of batch.candidates) {
    const entry = summary.add(c);
    const load = await loadModel(svc, ctx, batch, c, entry);
    if (load.kind === 'none') continue;
    if (load.kind === 'failed') {
      await skipModel(ctx, batch, c, entry, load.status, load.error);
    } else {
      const run = await runModel(svc, ctx, batch, c, entry, load);
      summarizeModel(entry, run, batch.frames.length);
      const temporal = await measureTemporal(ctx, batch, run);
      await writeModelReport(svc, batch, c, load, entry, run, temporal);
    }
    await summary.write();
  }
  await summary.write();
  return summary.result();
}
