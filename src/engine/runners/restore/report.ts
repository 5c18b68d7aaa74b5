import { join } from 'node:path';
import type { ModelRunSummary } from '../../../shared/jobs';
import { writeJsonAtomic } from '../../fs/atomic';
import type { ModelCandidate } from '../../restore/sources';
import type { EngineServices } from '../../services';
import type { RestoreBatch } from './batch';
import type { LoadedModel } from './load-model';
import { round, SSIM_DEFINITION } from './quality';
import { PNG_COMPRESSION_LEVEL, type ModelRun } from './run-model';
import { isoTimestamp } from '../../../core/format';
import type { TemporalMetrics } from './temporal';

/** The model's summary entry from its frames: how many, whether any failed, the mean metrics. */
export function summarizeModel(entry: ModelRunSummary, run: ModelRun, frameCount: number): void {
  const { records, failures, nonFiniteFrames, metrics, scores } = run.frames;
  entry.frames = records.length;
  if (failures.length > 0) {
    entry.status = 'inference_failed';
    const nonFinite = nonFiniteFrames > 0 ? ` (${nonFiniteFrames} with NaN/Inf outputs)` : '';
    entry.error = `${failures.length} of ${frameCount} frames failed${nonFinite}; first: ${failures[0]}`;
  }
  if (metrics.length > 0) {
    entry.psnr_mean = round(metrics.reduce((a, m) => a + m.psnr, 0) / metrics.length, 4);
    entry.ssim_mean = round(metrics.reduce((a, m) => a + m.ssim, 0) / metrics.length, 6);
  }
  if (scores.metrics.length > 0) entry.metric_means = scores.means();
}

/**
 * The model's report in its output folder: metadata.json (the run, the model, the provider,
 * settings, timings and every frame) and, with ground truth, metrics.json.
 */
export async function writeModelReport(
  svc: EngineServices,
  batch: RestoreBatch,
  c: ModelCandidate,
  loaded: LoadedModel,
  entry: ModelRunSummary,
  run: ModelRun,
  temporal: TemporalMetrics | null = null,
): Promise<void> {
  const report = modelReport(svc, batch, c, loaded, entry, run, temporal);
  await writeJsonAtomic(join(run.dir, 'metadata.json'), report.metadata);
  if (report.metrics) await writeJsonAtomic(join(run.dir, 'metrics.json'), report.metrics);
}

/** metadata.json's and (with ground truth) metrics.json's content: a shard keeps them for the merge. */
export function modelReport(
  svc: EngineServices,
  batch: RestoreBatch,
  c: ModelCandidate,
  loaded: LoadedModel,
  entry: ModelRunSummary,
  run: ModelRun,
  temporal: TemporalMetrics | null = null,
): { metadata: Record<string, unknown>; metrics: Record<string, unknown> | null } {
  return {
    metadata: metadata(svc, batch, c, loaded, entry, run),
    metrics: batch.gtDir
      ? {
          run_name: c.name,
          gt_dir: batch.gtDir,
          definition: SSIM_DEFINITION,
          frames: run.frames.metrics,
          /** Frames written without PSNR/SSIM, and why (a ground truth of another size, unreadable). */
          skipped: run.frames.metricsSkipped,
          mean: {
            psnr: entry.psnr_mean,
            ssim: entry.ssim_mean,
            tpsnr: temporal?.mean ?? null,
            ...(batch.metricModels.length ? run.frames.scores.means() : {}),
          },
          /** Each metric model's scores, with its definition and direction (docs/metric-models.md). */
          ...(batch.metricModels.length ? { metric_models: run.frames.scores.sections() } : {}),
          /** Frame-to-frame change against the ground truth's (tPSNR, with its definition). */
          ...(temporal ? { temporal } : {}),
        }
      : null,
  };
}

function metadata(
  svc: EngineServices,
  batch: RestoreBatch,
  c: ModelCandidate,
  { model, handle, exported }: LoadedModel,
  entry: ModelRunSummary,
  { settings, frames }: ModelRun,
): Record<string, unknown> {
  const runMs = frames.records.reduce((a, f) => a + f.run_ms, 0);
  return {
    run_id: c.runId,
    run_name: c.name,
    architecture: c.architecture,
    epoch: c.epoch,
    train_loss: c.run?.metrics.train_loss?.value ?? null,
    val_loss: c.run?.metrics.val_loss?.value ?? null,
    run_status: c.run?.status ?? null,
    start_time: c.run?.startTime ?? null,
    params: c.run?.params ?? {},
    metrics: Object.fromEntries(Object.entries(c.run?.metrics ?? {}).map(([k, v]) => [k, v.value])),
    tags: c.run?.tags ?? {},
    source: c.source,
    ...(exported ? { export: exported } : {}),
    model: {
      id: model.id,
      path: model.path,
      sha256: model.sha256,
      opset: model.opset,
      inputs: model.inputs,
      outputs: model.outputs,
    },
    provider: handle.provider,
    status: entry.status,
    error: entry.error,
    input_dir: batch.inputDir,
    /** How the outputs are named: `stem` (each input's stem, .png) or `index` (frame_%06d.png). */
    output_names: batch.spec.outputNames ?? 'stem',
    padding: { multiple: settings.padMultiple, mode: settings.padMode },
    tiling: {
      always: settings.forceTiled,
      tile_size: settings.tileSize,
      overlap: settings.tileOverlap,
      frames_tiled: entry.frames_tiled,
    },
    png: { compression_level: PNG_COMPRESSION_LEVEL, bit_depth: frames.bitDepth },
    timings: {
      load_ms: round(handle.loadMs, 1),
      session_run_ms_total: round(runMs, 1),
      wall_ms: svc.now() - frames.startedAt,
      frames: frames.records.length,
    },
    frames: frames.records,
    created_at: isoTimestamp(svc.now()),
  };
}
