import { mkdir } from 'node:fs/promises';
import type { PredictKeypointsResult } from '../../shared/jobs';
import { describeKeypointMap } from '../../core/keypoints/model-keypoints';
import type { LabelRecord } from '../../shared/labels';
import { pipelineSettings, predictConfigKey } from '../../core/keypoints/predict-config';
import { PREDICT_DEFAULTS } from '../../core/keypoints/predict-defaults';
import { compileNamingPattern } from '../../core/naming';
import { unwrap } from '../../core/result';
import type { JobRunner } from '../jobs/manager';
import { LabelDir } from '../labels/label-dir';
import { readRejections } from '../labels/rejections';
import { createOpenCvLoader } from '../match/opencv';
import type { EngineServices } from '../services';
import { readHumanLabels, templateCandidates } from './predict/human-labels';
import { predictLog } from './predict/log';
import { readPredictProgress, writePredictProgress, type PredictManifest } from './predict/progress';
import { PredictRun } from './predict/run-images';
import { PredictShard } from './predict/shard';
import { stalePredictions } from './predict/stale';
import {
  listPredictImages,
  openPredictors,
  resolveFolders,
  type OpenCvLoader,
  type PredictContext,
  type PredictFolders,
} from './predict/setup';
import { predictResult } from './predict/summary';
import { stopOnDiskFull } from './stop-on-disk-full';
import { sweepStrayTemps } from './stray-temps';

export { LOG_FILE } from './predict/log';
export { PROGRESS_FILE } from './predict/progress';

/**
 * Batch keypoint prediction: every image of a folder without a human label gets a record in
 * `{outputDir}/{WATCH_ID}.json`, written atomically every `checkpointFreq` images and merged
 * with what the file holds. A progress file lets a rerun after a kill redo only unfinished
 * images; a log file records every image. Human labels are read, never written.
 *
 * The parts, in predict/: setup.ts resolves the folders, the detector, the matcher and the
 * images; human-labels.ts reads the human labels and the templates among them; progress.ts is
 * the resume manifest's file; stale.ts finds the earlier predictions whose template set has
 * improved since (predicted again); run-images.ts predicts image by image and checkpoints; summary.ts
 * counts the result; log.ts is predict.log; shard.ts is one shard of a cluster run (spec.shard),
 * whose manifest holds its progress and log lines for the merge.
 */
export function predictKeypointsRunner(svc: EngineServices): JobRunner<'predict-keypoints'> {
  const loadCv = createOpenCvLoader();
  return stopOnDiskFull((ctx) => predictKeypoints(svc, loadCv, ctx));
}

async function predictKeypoints(
  svc: EngineServices,
  loadCv: OpenCvLoader,
  ctx: PredictContext,
): Promise<PredictKeypointsResult> {
  const { spec } = ctx;
  const checkpointFreq = Math.max(1, spec.checkpointFreq ?? PREDICT_DEFAULTS.checkpointFreq);
  const folders = await resolveFolders(spec);
  const pattern = unwrap(compileNamingPattern(spec.config.namingPattern));
  const predictors = await openPredictors(svc, ctx, loadCv);
  const list = await listPredictImages(spec, folders.imagesDir, pattern);
  await mkdir(folders.outputDir, { recursive: true });
  const shard = spec.shard ? await PredictShard.open(svc, ctx, spec.shard, folders.outputDir, list.images) : null;
  const images = shard?.images ?? list.images;
  // A shard owns its watch IDs' label files only; one process, the whole folder.
  const owned = shard ? new Set(images.map(({ id }) => `${id.watchId}.json`)) : null;
  await sweepStrayTemps(ctx, folders.outputDir, owned);
  const log = shard?.log ?? predictLog(folders.outputDir, () => svc.now());
  // What the folder walk could not follow (link loops, broken links) is said, not dropped.
  for (const p of list.problems) {
    ctx.log('warn', `${p.path}: ${p.reason}; not predicted`);
    await log(`${p.path}: NOT READ ${p.code}: ${p.reason}`);
  }
  const human = await readHumanLabels(folders.labelsDir, log);
  const candidates = await templateCandidates(human, list, log);
  const out = new LabelDir(folders.outputDir);
  const malformedOutputs = await malformedFiles(out);
  const configKey = predictConfigKey(spec.config, predictors.model.sha256);
  const { manifest, predicted } = await resume(folders, configKey, ctx, out, shard);
  // Rejections live beside the human labels (and, not migrated yet, in the output's legacy file).
  const rejected = new Set((await readRejections(folders.labelsDir, folders.outputDir)).rejected.keys());
  const maxTemplates = pipelineSettings(spec.config).maxTemplates;
  const stale = await stalePredictions({ images, manifest, predicted, human, rejected, candidates, maxTemplates }, log);
  const already = manifest.doneCount - stale.size + (spec.retryFailed === false ? manifest.failedCount : 0);
  await log(
    `start: ${list.images.length} images in ${folders.imagesDir}, ${human.size} human labels, ${candidates.length} templates, detector ${predictors.model.id} on ${predictors.handle.provider.active}, ${already} already done`,
    { start: { already } },
  );
  if (predictors.keypointMap) await log(`detector keypoints: ${describeKeypointMap(predictors.keypointMap)}`);
  ctx.setTotal(images.length);
  const where = { ...folders, configKey };
  const saveProgress = shard
    ? () => shard.save(manifest, where)
    : () => writePredictProgress(manifest, where, svc.now());
  const deps = {
    svc,
    ctx,
    folders,
    predictors,
    candidates,
    human,
    manifest,
    stale,
    predicted,
    rejected,
    configKey,
    out,
    malformedOutputs,
    log,
  };
  try {
    await new PredictRun({ ...deps, checkpointFreq, saveProgress }).all(images);
  } catch (e) {
    await shard?.failed(e);
    throw e;
  }
  const result = await predictResult(ctx, images, manifest, {
    outputDir: folders.outputDir,
    out,
    predictors,
    templates: candidates.length,
  });
  await log(`done: ${JSON.stringify(result)}`);
  return shard ? shard.finish(result) : result;
}

/** Output files that exist but cannot be parsed: left alone; their images fail with the reason. */
async function malformedFiles(out: LabelDir): Promise<Map<string, string>> {
  const malformed = new Map<string, string>();
  for (const file of await out.readAll()) {
    if (file.exists && !file.labels) malformed.set(file.watchId, file.problems[0]?.message ?? 'unreadable');
  }
  return malformed;
}

/**
 * Resume: what the progress file says is done and the output files still hold (with those
 * records), and what failed.
 */
async function resume(
  folders: PredictFolders,
  configKey: string,
  ctx: PredictContext,
  out: LabelDir,
  shard: PredictShard | null,
): Promise<{ manifest: PredictManifest; predicted: Map<string, { record: LabelRecord }> }> {
  const manifest = shard
    ? shard.progress(folders.imagesDir, configKey)
    : await readPredictProgress(folders.outputDir, folders.imagesDir, configKey, ctx.spec.resume);
  if (manifest.doneCount === 0) return { manifest, predicted: new Map() };
  const predicted = await out.records();
  manifest.retainDone((key) => predicted.has(key));
  return { manifest, predicted };
}
