import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelRunSummary } from '../../../shared/jobs';
import { type AppFailure, toAppError } from '../../../core/result';
import { diskFullFailure } from '../../fs/disk-full';
import { readRgb, startReadRgb, writeRgbPng, type RgbImage } from '../../images/pixels';
import {
  restoreFrame,
  restoreSettings,
  type FrameScratch,
  type RestoredFrame,
  type RestoreSettings,
} from '../../restore/infer-frame';
import type { ModelCandidate } from '../../restore/sources';
import type { EngineServices } from '../../services';
import type { RestoreBatch, RestoreContext } from './batch';
import type { LoadedModel } from './load-model';
import { readRestoreProgress, restoreConfigKey, writeRestoreProgress, type RestoreManifest } from './progress';
import { measureFrame, round, type FrameQuality } from './quality';
import { MetricScoreSheet } from '../../../core/metrics/metric-scores';
import { SampleBuffers } from '../../../core/image/sample-buffers';
import { scoreAll, type MetricScore } from '../../restore/metric-models';
import { sweepStrayTemps } from '../stray-temps';

/**
 * PNG zlib level, chosen by measurement (bench/png.bench.test.ts, BENCHMARKS.md): level 6 is within
 * 5–11% of level 9's size at under half its time, so encoding (overlapped with the next frame's
 * inference) stays well below inference time even for fast models at 1080p.
 */
export const PNG_COMPRESSION_LEVEL = 6;

/** The progress file is rewritten every this many frames (and when the model stops or ends). */
const PROGRESS_EVERY = 4;

/** A frame's row in metadata.json. */
export interface FrameRecord {
  index: number;
  input: string;
  output: string;
  run_ms: number;
  tiled: boolean;
  tiled_because?: string;
  /** Why this frame has no PSNR/SSIM although there is ground truth. */
  metrics_skipped?: string;
}

/** What one model's run over the frames leaves for its report. */
export interface ModelFrames {
  /** Frames on disk (run now or reused), by index. */
  records: FrameRecord[];
  /** By output name. */
  metrics: { frame: string; input: string; psnr: number; ssim: number }[];
  /** Frames written without PSNR/SSIM, and why (by output name). */
  metricsSkipped: { frame: string; input: string; reason: string }[];
  /** The metric models' scores of the frames (batch.metricModels; empty without any). */
  scores: MetricScoreSheet;
  /** `input: reason` of each frame that failed. */
  failures: string[];
  /** Frames whose output held NaN or Inf (not written). */
  nonFiniteFrames: number;
  bitDepth: number | null;
  /** svc.now() when the model's first frame started. */
  startedAt: number;
}

export interface ModelRun {
  settings: RestoreSettings;
  /** The model's output folder. */
  dir: string;
  frames: ModelFrames;
}

interface Frame {
  /** The frame's index (RestoreBatch.frames). */
  index: number;
  input: string;
  /** Output file name. */
  name: string;
  /** Item key: `<model folder>/<output name>`. */
  key: string;
  outPath: string;
}

/** Where a model's resume manifest is kept: its `.loupe-infer.json`, or (sharded) the shard's manifest. */
export interface ProgressStore {
  read(dir: string, configKey: string, resume: boolean | undefined): Promise<RestoreManifest>;
  write(dir: string, manifest: RestoreManifest): Promise<void>;
}

const PROGRESS_FILES: ProgressStore = { read: readRestoreProgress, write: writeRestoreProgress };

/** Which frames of the batch to run (a shard's range; default all) and where progress goes (a shard's manifest). */
export interface RunOptions {
  start?: number;
  end?: number;
  progress?: ProgressStore;
}

interface RunDeps {
  svc: EngineServices;
  ctx: RestoreContext;
  batch: RestoreBatch;
  c: ModelCandidate;
  entry: ModelRunSummary;
  loaded: LoadedModel;
  settings: RestoreSettings;
  dir: string;
  manifest: RestoreManifest;
  start: number;
  end: number;
  progress: ProgressStore;
}

/**
 * One model over every frame of the batch, resumable: frames its manifest has on disk are
 * reported again without running, frames that failed before are kept failed when asked. A full
 * disk stops it (after the write in flight); the manifest is written whatever happens.
 */
export async function runModel(
  svc: EngineServices,
  ctx: RestoreContext,
  batch: RestoreBatch,
  c: ModelCandidate,
  entry: ModelRunSummary,
  loaded: LoadedModel,
  options: RunOptions = {},
): Promise<ModelRun> {
  const settings = restoreSettings(loaded.model, c.padMultiple, batch.spec);
  const dir = join(batch.outputDir, c.folderName);
  entry.output_dir = dir;
  const configKey = restoreConfigKey(loaded.model, settings, batch.inputDir);
  const progress = options.progress ?? PROGRESS_FILES;
  const manifest = await progress.read(dir, configKey, batch.spec.resume);
  const start = options.start ?? 0;
  const end = options.end ?? batch.frames.length;
  // One process owns the whole folder; a shard, its frames' files only (the merge writes the rest).
  const owned = options.progress ? new Set(batch.outputNames.slice(start, end)) : null;
  await sweepStrayTemps(ctx, dir, owned);
  const deps = { svc, ctx, batch, c, entry, loaded, settings, dir, manifest, start, end, progress };
  const frames = await new ModelFrameRun(deps).all();
  return { settings, dir, frames };
}

class ModelFrameRun {
  private readonly out: ModelFrames;
  /** Pipelining: the next frame decodes and the previous one encodes while this one runs. */
  private next: { index: number; image: Promise<RgbImage> } | null = null;
  /** The input tensor's buffer and the output pixel buffers, reused from frame to frame. */
  private readonly scratch: FrameScratch = { outputs: new SampleBuffers() };
  /** The encode in flight (at most one). */
  private writing: Promise<void> = Promise.resolve();
  /** Set when a frame could not be written because the disk is full: the model (and batch) stops. */
  private diskFull: AppFailure | null = null;

  constructor(private readonly d: RunDeps) {
    this.out = {
      records: [],
      metrics: [],
      metricsSkipped: [],
      scores: new MetricScoreSheet(d.batch.metricModels.map((m) => m.summary)),
      failures: [],
      nonFiniteFrames: 0,
      bitDepth: null,
      startedAt: d.svc.now(),
    };
  }

  async all(): Promise<ModelFrames> {
    const { ctx, batch, c, dir, manifest, start, end, progress } = this.d;
    try {
      for (let index = start; index < end; index++) {
        const input = batch.frames[index] as string;
        await ctx.checkpoint();
        if (this.diskFull) throw this.diskFull;
        const name = batch.outputNames[index] as string;
        const frame = { index, input, name, key: `${c.folderName}/${name}`, outPath: join(dir, name) };
        if ((await this.reuse(frame)) || this.keepFailed(frame)) continue;
        await this.run(frame);
      }
    } finally {
      // Stopped or finished: what is on disk is recorded, so a rerun skips it.
      await this.writing;
      await progress.write(dir, manifest);
    }
    if (this.diskFull) throw this.diskFull;
    this.out.records.sort((a, b) => a.index - b.index);
    this.out.metrics.sort((a, b) => a.frame.localeCompare(b.frame));
    this.out.metricsSkipped.sort((a, b) => a.frame.localeCompare(b.frame));
    return this.out;
  }

  /** A frame an earlier run wrote with the same model and settings: reported, not run. */
  private async reuse(f: Frame): Promise<boolean> {
    const prior = this.d.manifest.done(f.name);
    if (!prior || !(await stat(f.outPath).catch(() => null))?.isFile()) return false;
    this.out.records.push({
      index: f.index,
      input: f.input,
      output: f.name,
      run_ms: prior.ms,
      tiled: prior.tiled,
      ...(prior.metricsSkipped ? { metrics_skipped: prior.metricsSkipped } : {}),
    });
    // A PSNR the file holds as null was infinite (an output equal to its ground truth).
    if (prior.psnr !== undefined && prior.ssim !== undefined)
      this.out.metrics.push({ frame: f.name, input: f.input, psnr: prior.psnr ?? Infinity, ssim: prior.ssim });
    if (prior.metricsSkipped)
      this.out.metricsSkipped.push({ frame: f.name, input: f.input, reason: prior.metricsSkipped });
    if (prior.psnr !== undefined) await this.reuseScores(f, prior.scores ?? {});
    const { ctx, c } = this.d;
    if (!ctx.previous(f.key)) {
      ctx.item({
        index: f.index,
        key: f.key,
        status: 'skipped',
        tag: c.name,
        ms: 0,
        data: { model: c.name, frame: f.input, output: f.outPath, tiled: prior.tiled, runMs: prior.ms },
      });
    }
    return true;
  }

  /**
   * A reused frame's metric scores: those its manifest holds under the same key, the others (a
   * metric model added since, another file or range) scored now from its PNG on disk.
   */
  private async reuseScores(f: Frame, prior: Record<string, number>): Promise<void> {
    const { batch, manifest } = this.d;
    const missing = batch.metricModels.filter((m) => prior[m.key] === undefined);
    for (const m of batch.metricModels) {
      const score = prior[m.key];
      if (score !== undefined) this.out.scores.add(m.contract.name, f.name, f.input, { score });
    }
    if (missing.length === 0) return;
    const gt = await batch.groundTruth(f.input);
    if (!gt || !('image' in gt)) return;
    let scored: Map<string, MetricScore>;
    try {
      scored = await scoreAll(missing, await readRgb(f.outPath), gt.image);
    } catch (e) {
      scored = new Map(missing.map((m) => [m.contract.name, { skipped: toAppError(e).message }]));
    }
    const scores = { ...prior };
    for (const m of missing) {
      const r = scored.get(m.contract.name) as MetricScore;
      this.out.scores.add(m.contract.name, f.name, f.input, r);
      if ('score' in r) scores[m.key] = round(r.score, 6);
    }
    const done = manifest.done(f.name);
    if (done) manifest.markDone(f.name, { ...done, scores });
  }

  /** A frame that failed before (this job's earlier run, or the manifest), kept failed when asked. */
  private keepFailed(f: Frame): boolean {
    const { ctx, c, batch, manifest } = this.d;
    const before = ctx.previous(f.key);
    const failedBefore = before?.status === 'failed' ? (before.error?.message ?? 'failed') : manifest.failure(f.name);
    if (batch.spec.retryFailed !== false || failedBefore === undefined) return false;
    const message = `failed in an earlier run; not retried (--no-retry-failed): ${failedBefore}`;
    this.out.failures.push(`${f.input}: ${message}`);
    if (!before) {
      const error = { code: 'INFERENCE_FAILED' as const, message };
      const data = { model: c.name, frame: f.input, output: null, tiled: false, runMs: null };
      ctx.item({ index: f.index, key: f.key, status: 'failed', error, ms: 0, data });
    }
    return true;
  }

  /** Decode (or take the prefetched image), run, measure; the encode overlaps the next frame. */
  private async run(f: Frame): Promise<void> {
    const { svc, ctx, batch, c, loaded, settings, dir, manifest, end, progress } = this.d;
    const t0 = svc.now();
    try {
      const image = await (this.next?.index === f.index ? this.next.image : this.decode(f.index).image);
      const next = f.index + 1 < end ? this.decode(f.index + 1) : null;
      this.next = next && { index: f.index + 1, image: next.image };
      this.next?.image.catch(() => undefined); // reported when its turn comes
      // Its decode is queued before session.run blocks this thread, so it runs meanwhile.
      await next?.probed;
      const restored = await restoreFrame(loaded.handle.session, loaded.model, image, settings, this.scratch);
      const gt = await batch.groundTruth(f.input);
      const quality = measureFrame(restored.image, gt);
      if (quality.skipped) ctx.log('warn', `${c.name}: ${f.input}: ${quality.skipped}`);
      // The metric models score the frames PSNR/SSIM are measured on (a ground truth that fits).
      const scores =
        quality.scores && gt && 'image' in gt && batch.metricModels.length
          ? await scoreAll(batch.metricModels, restored.image, gt.image)
          : new Map<string, MetricScore>();
      for (const [name, r] of scores)
        if ('skipped' in r) ctx.log('warn', `${c.name}: ${f.input}: no ${name}: ${r.skipped}`);
      // At most one encode in flight. The item counts as done once its PNG is on disk.
      await this.writing;
      this.out.bitDepth = restored.image.depth;
      // Once the encode settles nothing reads the pixels: the buffer serves a later frame.
      const settled = (): void => this.scratch.outputs?.give(restored.image.pixels);
      this.writing = writeRgbPng(f.outPath, restored.image, { compressionLevel: PNG_COMPRESSION_LEVEL }).then(
        () => {
          settled();
          this.written(f, restored, quality, scores, t0);
        },
        (e: unknown) => {
          settled();
          const full = diskFullFailure(e, f.outPath);
          if (full)
            this.diskFull ??= full; // the first frame that did not fit is the one named
          else this.fail(f, e, 'IO_ERROR', restored.tiled, restored.runMs, t0);
        },
      );
      if (f.index % PROGRESS_EVERY === PROGRESS_EVERY - 1) await progress.write(dir, manifest);
    } catch (e) {
      this.next = null;
      this.fail(f, e, 'INFERENCE_FAILED', false, null, t0);
    }
  }

  private decode(index: number): { probed: Promise<void>; image: Promise<RgbImage> } {
    return startReadRgb(join(this.d.batch.inputDir, this.d.batch.frames[index] as string));
  }

  /** The frame's PNG is on disk: recorded in the manifest and the report, and reported. */
  private written(
    f: Frame,
    restored: RestoredFrame,
    quality: FrameQuality,
    metricScores: ReadonlyMap<string, MetricScore>,
    t0: number,
  ): void {
    const { svc, ctx, c, entry, manifest, batch } = this.d;
    // By metric name (the item, the report) and by scorer key (the manifest, for a resumed run).
    const scoreByName: Record<string, number> = {};
    const scoreByKey: Record<string, number> = {};
    for (const m of batch.metricModels) {
      const r = metricScores.get(m.contract.name);
      if (!r) continue;
      this.out.scores.add(m.contract.name, f.name, f.input, r);
      if ('score' in r) {
        scoreByName[m.contract.name] = round(r.score, 6);
        scoreByKey[m.key] = round(r.score, 6);
      }
    }
    const scored = Object.keys(scoreByName).length > 0;
    const { scores, skipped } = quality;
    const record: FrameRecord = {
      index: f.index,
      input: f.input,
      output: f.name,
      run_ms: round(restored.runMs, 2),
      tiled: restored.tiled,
      ...(restored.tiledBecause ? { tiled_because: restored.tiledBecause } : {}),
      ...(skipped ? { metrics_skipped: skipped } : {}),
    };
    manifest.markDone(f.name, {
      ms: record.run_ms,
      tiled: restored.tiled,
      ...(scores ?? {}),
      ...(skipped ? { metricsSkipped: skipped } : {}),
      ...(scored ? { scores: scoreByKey } : {}),
    });
    this.out.records.push(record);
    if (scores) this.out.metrics.push({ frame: f.name, input: f.input, ...scores });
    if (skipped) this.out.metricsSkipped.push({ frame: f.name, input: f.input, reason: skipped });
    if (restored.tiled) entry.frames_tiled++;
    ctx.item({
      index: f.index,
      key: f.key,
      status: 'ok',
      tag: c.name,
      ms: svc.now() - t0,
      data: {
        model: c.name,
        frame: f.input,
        output: f.outPath,
        tiled: restored.tiled,
        runMs: restored.runMs,
        ...(scores ?? {}),
        ...(skipped ? { metricsSkipped: skipped } : {}),
        ...(scored ? { scores: scoreByName } : {}),
      },
    });
  }

  private fail(
    f: Frame,
    e: unknown,
    code: 'IO_ERROR' | 'INFERENCE_FAILED',
    tiled: boolean,
    runMs: number | null,
    t0: number,
  ): void {
    const { svc, ctx, c, manifest } = this.d;
    const error = toAppError(e, code);
    this.out.failures.push(`${f.input}: ${error.message}`);
    if (typeof error.details?.nan === 'number') this.out.nonFiniteFrames++;
    manifest.markFailed(f.name, error.message);
    ctx.item({
      index: f.index,
      key: f.key,
      status: 'failed',
      error,
      ms: svc.now() - t0,
      data: { model: c.name, frame: f.input, output: null, tiled, runMs },
    });
  }
}
