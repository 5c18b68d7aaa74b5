import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ExecutionProviderName } from '../../../shared/devices';
import type { PredictItemData } from '../../../shared/jobs';
import type { LabelFile, LabelRecord } from '../../../shared/labels';
import { isHumanLabel } from '../../../core/formats/labels';
import { DEFAULT_PIPELINE, rankTemplates } from '../../../core/keypoints/pipeline';
import { pipelineSettings } from '../../../core/keypoints/predict-config';
import {
  fitVia,
  isSureFit,
  siblingTemplateVia,
  templatesInfo,
  type RepredictedInfo,
} from '../../../core/keypoints/template-provenance';
import type { ImageIdentity } from '../../../core/naming';
import { appError, AppFailure, toAppError } from '../../../core/result';
import { diskFullFailure } from '../../fs/disk-full';
import {
  decodeAndDetect,
  DEFAULT_RESOLUTIONS,
  predictImage,
  TEMPLATE_BUDGET_BYTES,
  predictionRecord,
  predictDials,
  templatesFor,
  type Prediction,
  type TemplateCandidate,
} from '../../keypoints/predictor';
import type { LabelDir } from '../../labels/label-dir';
import { openMatchPool, type MatchPool } from '../../match/match-pool';
import type { EngineServices } from '../../services';
import type { PredictLog } from './log';
import type { PredictManifest } from './progress';
import type { PredictContext, PredictFolders, PredictImage, Predictors } from './setup';

export interface RunDeps {
  svc: EngineServices;
  ctx: PredictContext;
  folders: PredictFolders;
  predictors: Predictors;
  candidates: readonly TemplateCandidate[];
  human: ReadonlyMap<string, LabelRecord>;
  manifest: PredictManifest;
  /** Earlier predictions predicted again (their template set improved), with the note they get. */
  stale: ReadonlyMap<string, RepredictedInfo>;
  /** The output folder's records from earlier runs, by image key (sibling templates among them). */
  predicted: ReadonlyMap<string, { record: LabelRecord }>;
  /** Image keys a reviewer rejected: never a sibling template. */
  rejected: ReadonlySet<string>;
  /** The prediction config's key, as the progress file records it. */
  configKey: string;
  /** The output folder's label files. */
  out: LabelDir;
  /** Output files that exist but cannot be parsed (by watch ID): left alone, their images fail. */
  malformedOutputs: ReadonlyMap<string, string>;
  log: PredictLog;
  checkpointFreq: number;
  /** Write the progress file (or, sharded, the shard's manifest). */
  saveProgress: () => Promise<void>;
}

/**
 * Every image of the run, one item each (its index: its position in the list): skipped when a
 * person labelled it or an earlier run predicted it (unless its template set has improved since:
 * `stale`), kept failed when asked, else predicted.
 * Predictions are merged into the output files, with the progress file, every `checkpointFreq`
 * images and when the run stops, however it stops.
 */
export class PredictRun {
  private readonly pending = new Map<string, LabelFile>();
  /**
   * Sibling templates by watch ID (template-provenance.ts `siblingTemplateVia`): this run's and
   * earlier runs' strong fits from a human label of their own watch.
   */
  private readonly siblings = new Map<string, TemplateCandidate[]>();
  /**
   * Photos the human labels did not fit, in a watch that has human labels: held back until the
   * run's other photos of their watch ID are done, then matched to the watch's sibling templates
   * (`siblingPass`). Not yet reported, so a run stopped before then predicts them again on resume.
   */
  private readonly deferred = new Map<string, Held[]>();
  /** This run's images of each watch ID not yet written: at 0 its held-back photos are matched again. */
  private readonly unwritten = new Map<string, number>();
  /** The run's pipeline settings (the spec's config over the pipeline's defaults). */
  private readonly settings: ReturnType<typeof pipelineSettings>;
  private sinceCheckpoint = 0;
  /** One detector run at a time; decoding and matching overlap it. */
  private readonly detector = serial();
  /** Where matching runs, for this run (set by `all`). */
  private match: MatchPool = IN_THREAD;

  constructor(private readonly d: RunDeps) {
    this.settings = pipelineSettings(d.ctx.spec.config);
  }

  /** Images in flight at once: enough to keep the match pool busy while one is written. */
  private get depth(): number {
    return Math.max(2, this.match.concurrency + 2);
  }

  async all(images: readonly PredictImage[]): Promise<void> {
    const { ctx, predictors } = this.d;
    const started = performance.now();
    const loop = performance.eventLoopUtilization();
    const match = await this.openMatching();
    this.match = match;
    // Images in flight: decoded, detected or matching while the oldest is written. Each is
    // written (and reported) in list order, so the outputs are those of one image at a time.
    const inFlight: { index: number; image: PredictImage; work: Promise<Computed> | null }[] = [];
    const depth = this.depth;
    this.seedSiblings(images);
    for (const { id } of images) this.unwritten.set(id.watchId, (this.unwritten.get(id.watchId) ?? 0) + 1);
    try {
      for (const [index, image] of images.entries()) {
        await ctx.checkpoint();
        if (ctx.previous(image.rel)) {
          await this.written(image.id.watchId, image.rel);
          continue;
        }
        inFlight.push({ index, image, work: this.wanted(image) ? this.compute(image, match) : null });
        while (inFlight.length >= depth) await this.commit(inFlight.shift()!);
      }
      while (inFlight.length > 0) await this.commit(inFlight.shift()!);
    } finally {
      // Paused, cancelled or stopped: what was predicted is kept; what was in flight is not
      // reported, so a resumed run predicts it again.
      await Promise.all(inFlight.map((f) => f.work));
      try {
        await this.checkpoint();
      } finally {
        await match.close();
        await predictors.inThread?.templates.clear();
        const busy = performance.eventLoopUtilization(loop);
        const wall = performance.now() - started;
        const t = match.cacheStats();
        const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;
        if (t) {
          await this.d.log(
            `template cache: ${t.prepared} prepared (${mib(t.preparedBytes)}), ${t.evictions} evicted, at most ${mib(t.peakBytes)} held of a ${mib(t.budgetBytes)} budget`,
            { process: true },
          );
        }
        await this.d.log(
          `main thread: busy ${Math.round(busy.utilization * 100)} % (${Math.round(busy.active)} ms of ${Math.round(wall)} ms), ${match.threads} match workers${match.detects ? ', each decoding and detecting too' : ''}`,
          { process: true },
        );
      }
    }
  }

  /**
   * Matching: the pool of match workers (classical matcher), or this thread (a learned ONNX
   * matcher). A detector on the CPU runs in the workers too, a session each, so the engine's
   * thread only schedules and writes (issue 15: it had capped a run near 1 / 50 ms per image on
   * any core count); one on an accelerator keeps its one session in this thread.
   */
  private async openMatching(): Promise<MatchPool> {
    const { svc, ctx, predictors: p } = this.d;
    const config = ctx.spec.config;
    if (p.inThread) return IN_THREAD;
    const { threads: ortThreads, workers: configured } = svc.config();
    const { workers, detectorThreads } = planMatching({
      provider: p.handle.provider.active,
      requested: ctx.spec.workers ?? configured ?? 0,
      ortThreads,
      cores: availableParallelism(),
    });
    return openMatchPool(
      workers,
      {
        matcher: { type: config.matcher as 'orb' | 'akaze', maxFeatures: config.maxFeatures, ratio: config.ratio },
        resolutions: DEFAULT_RESOLUTIONS,
        margin: DEFAULT_PIPELINE.cropMargin,
        templateBudgetBytes: TEMPLATE_BUDGET_BYTES,
        ...(detectorThreads !== null
          ? { detector: { model: p.model, keypoints: p.keypointMap, threads: detectorThreads } }
          : {}),
      },
      p.loadCv,
      p.handle,
    );
  }

  /** Whether an image would be predicted (not skipped or kept failed); commit decides again. */
  private wanted({ id }: PredictImage): boolean {
    const { ctx, human, manifest } = this.d;
    if (human.has(id.imageKey) && !ctx.spec.force) return false;
    if (manifest.keptFailure(id.imageKey, ctx.spec.retryFailed) !== undefined) return false;
    return !manifest.done(id.imageKey) || this.d.stale.has(id.imageKey);
  }

  /**
   * Decode, detect (one image at a time on the detector's session) and match (in a worker), to
   * the image's human templates, or to `siblings` (then offered after the human ones it had).
   */
  private compute({ rel, id }: PredictImage, match: MatchPool, siblings?: TemplateCandidate[]): Promise<Computed> {
    const { svc, folders, predictors: p, candidates, malformedOutputs } = this.d;
    const started = svc.now();
    const run = async (): Promise<Prediction> => {
      const malformed = malformedOutputs.get(id.watchId);
      if (malformed) {
        throw new AppFailure(
          'IO_ERROR',
          `the output file ${id.watchId}.json is malformed (${malformed}); not overwriting it`,
        );
      }
      const input = {
        path: join(folders.imagesDir, rel),
        imageKey: id.imageKey,
        fullImageName: basename(rel),
        watchId: id.watchId,
        templateModel: id.templateModel,
      };
      const { settings } = this;
      const human = templatesFor(input, candidates, settings.maxTemplates);
      const templates = siblings ?? human;
      const offered = siblings ? [...human, ...siblings] : human;
      // Every sibling is fit (the user's maxTemplates ranks the human labels).
      const config = siblings ? { ...settings, maxTemplates: siblings.length } : settings;
      const detector = { handle: p.handle, model: p.model, keypoints: p.keypointMap };
      const full = { detector, candidates, config, resolutions: DEFAULT_RESOLUTIONS, now: () => new Date(svc.now()) };
      // A learned (ONNX) matcher runs in this thread, on its own session.
      if (p.inThread) {
        if (!siblings) return predictImage(input, { ...full, ...p.inThread });
        const fit = await predictImage(input, { ...full, ...p.inThread, candidates: siblings });
        return { ...fit, record: withOffered(fit.record, offered, id.watchId) };
      }
      const recording = { detectorId: p.model.id, annotator: config.annotator, now: full.now, offered };
      if (match.detects) {
        // The worker decodes, detects and matches: only the path goes, only the result comes back.
        const { results, ...photo } = await match.predict({ path: input.path, templates, watchId: id.watchId, config });
        return predictionRecord(input, photo, results, recording);
      }
      const detected = await this.detector(() => decodeAndDetect(input, full));
      const { img } = detected;
      const image = {
        gray: img.gray,
        width: img.width,
        height: img.height,
        workWidth: img.workWidth,
        workHeight: img.workHeight,
        scale: img.scale,
      };
      // Each dial the detector found is matched on its own (in parallel, across the workers). A
      // task's grey image is moved to its worker: with several tasks, each takes its own copy.
      const several = detected.detections.length > 1;
      const results = await predictDials(detected.detections, config, (detections, cfg) =>
        match.run({
          image: several ? { ...image, gray: image.gray.slice() } : image,
          detections,
          templates,
          watchId: id.watchId,
          config: { ...config, ...cfg },
        }),
      );
      return predictionRecord(input, { ...detected, size: [img.width, img.height] }, results, recording);
    };
    return run().then(
      (prediction) => ({ started, prediction }),
      (error: unknown) => ({ started, error }),
    );
  }

  private async commit(f: { index: number; image: PredictImage; work: Promise<Computed> | null }): Promise<void> {
    await this.image(f.index, f.image, f.work);
    await this.written(f.image.id.watchId, f.image.rel);
  }

  /** One more image of a watch ID written (or held back): after its last (`rel`), its sibling pass. */
  private async written(watchId: string, rel: string): Promise<void> {
    const left = (this.unwritten.get(watchId) ?? 1) - 1;
    this.unwritten.set(watchId, left);
    if (left === 0) await this.siblingPass(watchId, rel);
  }

  private async image(index: number, { rel, id }: PredictImage, work: Promise<Computed> | null): Promise<void> {
    const { ctx, human, manifest } = this.d;
    const { spec } = ctx;
    const skip = (why: 'human-labelled' | 'already-predicted'): void =>
      ctx.item({ index, key: rel, status: 'skipped', tag: why, ms: 0, data: itemData(id, rel, { skipped: why }) });
    if (human.has(id.imageKey) && !spec.force) return skip('human-labelled');
    const kept = manifest.keptFailure(id.imageKey, spec.retryFailed);
    if (kept !== undefined) {
      // Kept failed (retryFailed: false): reported again with the reason it had.
      const error = appError(
        kept?.code ?? 'IMAGE_DECODE_FAILED',
        `failed in an earlier run; not retried (--no-retry-failed)${kept ? `: ${kept.message}` : ''}`,
      );
      ctx.item({ index, key: rel, status: 'failed', error, ms: 0, data: itemData(id, rel, {}) });
      return;
    }
    if (manifest.done(id.imageKey) && !this.d.stale.has(id.imageKey)) return skip('already-predicted');
    const computed = await (work ?? this.compute({ rel, id }, this.match));
    if (!('error' in computed) && computed.prediction.result.tier !== 'full' && this.mayHaveSiblings(id)) {
      const held = this.deferred.get(id.watchId) ?? [];
      held.push({ index, image: { rel, id }, computed, heldAt: this.d.svc.now() });
      this.deferred.set(id.watchId, held);
      return;
    }
    await this.settle(index, { rel, id }, computed);
  }

  /**
   * Report and write a computed image: its prediction, or its failure. `after`: a held-back
   * image's watch's last image, which it is written after (where a shard's merge places its line).
   */
  private async settle(index: number, { rel, id }: PredictImage, computed: Computed, after?: string): Promise<void> {
    try {
      if ('error' in computed) throw computed.error;
      await this.predict(index, rel, id, computed, after);
    } catch (e) {
      await this.failed(index, rel, id, computed.started, e);
    }
  }

  private async predict(
    index: number,
    rel: string,
    id: ImageIdentity,
    { started, prediction }: { started: number; prediction: Prediction },
    after?: string,
  ): Promise<void> {
    const { svc, ctx, manifest, log } = this.d;
    const { result } = prediction;
    const again = this.d.stale.get(id.imageKey);
    // A prediction replacing an earlier one says why and what it replaced (template-provenance.ts).
    const record = again
      ? { ...prediction.record, debug_info: { ...prediction.record.debug_info, repredicted: again } }
      : prediction.record;
    this.pending.set(id.watchId, { ...(this.pending.get(id.watchId) ?? {}), [id.imageKey]: record });
    manifest.markDone(id.imageKey, result.tier);
    this.addSibling({ rel, id }, record);
    // On disk before it is reported: a job resumed from its journal skips reported images,
    // so a report must never run ahead of the file (with checkpointFreq 1, nothing is lost).
    if (++this.sinceCheckpoint >= this.d.checkpointFreq) await this.checkpoint();
    const ms = svc.now() - started;
    const why = again
      ? ` (re-predicted: new template ${again.template}${again.reason === 'own-watch-template' ? ' of its own watch ID' : ' of its template model'}; was ${again.previous.annotator})`
      : '';
    const via = fitVia(record);
    const sibling = via ? ` (fit to sibling ${String(record.debug_info?.template_key)}, itself fit from ${via})` : '';
    await log(
      `${rel}: ${result.tier} (${result.method}) confidence ${record.confidence} in ${Math.round(ms)} ms${sibling}${why}`,
      { image: { key: id.imageKey, rel, after } },
    );
    ctx.item({
      index,
      key: rel,
      status: 'ok',
      tag: result.tier,
      ms,
      data: itemData(id, rel, {
        tier: result.tier,
        method: result.method,
        confidence: record.confidence ?? null,
        record,
        ...(again ? { repredicted: { reason: again.reason, template: again.template } } : {}),
      }),
    });
  }

  private async failed(index: number, rel: string, id: ImageIdentity, started: number, e: unknown): Promise<void> {
    const { svc, ctx, manifest, log } = this.d;
    // A full disk fails every later write too: the batch stops (what is written is kept).
    const full = diskFullFailure(e);
    if (full) throw full;
    const error = toAppError(e, 'IMAGE_DECODE_FAILED');
    if (error.code !== 'IO_ERROR') manifest.markFailed(id.imageKey, { code: error.code, message: error.message });
    // A failure of the output file is not the image's fault: it is tried again on the next run,
    // whatever the image's own earlier failure was.
    else if (manifest.failure(id.imageKey) !== undefined) manifest.forget(id.imageKey);
    await log(`${rel}: FAILED ${error.code}: ${error.message}`, { image: { key: id.imageKey, rel } });
    ctx.item({ index, key: rel, status: 'failed', error, ms: svc.now() - started, data: itemData(id, rel, {}) });
    if (++this.sinceCheckpoint >= this.d.checkpointFreq) await this.checkpoint();
  }

  /** Whether a fallback of this image could find a sibling template: its watch has a human one. */
  private mayHaveSiblings(id: ImageIdentity): boolean {
    return this.d.candidates.some((c) => c.watchId === id.watchId);
  }

  /** Earlier runs' strong fits of this run's photos (not redone now, not rejected) as sibling templates. */
  private seedSiblings(images: readonly PredictImage[]): void {
    for (const image of images) {
      const key = image.id.imageKey;
      const earlier = this.d.predicted.get(key)?.record;
      if (!earlier || this.d.stale.has(key) || this.d.rejected.has(key) || this.d.human.has(key)) continue;
      this.addSibling(image, earlier);
    }
  }

  private addSibling({ rel, id }: PredictImage, record: LabelRecord): void {
    const via = siblingTemplateVia(record, this.settings);
    // Only while the human label it was fit from is still a template.
    if (via === null || !this.d.candidates.some((c) => c.key === via)) return;
    const list = (this.siblings.get(id.watchId) ?? []).filter((c) => c.key !== id.imageKey);
    list.push({
      key: id.imageKey,
      path: join(this.d.folders.imagesDir, rel),
      watchId: id.watchId,
      templateModel: id.templateModel,
      record,
      coords: record.coords_norm,
      size: record.image_size,
      via,
    });
    this.siblings.set(id.watchId, list);
  }

  /**
   * A watch ID's held-back fallbacks, once its other images are written, matched to its strong
   * fits (at most SIBLING_TEMPLATES of them, most frontal first, every one fit and the best
   * kept): a sure fit (`isSureFit` at the ordinary inlier count) replaces the fallback, whose
   * record is otherwise written as it was. Several in flight, as in the first pass, reported in
   * list order; each one's time is its two attempts, not the wait between them.
   */
  private async siblingPass(watchId: string, after: string): Promise<void> {
    const held = this.deferred.get(watchId);
    if (!held) return;
    this.deferred.delete(watchId);
    const pool = this.siblings.get(watchId) ?? [];
    const retry = async (d: Held): Promise<Computed> => {
      const { id } = d.image;
      const first = d.heldAt - d.computed.started;
      const others = pool.filter((c) => c.key !== id.imageKey);
      if (others.length === 0) return d.computed;
      const siblings = rankTemplates(others, id).slice(0, SIBLING_TEMPLATES);
      const again = await this.compute(d.image, this.match, siblings);
      const started = again.started - first;
      return 'error' in again || !isSureFit(again.prediction.record, this.settings, 1)
        ? { ...d.computed, started }
        : { ...again, started };
    };
    const inFlight: { d: Held; work: Promise<Computed> }[] = [];
    try {
      for (const d of held) {
        await this.d.ctx.checkpoint();
        inFlight.push({ d, work: retry(d) });
        while (inFlight.length >= this.depth) {
          const f = inFlight.shift()!;
          await this.settle(f.d.index, f.d.image, await f.work, after);
        }
      }
      while (inFlight.length > 0) {
        const f = inFlight.shift()!;
        await this.settle(f.d.index, f.d.image, await f.work, after);
      }
    } finally {
      // Stopped: as in the first pass, what is in flight finishes (unreported) before the run
      // closes its match workers.
      await Promise.all(inFlight.map((f) => f.work));
    }
  }

  /** Pending predictions into the output files, then the progress file. */
  private async checkpoint(): Promise<void> {
    const { svc, out } = this.d;
    for (const [watchId, records] of this.pending) {
      // Records a person edited in the predictions folder are theirs: never replaced.
      await svc.labels.merge(out.path(watchId), records, isHumanLabel);
    }
    this.pending.clear();
    await this.d.saveProgress();
    this.sinceCheckpoint = 0;
  }
}

/**
 * Sibling templates tried per held-back photo: the samples' hard views need a near view among a
 * watch's 2–9 strong fits; each one tried is one more match (about 20 ms) of a photo that would
 * otherwise be a fallback.
 */
const SIBLING_TEMPLATES = 12;

/** A record's `debug_info.templates` as if `offered` had been its templates (the in-thread sibling retry). */
function withOffered(record: LabelRecord, offered: readonly TemplateCandidate[], watchId: string): LabelRecord {
  const used = typeof record.debug_info?.template_key === 'string' ? record.debug_info.template_key : null;
  return { ...record, debug_info: { ...record.debug_info, templates: templatesInfo(offered, used, watchId) } };
}

/** A prediction, or why it failed, with when its work began (the item's duration counts from there). */
type Computed = { started: number; prediction: Prediction } | { started: number; error: unknown };

/** A fallback held back for its watch's sibling pass, and when its first attempt ended. */
interface Held {
  index: number;
  image: PredictImage;
  computed: Computed;
  heldAt: number;
}

/** Matching in this thread with the run's own matcher (predictImage): a learned ONNX matcher. */
const IN_THREAD: MatchPool = {
  threads: 0,
  concurrency: 0,
  detects: false,
  run: () => Promise.reject(new AppFailure('INTERNAL', 'no match pool')),
  predict: () => Promise.reject(new AppFailure('INTERNAL', 'no match pool')),
  cacheStats: () => null,
  close: () => Promise.resolve(),
};

/** Serialises the detector's session runs (ONNX Runtime already uses its intra-op threads for one). */
function serial(): <T>(fn: () => Promise<T>) => Promise<T> {
  // Four lines where p-limit(1) would be a dependency for the same.
  let tail: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const next = tail.then(fn);
    tail = next.catch(() => undefined);
    return next;
  };
}

/** How a run's photos are spread over match workers (planMatching). */
export interface MatchPlan {
  workers: number;
  /**
   * Intra-op threads of each worker's own detector session (the run's ONNX Runtime threads shared
   * out, at least one); null when the engine keeps the one detector session (an accelerator) and
   * the workers only match.
   */
  detectorThreads: number | null;
}

/**
 * The match workers of a run whose detector runs on `provider`: on the CPU every worker decodes,
 * detects and matches on a session of its own; on an accelerator the engine's session detects
 * (one device session, not one per thread) and the workers match. `ortThreads` 0 is one per core.
 */
export function planMatching(o: {
  provider: ExecutionProviderName;
  requested: number;
  ortThreads: number;
  cores: number;
}): MatchPlan {
  const threads = o.ortThreads > 0 ? o.ortThreads : o.cores;
  const detects = o.provider === 'cpu';
  const workers = resolveWorkers(o.requested, threads, o.cores, detects);
  return { workers, detectorThreads: detects ? Math.max(1, Math.floor(threads / workers)) : null };
}

/**
 * Match workers for `requested` (0: from the machine). When the workers detect too (a CPU
 * detector, a session each), one per core: the engine's thread only schedules and writes.
 * Otherwise one per core less the cores kept for the engine's thread, which then runs the
 * detector (onnxruntime-node's session.run blocks it) and decodes: a quarter of ONNX Runtime's
 * intra-op threads, at least one. At least one worker.
 */
export function resolveWorkers(
  requested: number,
  ortThreads: number,
  cores = availableParallelism(),
  detectorInWorkers = false,
): number {
  if (requested > 0) return requested;
  if (detectorInWorkers) return Math.max(1, cores);
  return Math.max(1, cores - Math.max(1, Math.floor(Math.min(ortThreads, cores) / 4)));
}

function itemData(id: ImageIdentity, rel: string, extra: Partial<PredictItemData>): PredictItemData {
  return {
    imageKey: id.imageKey,
    watchId: id.watchId,
    fullImageName: basename(rel),
    tier: null,
    method: null,
    confidence: null,
    ...extra,
  };
}
