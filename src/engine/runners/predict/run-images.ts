import { basename, join } from 'node:path';
import type { PredictItemData } from '../../../shared/jobs';
import type { LabelFile, LabelRecord } from '../../../shared/labels';
import { isHumanLabel } from '../../../core/formats/labels';
import { pipelineSettings } from '../../../core/keypoints/predict-config';
import type { ImageIdentity } from '../../../core/naming';
import { appError, AppFailure, toAppError } from '../../../core/result';
import { diskFullFailure } from '../../fs/disk-full';
import { DEFAULT_RESOLUTIONS, predictImage, type TemplateCandidate } from '../../keypoints/predictor';
import type { LabelDir } from '../../labels/label-dir';
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
 * person labelled it or an earlier run predicted it, kept failed when asked, else predicted.
 * Predictions are merged into the output files, with the progress file, every `checkpointFreq`
 * images and when the run stops, however it stops.
 */
export class PredictRun {
  private readonly pending = new Map<string, LabelFile>();
  private sinceCheckpoint = 0;

  constructor(private readonly d: RunDeps) {}

  async all(images: readonly PredictImage[]): Promise<void> {
    const { ctx, predictors } = this.d;
    try {
      for (const [index, image] of images.entries()) {
        await ctx.checkpoint();
        if (ctx.previous(image.rel)) continue;
        await this.image(index, image);
      }
    } finally {
      // Paused, cancelled or stopped: what was predicted is kept.
      try {
        await this.checkpoint();
      } finally {
        await predictors.templates.clear();
      }
    }
  }

  private async image(index: number, { rel, id }: PredictImage): Promise<void> {
    const { svc, ctx, human, manifest } = this.d;
    const { spec } = ctx;
    const started = svc.now();
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
    if (manifest.done(id.imageKey)) return skip('already-predicted');
    try {
      await this.predict(index, rel, id, started);
    } catch (e) {
      await this.failed(index, rel, id, started, e);
    }
  }

  private async predict(index: number, rel: string, id: ImageIdentity, started: number): Promise<void> {
    const { svc, ctx, folders, predictors: p, candidates, manifest, malformedOutputs, log } = this.d;
    const malformed = malformedOutputs.get(id.watchId);
    if (malformed) {
      throw new AppFailure(
        'IO_ERROR',
        `the output file ${id.watchId}.json is malformed (${malformed}); not overwriting it`,
      );
    }
    const { record, result } = await predictImage(
      {
        path: join(folders.imagesDir, rel),
        imageKey: id.imageKey,
        fullImageName: basename(rel),
        watchId: id.watchId,
        templateModel: id.templateModel,
      },
      {
        cv: p.cv,
        detector: { handle: p.handle, model: p.model, keypoints: p.keypointMap },
        matcher: p.matcher,
        templates: p.templates,
        candidates,
        config: pipelineSettings(ctx.spec.config),
        resolutions: DEFAULT_RESOLUTIONS,
        now: () => new Date(svc.now()),
      },
    );
    this.pending.set(id.watchId, { ...(this.pending.get(id.watchId) ?? {}), [id.imageKey]: record });
    manifest.markDone(id.imageKey, result.tier);
    // On disk before it is reported: a job resumed from its journal skips reported images,
    // so a report must never run ahead of the file (with checkpointFreq 1, nothing is lost).
    if (++this.sinceCheckpoint >= this.d.checkpointFreq) await this.checkpoint();
    const ms = svc.now() - started;
    await log(`${rel}: ${result.tier} (${result.method}) confidence ${record.confidence} in ${Math.round(ms)} ms`, {
      image: { key: id.imageKey, rel },
    });
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
