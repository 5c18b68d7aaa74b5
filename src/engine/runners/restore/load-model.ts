import { join } from 'node:path';
import type { ModelRunStatus, ModelRunSummary } from '../../../shared/jobs';
import type { ModelInfo } from '../../../shared/models';
import type { ExportRecord } from '../../../shared/pytorch';
import { toPlanar } from '../../../core/image/tensor';
import { toAppError } from '../../../core/result';
import { readRgb } from '../../images/pixels';
import type { SessionHandle } from '../../ort/session-pool';
import { ModelFailure, type ExportSample, type TorchSource } from '../../pytorch/exporter';
import type { ModelCandidate } from '../../restore/sources';
import type { EngineServices } from '../../services';
import type { RestoreBatch, RestoreContext } from './batch';

/** A model ready to run: its ONNX file, its session, and its export when it came from PyTorch. */
export interface LoadedModel {
  model: ModelInfo;
  handle: SessionHandle;
  exported: ExportRecord | null;
}

export type ModelLoad =
  | ({ kind: 'loaded' } & LoadedModel)
  /** The model cannot run: its frames are skipped with this status and reason. */
  | { kind: 'failed'; status: ModelRunStatus; error: string }
  /** Nothing to run and nothing to report. */
  | { kind: 'none' };

/**
 * The candidate's ONNX model and session: a PyTorch model runs as its ONNX export, from the cache
 * or exported (and checked) now; the entry records the export and the provider.
 */
export async function loadModel(
  svc: EngineServices,
  ctx: RestoreContext,
  batch: RestoreBatch,
  c: ModelCandidate,
  entry: ModelRunSummary,
): Promise<ModelLoad> {
  if (c.failure || (!c.model && !c.torch))
    return { kind: 'failed', status: c.failure?.status ?? 'load_failed', error: c.failure?.error ?? 'no model' };
  let model = c.model;
  let exported: ExportRecord | null = null;
  if (c.torch) {
    const e = await exportTorch(svc, ctx, batch, c, c.torch, entry);
    if (e.kind === 'failed') return e;
    exported = e.record;
    model = e.model;
    if (model.error) return { kind: 'failed', status: 'load_failed', error: model.error.message };
  }
  if (!model) return { kind: 'none' };
  let handle: SessionHandle;
  try {
    handle = await svc.sessions.acquire(model, batch.spec.device ?? svc.config().device);
  } catch (e) {
    return { kind: 'failed', status: 'load_failed', error: toAppError(e).message };
  }
  entry.provider = handle.provider.active;
  ctx.setProvider(handle.provider);
  return { kind: 'loaded', model, handle, exported };
}

async function exportTorch(
  svc: EngineServices,
  ctx: RestoreContext,
  batch: RestoreBatch,
  c: ModelCandidate,
  torch: TorchSource,
  entry: ModelRunSummary,
): Promise<{ kind: 'exported'; record: ExportRecord; model: ModelInfo } | Extract<ModelLoad, { kind: 'failed' }>> {
  try {
    const e = await svc.exporter.ensure(
      torch,
      batch.spec.pytorch,
      () => exportSample(batch.inputDir, batch.frames[0] as string),
      { signal: ctx.signal, onPhase: (phase) => ctx.setPhase(phase) },
    );
    entry.export = {
      cached: e.record.cached,
      parity: e.record.parity.max_abs_diff,
      onnx: e.record.onnx,
      torch_version: e.record.torch_version,
    };
    ctx.log(
      'info',
      e.cached
        ? `${c.name}: the ONNX export in the cache (${e.onnxPath}); no Python started`
        : `${c.name}: exported to ONNX in ${e.record.seconds.total} s with torch ${e.record.torch_version}; max |torch − ONNX| ${e.record.parity.max_abs_diff.toExponential(2)}`,
    );
    return { kind: 'exported', record: e.record, model: await svc.catalog.describe(e.onnxPath, 'user') };
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    return {
      kind: 'failed',
      status: e instanceof ModelFailure ? e.status : 'export_failed',
      error: toAppError(e).message,
    };
  } finally {
    ctx.setPhase(null);
  }
}

/** The first frame as the exporter checks a model on it: planar RGB float32 in [0, 1]. */
async function exportSample(inputDir: string, frame: string): Promise<ExportSample> {
  const img = await readRgb(join(inputDir, frame));
  const max = img.depth === 16 ? 65535 : 255;
  return { data: toPlanar(img.pixels, img.width, img.height, max), width: img.width, height: img.height, frame };
}

/**
 * A model that cannot run: every frame it has not reported yet is a skipped item, with the
 * model's status (at the frame's index, see RestoreBatch.frames).
 */
export async function skipModel(
  ctx: RestoreContext,
  batch: RestoreBatch,
  c: ModelCandidate,
  entry: ModelRunSummary,
  status: ModelRunStatus,
  error: string,
): Promise<void> {
  entry.status = status;
  entry.error = error;
  ctx.log('warn', `${c.name}: ${status}: ${error}`);
  for (const [index, frame] of batch.frames.entries()) {
    await ctx.checkpoint();
    const key = `${c.folderName}/${batch.outputNames[index] as string}`;
    if (ctx.previous(key)) continue;
    ctx.item({
      index,
      key,
      status: 'skipped',
      tag: c.name,
      ms: 0,
      data: { model: c.name, frame, output: null, tiled: false, runMs: null, modelStatus: status },
    });
  }
}
