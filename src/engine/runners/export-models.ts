import { copyFile, mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ExportItemData, ExportModelsResult } from '../../shared/jobs';
import { testCard } from '../../core/image/test-card';
import { toPlanar } from '../../core/image/tensor';
import { toAppError } from '../../core/result';
import { readRgb } from '../images/pixels';
import type { JobRunner } from '../jobs/manager';
import { ModelFailure, type ExportSample } from '../pytorch/exporter';
import { resolveCandidates, type OpenServer } from '../restore/sources';
import type { EngineServices } from '../services';

const CARD = { width: 320, height: 240 };

/**
 * `loupe export`: every PyTorch model the sources name, exported to ONNX and checked against
 * torch (on `--sample`, else a test card), into the cache and optionally an output folder, without
 * running a batch. One item per model; a model that cannot be exported fails alone.
 */
export function exportModelsRunner(svc: EngineServices, openServer: OpenServer): JobRunner<'export-models'> {
  return async (ctx) => {
    const spec = ctx.spec;
    const candidates = await resolveCandidates(spec.sources, {
      catalog: svc.catalog,
      dirs: svc.modelDirs(),
      openServer,
    });
    ctx.setTotal(candidates.length);
    const sample = (): Promise<ExportSample> => exportSample(spec.sample);
    const models: ExportItemData[] = [];
    for (const [index, c] of candidates.entries()) {
      await ctx.checkpoint();
      const key = c.folderName;
      const before = ctx.previous(key);
      if (before?.data) {
        models.push(before.data);
        continue;
      }
      const t0 = svc.now();
      const done = (data: ExportItemData): void => {
        models.push(data);
        ctx.item({
          index,
          key,
          status: data.status === 'success' ? 'ok' : data.status === 'skipped' ? 'skipped' : 'failed',
          tag: data.status,
          ms: svc.now() - t0,
          data,
          ...(data.error && data.status !== 'skipped' ? { error: { code: 'EXPORT_FAILED', message: data.error } } : {}),
        });
      };
      if (c.failure) {
        done({ name: c.name, status: c.failure.status, error: c.failure.error, onnx: null, export: null });
        continue;
      }
      if (!c.torch) {
        done({
          name: c.name,
          status: 'skipped',
          error: 'already an ONNX model',
          onnx: c.model?.path ?? null,
          export: null,
        });
        continue;
      }
      try {
        const e = await svc.exporter.ensure(c.torch, spec.pytorch, sample, {
          signal: ctx.signal,
          onPhase: (phase) => ctx.setPhase(phase),
          ...(spec.force ? { force: true } : {}),
        });
        const onnx = spec.outputDir ? await copyExport(e.onnxPath, join(resolve(spec.outputDir), key)) : e.onnxPath;
        done({ name: c.name, status: 'success', error: null, onnx, export: e.record });
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        done({
          name: c.name,
          status: e instanceof ModelFailure ? e.status : 'export_failed',
          error: toAppError(e).message,
          onnx: null,
          export: null,
        });
      } finally {
        ctx.setPhase(null);
      }
    }
    const result: ExportModelsResult = { models };
    return result;
  };
}

/** The frame an export is checked on: `--sample`, else a generated test card. */
async function exportSample(path: string | undefined): Promise<ExportSample> {
  if (!path) return { data: testCard(CARD.width, CARD.height), ...CARD, frame: 'the Loupe test card' };
  const img = await readRgb(resolve(path));
  const data = toPlanar(img.pixels, img.width, img.height, img.depth === 16 ? 65535 : 255);
  return { data, width: img.width, height: img.height, frame: basename(path) };
}

/** The export's files (ONNX, model.json, export.json) copied into `dir`; the copy's ONNX path. */
async function copyExport(onnxPath: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const f of ['model.onnx', 'model.json', 'export.json']) await copyFile(join(dirname(onnxPath), f), join(dir, f));
  return join(dir, 'model.onnx');
}
