import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { ModelRunSummary, RestoreFramesResult } from '../../shared/jobs';
import type { ExportRecord } from '../../shared/pytorch';
import { toPlanar } from '../../core/image/tensor';
import { psnr, ssim } from '../../core/metrics/quality';
import { frameName } from '../../core/restore/naming';
import { pairGroundTruth } from '../../core/restore/ground-truth';
import { AppFailure, toAppError } from '../../core/result';
import { writeJsonAtomic } from '../fs/atomic';
import { diskFullFailure } from '../fs/disk-full';
import { listImages, walkImages } from '../images/list-images';
import { readRgb, writeRgbPng, type RgbImage } from '../images/pixels';
import type { JobRunner } from '../jobs/manager';
import type { SessionHandle } from '../ort/session-pool';
import { ModelFailure, type ExportSample } from '../pytorch/exporter';
import { restoreFrame, restoreSettings } from '../restore/infer-frame';
import { resolveCandidates, type OpenServer } from '../restore/sources';
import type { EngineServices } from '../services';

export const INFER_PROGRESS_FILE = '.loupe-infer.json';
/**
 * PNG zlib level, chosen by measurement (bench/png.bench.test.ts, BENCHMARKS.md): level 6 is within
 * 5–11% of level 9's size at under half its time, so encoding (overlapped with the next frame's
 * inference) stays well below inference time even for fast models at 1080p.
 */
export const PNG_COMPRESSION_LEVEL = 6;

export const SSIM_DEFINITION =
  'SSIM (Wang et al. 2004) with an 11-tap Gaussian window (sigma 1.5, scipy reflect borders), K1 0.01, K2 0.03, population covariance, 5-pixel border crop, computed per RGB channel and averaged; data range 255 (8-bit) or 65535 (16-bit). Equals skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, channel_axis=-1, data_range=R). PSNR = 10 log10(R^2 / MSE) over all pixels and channels.';

interface InferProgress {
  version: 1;
  configKey: string;
  done: Record<string, { ms: number; tiled: boolean; psnr?: number; ssim?: number; metricsSkipped?: string }>;
  /** Frames that failed, with the reason: kept failed on a rerun with retryFailed: false. */
  failed?: Record<string, string>;
}

/**
 * Restoration batch: every model over every frame at native resolution, lossless PNG outputs of
 * the input's size and bit depth, metadata and (with ground truth) PSNR/SSIM per frame, and a
 * batch summary with one entry per model. A model that cannot be fetched, loaded or run is
 * recorded with its status and reason; the others go on. Resumable per model and frame.
 */
export function restoreFramesRunner(svc: EngineServices, openServer: OpenServer): JobRunner<'restore-frames'> {
  const run: JobRunner<'restore-frames'> = async (ctx) => {
    const spec = ctx.spec;
    const inputDir = resolve(spec.inputDir);
    const outputDir = resolve(spec.outputDir);
    const gtDir = spec.gtDir ? resolve(spec.gtDir) : null;
    for (const [label, dir] of [
      ['input', inputDir],
      ['ground-truth', gtDir],
    ] as const) {
      if (dir && !(await stat(dir).catch(() => null))?.isDirectory())
        throw new AppFailure('NOT_FOUND', `no ${label} folder ${dir}`, { path: dir });
    }
    const walked = await walkImages(inputDir, false);
    const frames = walked.files.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    // Frames the walk could not follow (a link loop, a broken link) are said, and listed in the summary.
    const inputProblems = walked.problems.map((p) => ({ path: p.path, error: p.reason }));
    for (const p of inputProblems) ctx.log('warn', `input ${p.path}: ${p.error}; not a frame of this batch`);
    if (frames.length === 0) throw new AppFailure('NOT_FOUND', `no frames in ${inputDir}`, { path: inputDir });
    const candidates = await resolveCandidates(spec.sources, {
      catalog: svc.catalog,
      dirs: svc.modelDirs(),
      openServer,
    });
    ctx.setTotal(candidates.length * frames.length);

    // Ground truth, decoded once per frame for the whole batch (it is the same for every model),
    // found by file name or, failing that, by stem (JPEG frames against PNG references).
    const gtFor = gtDir ? pairGroundTruth(frames, await listImages(gtDir, false)) : new Map<string, string>();
    // A ground truth that cannot be used skips that frame's metrics, with the reason; the frame's
    // output is written all the same.
    type GroundTruth = { image: RgbImage; name: string } | { problem: string } | null;
    const gtCache = new Map<string, Promise<GroundTruth>>();
    const groundTruth = (frame: string): Promise<GroundTruth> => {
      const name = gtFor.get(frame);
      if (!gtDir || !name) return Promise.resolve(null);
      let p = gtCache.get(frame);
      if (!p) {
        p = readRgb(join(gtDir, name)).then(
          (image) => ({ image, name }),
          (e: unknown) => ({ problem: `ground truth ${name} could not be read: ${toAppError(e).message}` }),
        );
        gtCache.set(frame, p);
      }
      return p;
    };

    const summary: ModelRunSummary[] = [];
    const result = (): RestoreFramesResult => ({
      outputDir,
      frames: frames.length,
      models: summary,
      ranking: summary
        .filter((m) => m.psnr_mean !== null)
        .map((m) => ({ run_name: m.run_name, psnr_mean: m.psnr_mean as number, ssim_mean: m.ssim_mean as number }))
        .sort((a, b) => b.psnr_mean - a.psnr_mean),
    });
    const writeSummary = (): Promise<void> =>
      writeJsonAtomic(join(outputDir, 'batch_summary.json'), {
        created_at: new Date().toISOString(),
        input_dir: inputDir,
        gt_dir: gtDir,
        output_dir: outputDir,
        frames: frames.length,
        ...(inputProblems.length ? { input_problems: inputProblems } : {}),
        models: summary,
        ranking: result().ranking,
      });

    if (candidates.length === 0) {
      // Still a batch_summary.json that says so.
      await writeSummary();
      throw new AppFailure('NOT_FOUND', 'no models to run');
    }
    for (const c of candidates) {
      const entry: ModelRunSummary = {
        run_id: c.runId,
        run_name: c.name,
        architecture: c.architecture,
        status: 'success',
        output_dir: null,
        error: null,
        frames: 0,
        frames_tiled: 0,
        provider: null,
        psnr_mean: null,
        ssim_mean: null,
        source: c.source,
        export: null,
      };
      summary.push(entry);
      const skipAll = async (status: ModelRunSummary['status'], error: string): Promise<void> => {
        entry.status = status;
        entry.error = error;
        ctx.log('warn', `${c.name}: ${status}: ${error}`);
        for (const [i, f] of frames.entries()) {
          await ctx.checkpoint();
          const key = `${c.folderName}/${frameName(i)}`;
          if (!ctx.previous(key))
            ctx.item({
              index: 0,
              key,
              status: 'skipped',
              tag: c.name,
              ms: 0,
              data: { model: c.name, frame: f, output: null, tiled: false, runMs: null, modelStatus: status },
            });
        }
        await writeSummary();
      };
      if (c.failure || (!c.model && !c.torch)) {
        await skipAll(c.failure?.status ?? 'load_failed', c.failure?.error ?? 'no model');
        continue;
      }
      // A PyTorch model runs as its ONNX export: from the cache, or exported (and checked) now.
      let model = c.model;
      let exported: ExportRecord | null = null;
      if (c.torch) {
        try {
          const e = await svc.exporter.ensure(
            c.torch,
            spec.pytorch,
            () => exportSample(inputDir, frames[0] as string),
            {
              signal: ctx.signal,
              onPhase: (phase) => ctx.setPhase(phase),
            },
          );
          exported = e.record;
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
          model = await svc.catalog.describe(e.onnxPath, 'user');
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          await skipAll(e instanceof ModelFailure ? e.status : 'export_failed', toAppError(e).message);
          continue;
        } finally {
          ctx.setPhase(null);
        }
        if (model?.error) {
          await skipAll('load_failed', model.error.message);
          continue;
        }
      }
      if (!model) continue;
      let handle: SessionHandle;
      try {
        handle = await svc.sessions.acquire(model, spec.device ?? svc.config().device);
      } catch (e) {
        await skipAll('load_failed', toAppError(e).message);
        continue;
      }
      entry.provider = handle.provider.active;
      ctx.setProvider(handle.provider);
      const settings = restoreSettings(model, c.padMultiple, spec);
      const dir = join(outputDir, c.folderName);
      entry.output_dir = dir;
      const configKey = createHash('sha1')
        .update(JSON.stringify([model.sha256, settings, basename(inputDir)]))
        .digest('hex');
      const progress = await readProgress(dir);
      const resumed = spec.resume !== false && progress?.configKey === configKey ? progress : null;
      const state: InferProgress = {
        version: 1,
        configKey,
        done: { ...resumed?.done },
        failed: { ...resumed?.failed },
      };
      const frameRecords: {
        index: number;
        input: string;
        output: string;
        run_ms: number;
        tiled: boolean;
        tiled_because?: string;
        /** Why this frame has no PSNR/SSIM although there is ground truth. */
        metrics_skipped?: string;
      }[] = [];
      const metrics: { frame: string; input: string; psnr: number; ssim: number }[] = [];
      const metricsSkipped: { frame: string; input: string; reason: string }[] = [];
      const failures: string[] = [];
      /** Frames whose output held NaN or Inf (not written). */
      let nonFiniteFrames = 0;
      const started = Date.now();
      let bitDepth: number | null = null;

      // Pipelining: the next frame decodes and the previous one encodes while this one runs.
      const decode = (i: number): Promise<RgbImage> => readRgb(join(inputDir, frames[i] as string));
      let next: { index: number; image: Promise<RgbImage> } | null = null;
      let writing: Promise<void> = Promise.resolve();
      // Set when a frame could not be written because the disk is full: the batch stops.
      let diskFull: AppFailure | null = null;
      try {
        for (const [i, input] of frames.entries()) {
          await ctx.checkpoint();
          if (diskFull) throw diskFull;
          const name = frameName(i);
          const key = `${c.folderName}/${name}`;
          const outPath = join(dir, name);
          const prior = state.done[name];
          if (prior && (await stat(outPath).catch(() => null))?.isFile()) {
            frameRecords.push({
              index: i,
              input,
              output: name,
              run_ms: prior.ms,
              tiled: prior.tiled,
              ...(prior.metricsSkipped ? { metrics_skipped: prior.metricsSkipped } : {}),
            });
            if (prior.psnr !== undefined && prior.ssim !== undefined)
              metrics.push({ frame: name, input, psnr: prior.psnr, ssim: prior.ssim });
            if (prior.metricsSkipped) metricsSkipped.push({ frame: name, input, reason: prior.metricsSkipped });
            if (!ctx.previous(key)) {
              ctx.item({
                index: i,
                key,
                status: 'skipped',
                tag: c.name,
                ms: 0,
                data: { model: c.name, frame: input, output: outPath, tiled: prior.tiled, runMs: prior.ms },
              });
            }
            continue;
          }
          // Failed before (this job's earlier run, or the progress file): kept failed only when asked.
          const before = ctx.previous(key);
          const failedBefore =
            before?.status === 'failed' ? (before.error?.message ?? 'failed') : (state.failed?.[name] ?? null);
          if (spec.retryFailed === false && failedBefore !== null) {
            const message = `failed in an earlier run; not retried (--no-retry-failed): ${failedBefore}`;
            failures.push(`${input}: ${message}`);
            if (!before) {
              const error = { code: 'INFERENCE_FAILED' as const, message };
              const data = { model: c.name, frame: input, output: null, tiled: false, runMs: null };
              ctx.item({ index: i, key, status: 'failed', error, ms: 0, data });
            }
            continue;
          }
          const t0 = svc.now();
          const fail = (e: unknown, code: 'IO_ERROR' | 'INFERENCE_FAILED', tiled: boolean, runMs: number | null) => {
            const error = toAppError(e, code);
            failures.push(`${input}: ${error.message}`);
            if (typeof error.details?.nan === 'number') nonFiniteFrames++;
            (state.failed ??= {})[name] = error.message;
            ctx.item({
              index: i,
              key,
              status: 'failed',
              error,
              ms: svc.now() - t0,
              data: { model: c.name, frame: input, output: null, tiled, runMs },
            });
          };
          try {
            const image = await (next?.index === i ? next.image : decode(i));
            next = i + 1 < frames.length ? { index: i + 1, image: decode(i + 1) } : null;
            next?.image.catch(() => undefined); // reported when its turn comes
            const restored = await restoreFrame(handle.session, model, image, settings);
            const gt = await groundTruth(input);
            let q: { psnr: number; ssim: number } | null = null;
            let skipMetrics: string | null = gt && 'problem' in gt ? gt.problem : null;
            if (gt && 'image' in gt) {
              const truth = gt.image;
              if (truth.width !== restored.image.width || truth.height !== restored.image.height) {
                skipMetrics = `ground truth ${gt.name} is ${truth.width}×${truth.height}, the output ${restored.image.width}×${restored.image.height}: no PSNR/SSIM for this frame`;
              } else {
                const range = restored.image.depth === 16 ? 65535 : 255;
                const a = { data: restored.image.pixels, width: truth.width, height: truth.height, channels: 3 };
                const b = { data: truth.pixels, width: truth.width, height: truth.height, channels: 3 };
                q = { psnr: round(psnr(a, b, range), 4), ssim: round(ssim(a, b, range), 6) };
              }
            }
            if (skipMetrics) ctx.log('warn', `${c.name}: ${input}: ${skipMetrics}`);
            // Encode this frame while the next one runs; at most one encode in flight. The item
            // counts as done once its PNG is on disk.
            await writing;
            bitDepth = restored.image.depth;
            const record = {
              index: i,
              input,
              output: name,
              run_ms: round(restored.runMs, 2),
              tiled: restored.tiled,
              ...(restored.tiledBecause ? { tiled_because: restored.tiledBecause } : {}),
              ...(skipMetrics ? { metrics_skipped: skipMetrics } : {}),
            };
            writing = writeRgbPng(outPath, restored.image, { compressionLevel: PNG_COMPRESSION_LEVEL }).then(
              () => {
                state.done[name] = {
                  ms: record.run_ms,
                  tiled: restored.tiled,
                  ...(q ?? {}),
                  ...(skipMetrics ? { metricsSkipped: skipMetrics } : {}),
                };
                delete state.failed?.[name];
                frameRecords.push(record);
                if (q) metrics.push({ frame: name, input, ...q });
                if (skipMetrics) metricsSkipped.push({ frame: name, input, reason: skipMetrics });
                if (restored.tiled) entry.frames_tiled++;
                ctx.item({
                  index: i,
                  key,
                  status: 'ok',
                  tag: c.name,
                  ms: svc.now() - t0,
                  data: {
                    model: c.name,
                    frame: input,
                    output: outPath,
                    tiled: restored.tiled,
                    runMs: restored.runMs,
                    ...(q ?? {}),
                    ...(skipMetrics ? { metricsSkipped: skipMetrics } : {}),
                  },
                });
              },
              (e: unknown) => {
                const full = diskFullFailure(e, outPath);
                if (full)
                  diskFull ??= full; // the first frame that did not fit is the one named
                else fail(e, 'IO_ERROR', restored.tiled, restored.runMs);
              },
            );
            if (i % 4 === 3) {
              const snapshot = { ...state, done: { ...state.done } };
              await writeJsonAtomic(join(dir, INFER_PROGRESS_FILE), snapshot);
            }
          } catch (e) {
            next = null;
            fail(e, 'INFERENCE_FAILED', false, null);
          }
        }
      } finally {
        // Stopped or finished: what is on disk is recorded, so a rerun skips it.
        await writing;
        await writeJsonAtomic(join(dir, INFER_PROGRESS_FILE), state);
      }
      if (diskFull) throw diskFull;
      frameRecords.sort((a, b) => a.index - b.index);
      metrics.sort((a, b) => a.frame.localeCompare(b.frame));
      metricsSkipped.sort((a, b) => a.frame.localeCompare(b.frame));

      entry.frames = frameRecords.length;
      if (failures.length > 0) {
        entry.status = 'inference_failed';
        const nonFinite = nonFiniteFrames > 0 ? ` (${nonFiniteFrames} with NaN/Inf outputs)` : '';
        entry.error = `${failures.length} of ${frames.length} frames failed${nonFinite}; first: ${failures[0]}`;
      }
      if (metrics.length > 0) {
        entry.psnr_mean = round(metrics.reduce((a, m) => a + m.psnr, 0) / metrics.length, 4);
        entry.ssim_mean = round(metrics.reduce((a, m) => a + m.ssim, 0) / metrics.length, 6);
      }
      const runMs = frameRecords.reduce((a, f) => a + f.run_ms, 0);
      await writeJsonAtomic(join(dir, 'metadata.json'), {
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
        input_dir: inputDir,
        padding: { multiple: settings.padMultiple, mode: settings.padMode },
        tiling: {
          always: settings.forceTiled,
          tile_size: settings.tileSize,
          overlap: settings.tileOverlap,
          frames_tiled: entry.frames_tiled,
        },
        png: { compression_level: PNG_COMPRESSION_LEVEL, bit_depth: bitDepth },
        timings: {
          load_ms: round(handle.loadMs, 1),
          session_run_ms_total: round(runMs, 1),
          wall_ms: Date.now() - started,
          frames: frameRecords.length,
        },
        frames: frameRecords,
        created_at: new Date().toISOString(),
      });
      if (gtDir) {
        await writeJsonAtomic(join(dir, 'metrics.json'), {
          run_name: c.name,
          gt_dir: gtDir,
          definition: SSIM_DEFINITION,
          frames: metrics,
          /** Frames written without PSNR/SSIM, and why (a ground truth of another size, unreadable). */
          skipped: metricsSkipped,
          mean: { psnr: entry.psnr_mean, ssim: entry.ssim_mean },
        });
      }
      await writeSummary();
    }
    await writeSummary();
    return result();
  };
  // A full disk stops the batch (every later frame would fail too): the job fails with "disk full".
  return async (ctx) => {
    try {
      return await run(ctx);
    } catch (e) {
      throw diskFullFailure(e) ?? e;
    }
  };
}

const round = (v: number, digits: number): number => {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
};

/** The first frame as the exporter checks a model on it: planar RGB float32 in [0, 1]. */
async function exportSample(inputDir: string, frame: string): Promise<ExportSample> {
  const img = await readRgb(join(inputDir, frame));
  const max = img.depth === 16 ? 65535 : 255;
  return { data: toPlanar(img.pixels, img.width, img.height, max), width: img.width, height: img.height, frame };
}

async function readProgress(dir: string): Promise<InferProgress | null> {
  try {
    const p = JSON.parse(await readFile(join(dir, INFER_PROGRESS_FILE), 'utf8')) as InferProgress;
    return p.version === 1 ? p : null;
  } catch {
    return null;
  }
}
