import type { ModelRunSummary, RestoreFramesResult } from '../../../shared/jobs';
import type { ShardSpec } from '../../../shared/shard';
import { isResumeManifestFile, ResumeManifest, stateOfFile } from '../../../core/jobs/resume-manifest';
import type { InferBatchInfo, InferModelPart } from '../../../core/shard/manifest';
import { partitionRanges, type FrameRange } from '../../../core/shard/partition';
import { toAppError, unwrap } from '../../../core/result';
import type { ModelCandidate } from '../../restore/sources';
import type { EngineServices } from '../../services';
import { mergeShardFolder, ShardManifestFile } from '../../fs/shards';
import type { RestoreBatch, RestoreContext } from './batch';
import { loadModel } from './load-model';
import type { FrameDone, RestoreManifest } from './progress';
import { modelReport, summarizeModel } from './report';
import { runModel, type ProgressStore } from './run-model';
import { BatchSummary } from './summary';
import { finishMerge } from '../../fs/merge-finish';

/*
 * One shard of a restoration batch (spec.shard): every shard resolves the same models and
 * frames, keeps its (model, frame range) units of partitionRanges, and writes only those PNGs.
 * What a single run writes once (the models' progress files, metadata.json, metrics.json,
 * batch_summary.json) goes into the shard's manifest; the merge writes them for the whole batch.
 */

const partKey = (p: { folder: string; start: number; end: number }): string => `${p.folder}:${p.start}-${p.end}`;

function batchInfo(batch: RestoreBatch): InferBatchInfo {
  return {
    input_dir: batch.inputDir,
    gt_dir: batch.gtDir,
    output_dir: batch.outputDir,
    frames: batch.frames.length,
    input_problems: batch.inputProblems,
    ...(batch.metricModels.length ? { metric_models: batch.metricModels.map((m) => m.summary) } : {}),
    models: batch.candidates.length,
  };
}

/** This shard's share of the batch: run it, record it in its manifest, and merge when it is the last. */
export async function restoreShard(
  svc: EngineServices,
  ctx: RestoreContext,
  batch: RestoreBatch,
  shard: ShardSpec,
): Promise<RestoreFramesResult> {
  const plan = unwrap(
    partitionRanges(
      batch.candidates.map((c) => c.folderName),
      batch.frames.length,
      shard.count,
    ),
  );
  const mine = plan.shards[shard.index]?.ranges ?? [];
  const fresh = { kind: 'infer' as const, infer: { batch: null, parts: [] } };
  const file = await ShardManifestFile.open(
    batch.outputDir,
    shard,
    fresh,
    () => svc.now(),
    batch.spec.resume !== false,
  );
  const prior = new Map(file.infer.parts.map((p) => [partKey(p), p]));
  file.infer.batch = batchInfo(batch);
  file.infer.parts = [];
  const total = mine.reduce((a, r) => a + r.end - r.start, 0);
  ctx.setTotal(total);
  ctx.log('info', `shard ${shard.index}/${shard.count} (0-based): ${describeRanges(mine)}`);
  const summary = new BatchSummary(batch, () => svc.now());
  try {
    for (const range of mine)
      await runPart(svc, ctx, batch, file, summary, range, prior.get(partKey({ folder: range.model, ...range })));
    countParts(file, total);
    await file.finish('done');
  } catch (e) {
    countParts(file, total);
    await file.finish('failed', toAppError(e)).catch(() => undefined);
    throw e;
  }
  return (await mergeIfLast(svc, ctx, batch, shard)) ?? summary.result();
}

function describeRanges(ranges: readonly FrameRange[]): string {
  if (ranges.length === 0) return 'no work (more shards than model × frame pairs)';
  return ranges.map((r) => `${r.model} frames ${r.start}–${r.end - 1}`).join(', ');
}

/** Done and failed units from the parts' progress (a model that cannot run counts its frames done). */
function countParts(file: ShardManifestFile, total: number): void {
  let done = 0;
  let failed = 0;
  for (const p of file.infer.parts) {
    if (!p.loaded) done += p.end - p.start;
    done += Object.keys(p.progress?.done ?? {}).length;
    failed += Object.keys(p.progress?.failed ?? {}).length;
  }
  file.counts(total, done, failed);
}

const isFrameDone = (v: unknown): v is FrameDone => typeof v === 'object' && v !== null;
const isString = (v: unknown): v is string => typeof v === 'string';

/** The model's resume manifest in the shard manifest's part (written with the whole manifest). */
function partProgress(file: ShardManifestFile, part: InferModelPart, total: number): ProgressStore {
  return {
    read: (_dir, configKey, resume) => {
      const p = part.progress;
      const state = p && isResumeManifestFile(p, isFrameDone, isString) ? stateOfFile(p) : null;
      return Promise.resolve(ResumeManifest.resume(state, configKey, { resume }) as RestoreManifest);
    },
    write: async (_dir, manifest) => {
      part.progress = manifest.toFile();
      countParts(file, total);
      await file.write();
    },
  };
}

async function runPart(
  svc: EngineServices,
  ctx: RestoreContext,
  batch: RestoreBatch,
  file: ShardManifestFile,
  summary: BatchSummary,
  range: FrameRange,
  prior: InferModelPart | undefined,
): Promise<void> {
  const position = batch.candidates.findIndex((c) => c.folderName === range.model);
  const c = batch.candidates[position] as ModelCandidate;
  const entry = summary.add(c);
  const part: InferModelPart = {
    position,
    folder: c.folderName,
    start: range.start,
    end: range.end,
    entry,
    loaded: false,
    progress: prior?.progress ?? null,
    metadata: null,
    metrics: null,
    failures: [],
    nonFiniteFrames: 0,
    wallMs: 0,
  };
  file.infer.parts.push(part);
  const load = await loadModel(svc, ctx, batch, c, entry);
  if (load.kind !== 'loaded') {
    if (load.kind === 'failed') await skipRange(ctx, batch, c, entry, range, load.status, load.error);
    return;
  }
  part.loaded = true;
  const total = file.manifest.total;
  const run = await runModel(svc, ctx, batch, c, entry, load, {
    start: range.start,
    end: range.end,
    progress: partProgress(file, part, total),
  });
  summarizeModel(entry, run, batch.frames.length);
  const report = modelReport(svc, batch, c, load, entry, run);
  Object.assign(part, {
    metadata: report.metadata,
    metrics: report.metrics,
    failures: run.frames.failures,
    nonFiniteFrames: run.frames.nonFiniteFrames,
    wallMs: svc.now() - run.frames.startedAt,
  });
  await file.write();
}

/** A model that cannot run: its frames of this shard are skipped items, with the model's status. */
async function skipRange(
  ctx: RestoreContext,
  batch: RestoreBatch,
  c: ModelCandidate,
  entry: ModelRunSummary,
  range: FrameRange,
  status: ModelRunSummary['status'],
  error: string,
): Promise<void> {
  entry.status = status;
  entry.error = error;
  ctx.log('warn', `${c.name}: ${status}: ${error}`);
  for (let index = range.start; index < range.end; index++) {
    await ctx.checkpoint();
    const key = `${c.folderName}/${batch.outputNames[index] as string}`;
    if (ctx.previous(key)) continue;
    const frame = batch.frames[index] as string;
    const data = { model: c.name, frame, output: null, tiled: false, runMs: null, modelStatus: status };
    ctx.item({ index, key, status: 'skipped', tag: c.name, ms: 0, data });
  }
}

/** After this shard is done: merge when every shard is (unless --no-merge); else say what is left. */
async function mergeIfLast(
  svc: EngineServices,
  ctx: RestoreContext,
  batch: RestoreBatch,
  shard: ShardSpec,
): Promise<RestoreFramesResult | null> {
  if (shard.merge === false) {
    ctx.log(
      'info',
      `shard ${shard.index}/${shard.count} done; not merging (--no-merge): run loupe merge --output-dir ${batch.outputDir}`,
    );
    return null;
  }
  const merged = await mergeShardFolder(batch.outputDir, finishMerge);
  if (!merged.ok) {
    ctx.log('info', `shard ${shard.index}/${shard.count} done; not merged yet: ${merged.error.message}`);
    return null;
  }
  ctx.log(
    'info',
    `shard ${shard.index}/${shard.count} done; all ${shard.count} shards are: merged into ${batch.outputDir}`,
  );
  return merged.value.result as RestoreFramesResult;
}
