import type { ModelRunSummary, PredictKeypointsResult, RestoreFramesResult } from '../../shared/jobs';
import { metricSection, type MetricModelScores } from '../metrics/metric-scores';
import type { Result } from '../../shared/result';
import { err, ok } from '../result';
import type { InferModelPart, InferShardData, LogLine, PredictShardData, ShardKind, ShardManifest } from './manifest';
import { shardManifestName } from './manifest';
import { isoTimestamp } from '../format';
import { rankModels } from '../restore/ranking';

/*
 * The merge of a cluster run: from the N shard manifests, the files one process writes for the
 * whole batch, with the same keys in the same order and the same values (timestamps and timings
 * aside). Pure: the caller reads the manifests and writes the files (each atomically), so two
 * shards that merge at once write the same bytes.
 */

/** A manifest file found in `.loupe-shards/`: its name's index and count, and its content (null: unreadable). */
export interface FoundManifest {
  index: number;
  count: number;
  manifest: ShardManifest | null;
}

/** A file of the merged output: its path relative to the output folder, and its JSON or text. */
export type MergedFile = { path: string; json: unknown } | { path: string; text: string };

export interface Merged {
  kind: ShardKind;
  count: number;
  files: MergedFile[];
  result: PredictKeypointsResult | RestoreFramesResult;
}

export interface MergeInputs {
  /** predict: label files in the output folder (the summary's `files`), counted by the caller. */
  labelFiles: number;
}

/**
 * The merged files' timestamp: the last shard's last write, not the merge's clock, so that two
 * shards that merge at once (or a merge run again) write the same bytes.
 */
export function mergeTime(manifests: readonly ShardManifest[]): number {
  return Math.max(...manifests.map((m) => Date.parse(m.updatedAt)).filter((t) => Number.isFinite(t)), 0);
}

/**
 * Check that every shard 0 … N − 1 of one run has a manifest and is done; the manifests in
 * index order, or an error naming the missing, unreadable and unfinished ones.
 */
export function completeShards(found: readonly FoundManifest[], dir: string): Result<ShardManifest[]> {
  if (found.length === 0) return err('NOT_FOUND', `no shard manifests in ${dir}`, { dir });
  const counts = [...new Set(found.map((f) => f.count))].sort((a, b) => a - b);
  if (counts.length > 1) {
    return err(
      'JOB_STATE',
      `${dir} holds manifests of runs with different shard counts (${counts.join(', ')}); remove the stale ones`,
      { counts },
    );
  }
  const count = counts[0] as number;
  const byIndex = new Map(found.map((f) => [f.index, f]));
  const missing: number[] = [];
  const unfinished: string[] = [];
  for (let i = 0; i < count; i++) {
    const f = byIndex.get(i);
    if (!f) missing.push(i);
    else if (!f.manifest) unfinished.push(`${shardManifestName(i, count)} (unreadable)`);
    else if (f.manifest.state !== 'done') {
      const m = f.manifest;
      const why =
        m.state === 'failed' ? `failed: ${m.error?.message ?? 'no reason'}` : `${m.state}, ${m.done}/${m.total}`;
      unfinished.push(`shard ${i} (${why}; ${m.host} pid ${m.pid}, updated ${m.updatedAt})`);
    }
  }
  if (missing.length > 0 || unfinished.length > 0) {
    const parts = [
      ...(missing.length
        ? [`missing shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of 0…${count - 1}`]
        : []),
      ...(unfinished.length ? [`not done: ${unfinished.join('; ')}`] : []),
    ];
    return err('JOB_STATE', `cannot merge ${count} shards in ${dir}: ${parts.join('; ')}`, { missing, unfinished });
  }
  const manifests = [...byIndex.values()].sort((a, b) => a.index - b.index).map((f) => f.manifest as ShardManifest);
  const kinds = new Set(manifests.map((m) => m.kind));
  if (kinds.size > 1) return err('JOB_STATE', `${dir} holds manifests of both predict and infer shards`);
  return ok(manifests);
}

/** The merged files of complete shards (see {@link completeShards}). */
export function mergeShards(manifests: readonly ShardManifest[], given: MergeInputs): Result<Merged> {
  const first = manifests[0];
  if (!first) return err('NOT_FOUND', 'no shards to merge');
  const inputs = { ...given, now: mergeTime(manifests) };
  if (first.kind === 'predict') {
    const data = manifests.map((m) => (m.kind === 'predict' ? m.predict : null));
    return mergePredict(data as PredictShardData[], inputs, manifests.length);
  }
  const data = manifests.map((m) => (m.kind === 'infer' ? m.infer : null));
  return mergeInfer(data as InferShardData[], inputs, manifests.length);
}

const iso = (ms: number): string => isoTimestamp(ms);
const line = (l: LogLine): string => `${l.at} ${l.text}\n`;

function mergePredict(
  shards: PredictShardData[],
  inputs: MergeInputs & { now: number },
  count: number,
): Result<Merged> {
  const first = shards[0] as PredictShardData;
  const other = shards.find(
    (s) => s.progress.configKey !== first.progress.configKey || s.progress.imagesDir !== first.progress.imagesDir,
  );
  if (other) {
    return err(
      'JOB_STATE',
      `the shards ran different batches (images ${first.progress.imagesDir} and ${other.progress.imagesDir}, or another detector or config): run them again with the same options`,
    );
  }
  const results = shards.map((s) => s.result);
  if (results.some((r) => r === null)) return err('JOB_STATE', 'a done predict shard has no result');
  const rs = results as PredictKeypointsResult[];
  const sum = (f: (r: PredictKeypointsResult) => number): number => rs.reduce((a, r) => a + f(r), 0);
  const r0 = rs[0] as PredictKeypointsResult;
  const tiers = {
    full: sum((r) => r.tiers.full),
    'pipeline-fallback': sum((r) => r.tiers['pipeline-fallback']),
    'geometric-fallback': sum((r) => r.tiers['geometric-fallback']),
  };
  const result: PredictKeypointsResult = {
    outputDir: r0.outputDir,
    images: sum((r) => r.images),
    predicted: tiers.full + tiers['pipeline-fallback'] + tiers['geometric-fallback'],
    tiers,
    failed: sum((r) => r.failed),
    skippedHuman: sum((r) => r.skippedHuman),
    skippedDone: sum((r) => r.skippedDone),
    files: inputs.labelFiles,
    detector: r0.detector,
    templates: r0.templates,
    repredicted: {
      total: sum((r) => r.repredicted?.total ?? 0),
      'own-watch-template': sum((r) => r.repredicted?.['own-watch-template'] ?? 0),
      'model-template': sum((r) => r.repredicted?.['model-template'] ?? 0),
    },
  };
  const images = shards
    .flatMap((s) => Object.entries(s.log.images))
    .sort(([ka, a], [kb, b]) => a.index - b.index || (ka < kb ? -1 : ka > kb ? 1 : 0));
  const position = new Map(images.map(([key, l]) => [key, l.index]));
  const already = shards.reduce((a, s) => a + s.log.already, 0);
  const log = [
    ...first.log.header.map(line),
    line({ at: first.log.start.at, text: `${first.log.start.text}${already} already done` }),
    ...first.log.after.map(line),
    ...images.map(([, l]) => line(l)),
    line({ at: iso(inputs.now), text: `done: ${JSON.stringify(result)}` }),
  ].join('');
  // The progress file as one process leaves it: predicted images (walk order), then failed ones.
  const byPosition = (entries: [string, string][]): [string, string][] =>
    entries.sort(([a], [b]) => (position.get(a) ?? Infinity) - (position.get(b) ?? Infinity) || (a < b ? -1 : 1));
  const all = shards.flatMap((s) => Object.entries(s.progress.done));
  const done = byPosition(all.filter(([, t]) => t !== 'failed'));
  const failed = byPosition(all.filter(([, t]) => t === 'failed'));
  const failures = Object.fromEntries(
    byPosition(shards.flatMap((s) => Object.entries(s.progress.failures)) as [string, string][]),
  );
  const progress = {
    version: 1,
    imagesDir: first.progress.imagesDir,
    labelsDir: first.progress.labelsDir,
    configKey: first.progress.configKey,
    updatedAt: iso(inputs.now),
    done: Object.fromEntries([...done, ...failed]),
    failures,
  };
  return ok({
    kind: 'predict',
    count,
    files: [
      { path: 'predict.log', text: log },
      { path: '.loupe-predict.json', json: progress },
    ],
    result,
  });
}

const round = (v: number, digits: number): number => {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
};

interface MetricRow {
  frame: string;
  input: string;
  psnr: number | null;
  ssim: number;
}

type Rec = Record<string, unknown>;
const rows = (v: unknown): Rec[] => (Array.isArray(v) ? (v as Rec[]) : []);

/** One model's parts (in shard order, so frame order) as the single run's entry and report. */
function mergeModel(
  parts: InferModelPart[],
  frames: number,
  now: number,
): { entry: ModelRunSummary; files: MergedFile[] } {
  const failedLoad = parts.find((p) => !p.loaded);
  if (failedLoad) return { entry: { ...failedLoad.entry }, files: [] };
  const first = parts[0] as InferModelPart;
  const entry: ModelRunSummary = { ...first.entry };
  const records = parts
    .flatMap((p) => rows(p.metadata?.frames))
    .sort((a, b) => (a.index as number) - (b.index as number));
  const metricRows = parts
    .flatMap((p) => rows(p.metrics?.frames) as unknown as MetricRow[])
    .sort((a, b) => a.frame.localeCompare(b.frame));
  const skipped = parts
    .flatMap((p) => rows(p.metrics?.skipped))
    .sort((a, b) => String(a.frame).localeCompare(String(b.frame)));
  const failures = parts.flatMap((p) => p.failures);
  const nonFinite = parts.reduce((a, p) => a + p.nonFiniteFrames, 0);
  entry.frames = records.length;
  entry.frames_tiled = parts.reduce((a, p) => a + p.entry.frames_tiled, 0);
  entry.status = 'success';
  entry.error = null;
  if (failures.length > 0) {
    entry.status = 'inference_failed';
    const nf = nonFinite > 0 ? ` (${nonFinite} with NaN/Inf outputs)` : '';
    entry.error = `${failures.length} of ${frames} frames failed${nf}; first: ${failures[0]}`;
  }
  if (metricRows.length > 0) {
    // JSON has no Infinity: a PSNR stored as null was infinite (an output equal to its ground truth).
    const psnr = metricRows.reduce((a, m) => a + (m.psnr ?? Infinity), 0);
    entry.psnr_mean = round(psnr / metricRows.length, 4);
    entry.ssim_mean = round(metricRows.reduce((a, m) => a + m.ssim, 0) / metricRows.length, 6);
  }
  // The metric models' scores: every part's frames, the means over all of them.
  const scored = mergeMetricModels(parts);
  if (scored && entry.metric_means) entry.metric_means = metricMeans(scored);
  const dir = first.folder;
  const files: MergedFile[] = [];
  if (first.metadata) files.push({ path: `${dir}/metadata.json`, json: mergeMetadata(parts, entry, records, now) });
  if (first.metrics) {
    // tpsnr stays in its place (null here; the merge's last step measures it, engine/fs/merge-finish).
    const mean = { psnr: entry.psnr_mean, ssim: entry.ssim_mean, tpsnr: null, ...(scored ? metricMeans(scored) : {}) };
    files.push({
      path: `${dir}/metrics.json`,
      json: { ...first.metrics, frames: metricRows, skipped, mean, ...(scored ? { metric_models: scored } : {}) },
    });
  }
  const progress = mergeProgress(parts);
  if (progress) files.push({ path: `${dir}/.loupe-infer.json`, json: progress });
  return { entry, files };
}

/** metrics.json `metric_models` of the whole model from its parts' (null when the batch has none). */
function mergeMetricModels(parts: InferModelPart[]): Record<string, MetricModelScores> | null {
  const sections = parts.map((p) => p.metrics?.metric_models as Record<string, MetricModelScores> | undefined);
  const first = sections.find(Boolean);
  if (!first) return null;
  return Object.fromEntries(
    Object.entries(first).map(([name, s]) => {
      const { mean: _mean, frames: _frames, skipped: _skipped, ...summary } = s;
      const all = sections.map((x) => x?.[name]);
      return [
        name,
        metricSection(
          summary,
          all.flatMap((x) => x?.frames ?? []),
          all.flatMap((x) => x?.skipped ?? []),
        ),
      ];
    }),
  );
}

const metricMeans = (sections: Record<string, MetricModelScores>): Record<string, number | null> =>
  Object.fromEntries(Object.entries(sections).map(([name, s]) => [name, s.mean]));

function mergeMetadata(parts: InferModelPart[], entry: ModelRunSummary, records: Rec[], now: number): Rec {
  const base = (parts[0] as InferModelPart).metadata as Rec;
  const tiling = base.tiling as Rec;
  const png = base.png as Rec;
  const timings = base.timings as Rec;
  const depth = parts.map((p) => (p.metadata?.png as Rec | undefined)?.bit_depth).find((d) => d !== null) ?? null;
  // Spread over the first part's object: the same keys in the same order, with the whole model's values.
  return {
    ...base,
    status: entry.status,
    error: entry.error,
    tiling: { ...tiling, frames_tiled: entry.frames_tiled },
    png: { ...png, bit_depth: depth },
    timings: {
      ...timings,
      session_run_ms_total: round(
        records.reduce((a, f) => a + (f.run_ms as number), 0),
        1,
      ),
      wall_ms: parts.reduce((a, p) => a + p.wallMs, 0),
      frames: records.length,
    },
    frames: records,
    created_at: iso(now),
  };
}

/** The model's `.loupe-infer.json` as one process leaves it: every shard's frames, in frame order. */
function mergeProgress(parts: InferModelPart[]): Rec | null {
  const withProgress = parts.filter((p) => p.progress);
  const first = withProgress[0]?.progress;
  if (!first) return null;
  return {
    version: 1,
    configKey: first.configKey,
    done: Object.fromEntries(withProgress.flatMap((p) => Object.entries(p.progress?.done ?? {}))),
    failed: Object.fromEntries(withProgress.flatMap((p) => Object.entries(p.progress?.failed ?? {}))),
  };
}

function mergeInfer(shards: InferShardData[], inputs: MergeInputs & { now: number }, count: number): Result<Merged> {
  const batch = shards.find((s) => s.batch)?.batch;
  if (!batch) return err('JOB_STATE', 'no infer shard recorded its batch');
  const differ = shards.find(
    (s) =>
      s.batch &&
      (s.batch.frames !== batch.frames || s.batch.models !== batch.models || s.batch.input_dir !== batch.input_dir),
  );
  if (differ) {
    return err(
      'JOB_STATE',
      `the shards saw different batches (${batch.frames} frames × ${batch.models} models, and ${differ.batch?.frames} × ${differ.batch?.models}): were the inputs changed during the run?`,
    );
  }
  const byModel = new Map<number, InferModelPart[]>();
  for (const s of shards) for (const p of s.parts) byModel.set(p.position, [...(byModel.get(p.position) ?? []), p]);
  const models: ModelRunSummary[] = [];
  const files: MergedFile[] = [];
  for (let position = 0; position < batch.models; position++) {
    const parts = byModel.get(position);
    if (!parts) return err('JOB_STATE', `no shard ran model ${position} of ${batch.models}`);
    const m = mergeModel(parts, batch.frames, inputs.now);
    models.push(m.entry);
    files.push(...m.files);
  }
  const ranking = rankModels(models);
  files.push({
    path: 'batch_summary.json',
    json: {
      created_at: iso(inputs.now),
      input_dir: batch.input_dir,
      gt_dir: batch.gt_dir,
      output_dir: batch.output_dir,
      frames: batch.frames,
      ...(batch.input_problems.length ? { input_problems: batch.input_problems } : {}),
      ...(batch.metric_models?.length ? { metric_models: batch.metric_models } : {}),
      models,
      ranking,
    },
  });
  return ok({
    kind: 'infer',
    count,
    files,
    result: {
      outputDir: batch.output_dir,
      frames: batch.frames,
      models,
      ranking,
      ...(batch.metric_models?.length ? { metric_models: batch.metric_models } : {}),
    },
  });
}
