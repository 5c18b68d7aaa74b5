import { appendFile, mkdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { LabelFile, LabelRecord, Tier } from '../../shared/labels';
import type { AppError } from '../../shared/result';
import type { ModelInfo } from '../../shared/models';
import type { PredictItemData, PredictKeypointsResult } from '../../shared/jobs';
import { DEFAULT_PIPELINE } from '../../core/keypoints/pipeline';
import { PREDICT_DEFAULTS } from '../../core/keypoints/predict-defaults';
import { modelKeypointMap, describeKeypointMap } from '../../core/keypoints/model-keypoints';
import { pipelineSettings, predictConfigKey } from '../../core/keypoints/predict-config';
import { isHumanLabel, isSafeFileName, missingKeypoints, templateProblem } from '../../core/formats/labels';
import { compileNamingPattern, identifyImage, type ImageIdentity } from '../../core/naming';
import { appError, AppFailure, toAppError, unwrap } from '../../core/result';
import { writeJsonAtomic } from '../fs/atomic';
import { diskFullFailure } from '../fs/disk-full';
import { walkImages } from '../images/list-images';
import type { JobRunner } from '../jobs/manager';
import { LabelDir } from '../labels/label-dir';
import type { Matcher } from '../../core/match/matcher';
import { ClassicalMatcher, createOpenCvLoader } from '../match/opencv';
import { OnnxMatcher } from '../match/onnx-matcher';
import { DEFAULT_RESOLUTIONS, predictImage, TemplateCache, type TemplateCandidate } from '../keypoints/predictor';
import type { EngineServices } from '../services';

/** The progress file in the output folder: what a rerun may skip. */
export const PROGRESS_FILE = '.loupe-predict.json';
export const LOG_FILE = 'predict.log';

interface ProgressFile {
  version: 1;
  imagesDir: string;
  labelsDir: string;
  configKey: string;
  updatedAt: string;
  /** image key → tier, or "failed". */
  done: Record<string, Tier | 'failed'>;
  /** Why the "failed" ones failed (absent in files of older versions). */
  failures?: Record<string, AppError>;
}

/**
 * Batch keypoint prediction: every image of a folder without a human label gets a record in
 * `{outputDir}/{WATCH_ID}.json`, written atomically every `checkpointFreq` images and merged
 * with what the file holds. A progress file lets a rerun after a kill redo only unfinished
 * images; a log file records every image. Human labels are read, never written.
 */
export function predictKeypointsRunner(svc: EngineServices): JobRunner<'predict-keypoints'> {
  const run = predictKeypoints(svc);
  // A full disk stops the batch with "disk full", whichever write found it.
  return async (ctx) => {
    try {
      return await run(ctx);
    } catch (e) {
      throw diskFullFailure(e) ?? e;
    }
  };
}

function predictKeypoints(svc: EngineServices): JobRunner<'predict-keypoints'> {
  const loadCv = createOpenCvLoader();
  return async (ctx) => {
    const spec = ctx.spec;
    const config = spec.config;
    const imagesDir = resolve(spec.imagesDir);
    const outputDir = resolve(spec.outputDir);
    const labelsDir = resolve(spec.labelsDir);
    const checkpointFreq = Math.max(1, spec.checkpointFreq ?? PREDICT_DEFAULTS.checkpointFreq);
    if (!(await stat(imagesDir).catch(() => null))?.isDirectory()) {
      throw new AppFailure('NOT_FOUND', `no images folder ${imagesDir}`, { path: imagesDir });
    }
    if ((await realpath(outputDir).catch(() => outputDir)) === (await realpath(labelsDir).catch(() => labelsDir))) {
      throw new AppFailure(
        'INVALID_ARGUMENT',
        'the output folder is the human labels folder; predictions never go there',
      );
    }
    const pattern = unwrap(compileNamingPattern(config.namingPattern));

    // The detector: a catalog id, or a path to an .onnx file.
    const model = await resolveModel(svc, config.model, 'detector');
    if (model.task !== 'pose' && model.task !== 'detect' && model.task !== 'obb') {
      throw new AppFailure('INVALID_ARGUMENT', `${model.name} is a ${model.task} model, not a dial detector`);
    }
    // A pose model's keypoints by name (or the user's map); one whose names cannot be mapped
    // fails here, before any image, with what is missing and how to name it.
    const mapped = modelKeypointMap(model, config.keypointMap);
    if (mapped && !mapped.ok) throw new AppFailure(mapped.error.code, mapped.error.message, mapped.error.details);
    const keypointMap = mapped?.value ?? null;
    const handle = await svc.sessions.acquire(model, spec.device ?? svc.config().device);
    ctx.setProvider(handle.provider);
    const { cv } = await loadCv();
    // The classical matcher, or a learned one (an ONNX export with a matcher contract).
    let matcher: Matcher<unknown>;
    if (config.matcher.startsWith('onnx:')) {
      const m = await resolveModel(svc, config.matcher.slice('onnx:'.length), 'matcher');
      const mh = await svc.sessions.acquire(m, spec.device ?? svc.config().device);
      matcher = new OnnxMatcher(mh.session, m) as Matcher<unknown>;
    } else {
      matcher = new ClassicalMatcher(cv, {
        type: config.matcher as 'orb' | 'akaze',
        maxFeatures: config.maxFeatures,
        ratio: config.ratio,
      }) as Matcher<unknown>;
    }
    const templates = new TemplateCache(matcher, DEFAULT_RESOLUTIONS, DEFAULT_PIPELINE.cropMargin);

    const rootName = basename(imagesDir);
    const { files, problems: walkProblems } = await walkImages(imagesDir, true);
    const byName = new Map<string, string>();
    for (const rel of files) byName.set(basename(rel), join(imagesDir, rel));
    const images = files
      .map((rel) => ({ rel, id: identifyImage(rel, pattern, rootName) }))
      .filter((i) => !spec.watchId || i.id.watchId === spec.watchId);

    const log = async (line: string): Promise<void> => {
      await appendFile(join(outputDir, LOG_FILE), `${new Date().toISOString()} ${line}\n`).catch(() => undefined);
    };
    await mkdir(outputDir, { recursive: true });
    // What the folder walk could not follow (link loops, broken links) is said, not dropped.
    for (const p of walkProblems) {
      ctx.log('warn', `${p.path}: ${p.reason}; not predicted`);
      await log(`${p.path}: NOT READ ${p.code}: ${p.reason}`);
    }

    // Human labels: skipped images and the templates. A malformed file is reported, never rewritten.
    const human = new Map<string, LabelRecord>();
    for (const file of await new LabelDir(labelsDir).readAll()) {
      if (!file.labels) {
        await log(
          `human label file ${file.path} is malformed (${file.problems[0]?.message ?? 'unreadable'}); its labels are not used`,
        );
        continue;
      }
      for (const [key, record] of Object.entries(file.labels)) human.set(key, record);
    }
    const candidates: TemplateCandidate[] = [];
    for (const [key, record] of human) {
      if (typeof record.full_image_name !== 'string' || !isSafeFileName(record.full_image_name)) {
        await log(
          `human label ${key}: full_image_name ${JSON.stringify(record.full_image_name)} refused (not a plain file name)`,
        );
        continue;
      }
      const missing = missingKeypoints(record);
      if (missing.length > 0) {
        await log(`human label ${key}: partial (${missing.join(', ')} absent); not used as a template`);
        continue;
      }
      const path = byName.get(record.full_image_name);
      if (!path) continue;
      const unusable = templateProblem(record);
      if (unusable) {
        await log(`human label ${key}: refused as a template: ${unusable} (\`loupe validate\` lists such labels)`);
        continue;
      }
      const id = identifyImage(record.full_image_name, pattern, rootName);
      candidates.push({
        key,
        path,
        watchId: id.watchId,
        templateModel: id.templateModel,
        record,
        coords: record.coords_norm,
        size: record.image_size,
      });
    }

    // Resume: what the progress file says is done and the output files still hold.
    const out = new LabelDir(outputDir);
    // Output files that exist but cannot be parsed are left alone; their images fail with the reason.
    const malformedOutputs = new Map<string, string>();
    for (const file of await out.readAll()) {
      if (file.exists && !file.labels) malformedOutputs.set(file.watchId, file.problems[0]?.message ?? 'unreadable');
    }
    const configKey = predictConfigKey(config, model.sha256);
    const progress = await readProgress(outputDir);
    const done = new Map<string, Tier | 'failed'>();
    const failures = new Map<string, AppError>();
    if (spec.resume !== false && progress && progress.configKey === configKey && progress.imagesDir === imagesDir) {
      const predicted = await out.records();
      for (const [key, tier] of Object.entries(progress.done)) {
        // Images that failed before are tried again, unless asked to keep them (--no-retry-failed).
        if (tier === 'failed' && spec.retryFailed !== false) continue;
        if (tier === 'failed' || predicted.has(key)) done.set(key, tier);
        const why = progress.failures?.[key];
        if (tier === 'failed' && why) failures.set(key, why);
      }
    }
    await log(
      `start: ${images.length} images in ${imagesDir}, ${human.size} human labels, ${candidates.length} templates, detector ${model.id} on ${handle.provider.active}, ${done.size} already done`,
    );
    if (keypointMap) await log(`detector keypoints: ${describeKeypointMap(keypointMap)}`);

    ctx.setTotal(images.length);
    const pending = new Map<string, LabelFile>();
    const writtenFiles = new Set<string>();
    let sinceCheckpoint = 0;
    const checkpoint = async (): Promise<void> => {
      for (const [watchId, records] of pending) {
        // Records a person edited in the predictions folder are theirs: never replaced.
        await svc.labels.merge(out.path(watchId), records, isHumanLabel);
        writtenFiles.add(watchId);
      }
      pending.clear();
      await writeJsonAtomic(join(outputDir, PROGRESS_FILE), {
        version: 1,
        imagesDir,
        labelsDir,
        configKey,
        updatedAt: new Date().toISOString(),
        done: Object.fromEntries(done),
        failures: Object.fromEntries(failures),
      } satisfies ProgressFile);
      sinceCheckpoint = 0;
    };

    const item = (id: ImageIdentity, rel: string, extra: Partial<PredictItemData>): PredictItemData => ({
      imageKey: id.imageKey,
      watchId: id.watchId,
      fullImageName: basename(rel),
      tier: null,
      method: null,
      confidence: null,
      ...extra,
    });

    try {
      for (const [index, { rel, id }] of images.entries()) {
        await ctx.checkpoint();
        if (ctx.previous(rel)) continue;
        const started = svc.now();
        const skip = (why: 'human-labelled' | 'already-predicted'): void =>
          ctx.item({ index, key: rel, status: 'skipped', tag: why, ms: 0, data: item(id, rel, { skipped: why }) });
        if (human.has(id.imageKey) && !spec.force) {
          skip('human-labelled');
          continue;
        }
        const previous = done.get(id.imageKey);
        if (previous === 'failed') {
          // Kept failed (retryFailed: false): reported again with the reason it had.
          const why = failures.get(id.imageKey);
          const error = appError(
            why?.code ?? 'IMAGE_DECODE_FAILED',
            `failed in an earlier run; not retried (--no-retry-failed)${why ? `: ${why.message}` : ''}`,
          );
          ctx.item({ index, key: rel, status: 'failed', error, ms: 0, data: item(id, rel, {}) });
          continue;
        }
        if (previous) {
          skip('already-predicted');
          continue;
        }
        try {
          const malformed = malformedOutputs.get(id.watchId);
          if (malformed) {
            throw new AppFailure(
              'IO_ERROR',
              `the output file ${id.watchId}.json is malformed (${malformed}); not overwriting it`,
            );
          }
          const p = await predictImage(
            {
              path: join(imagesDir, rel),
              imageKey: id.imageKey,
              fullImageName: basename(rel),
              watchId: id.watchId,
              templateModel: id.templateModel,
            },
            {
              cv,
              detector: { handle, model, keypoints: keypointMap },
              matcher,
              templates,
              candidates,
              config: pipelineSettings(config),
              resolutions: DEFAULT_RESOLUTIONS,
              now: () => new Date(),
            },
          );
          pending.set(id.watchId, { ...(pending.get(id.watchId) ?? {}), [id.imageKey]: p.record });
          done.set(id.imageKey, p.result.tier);
          failures.delete(id.imageKey);
          // On disk before it is reported: a job resumed from its journal skips reported images,
          // so a report must never run ahead of the file (with checkpointFreq 1, nothing is lost).
          if (++sinceCheckpoint >= checkpointFreq) await checkpoint();
          const ms = svc.now() - started;
          await log(
            `${rel}: ${p.result.tier} (${p.result.method}) confidence ${p.record.confidence} in ${Math.round(ms)} ms`,
          );
          ctx.item({
            index,
            key: rel,
            status: 'ok',
            tag: p.result.tier,
            ms,
            data: item(id, rel, {
              tier: p.result.tier,
              method: p.result.method,
              confidence: p.record.confidence ?? null,
              record: p.record,
            }),
          });
        } catch (e) {
          // A full disk fails every later write too: the batch stops (what is written is kept).
          const full = diskFullFailure(e);
          if (full) throw full;
          const error = toAppError(e, 'IMAGE_DECODE_FAILED');
          // A failure of the output file is not the image's fault: it is retried on the next run.
          if (error.code !== 'IO_ERROR') {
            done.set(id.imageKey, 'failed');
            failures.set(id.imageKey, { code: error.code, message: error.message });
          }
          await log(`${rel}: FAILED ${error.code}: ${error.message}`);
          ctx.item({ index, key: rel, status: 'failed', error, ms: svc.now() - started, data: item(id, rel, {}) });
          if (++sinceCheckpoint >= checkpointFreq) await checkpoint();
        }
      }
    } finally {
      // Paused, cancelled or stopped: what was predicted is kept.
      try {
        await checkpoint();
      } finally {
        await templates.clear();
      }
    }

    const tiers = { full: 0, 'pipeline-fallback': 0, 'geometric-fallback': 0 };
    let failed = 0;
    let skippedHuman = 0;
    let skippedDone = 0;
    for (const { rel, id } of images) {
      const it = ctx.previous(rel);
      if (it?.status === 'failed') failed++;
      else if (it?.data?.skipped === 'human-labelled') skippedHuman++;
      else if (it?.data?.skipped === 'already-predicted') {
        skippedDone++;
        const t = done.get(id.imageKey);
        if (t && t !== 'failed') tiers[t]++;
      } else if (it?.data?.tier) tiers[it.data.tier]++;
    }
    const result: PredictKeypointsResult = {
      outputDir,
      images: images.length,
      predicted: tiers.full + tiers['pipeline-fallback'] + tiers['geometric-fallback'],
      tiers,
      failed,
      skippedHuman,
      skippedDone,
      files: (await out.watchIds()).length,
      detector: model.id,
      templates: candidates.length,
    };
    await log(`done: ${JSON.stringify(result)}`);
    return result;
  };
}

/** A model by catalog id or .onnx path (the detector, or a learned matcher). */
async function resolveModel(svc: EngineServices, ref: string, role: 'detector' | 'matcher'): Promise<ModelInfo> {
  if (ref.toLowerCase().endsWith('.onnx')) {
    const model = await svc.catalog.describe(resolve(ref), 'user');
    if (model.error) throw new AppFailure('MODEL_LOAD_FAILED', `${ref}: ${model.error.message}`);
    return model;
  }
  try {
    return await svc.catalog.get(svc.modelDirs(), ref);
  } catch (e) {
    throw new AppFailure(
      'MODEL_LOAD_FAILED',
      `no ${role} "${ref}": ${toAppError(e).message}. Use a model id from \`loupe models\` or a path to an .onnx file.`,
    );
  }
}

async function readProgress(outputDir: string): Promise<ProgressFile | null> {
  try {
    const p = JSON.parse(await readFile(join(outputDir, PROGRESS_FILE), 'utf8')) as ProgressFile;
    return p.version === 1 && typeof p.done === 'object' ? p : null;
  } catch {
    return null;
  }
}
