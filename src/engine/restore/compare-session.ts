import { readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import type {
  CompareBaseline,
  CompareFrame,
  CompareMetricModel,
  CompareModel,
  CompareSession,
  UngrantedFolder,
} from '../../shared/compare';
import {
  METRIC_DIRECTIONS,
  MODEL_RUN_STATUSES,
  type MetricDirection,
  type ModelRunStatus,
  type ModelRunSummary,
} from '../../shared/jobs';
import { pairGroundTruth } from '../../core/restore/ground-truth';
import { INPUT_METRICS_FILE, uniqueNames } from '../../core/restore/naming';
import { AppFailure } from '../../core/result';
import { listImages } from '../images/list-images';

interface BatchSummaryFile {
  created_at?: string;
  input_dir?: string | null;
  gt_dir?: string | null;
  output_dir?: string;
  models?: Partial<ModelRunSummary>[];
  metric_models?: { name?: unknown; better?: unknown; definition?: unknown }[];
}

/** metrics.json's and input_metrics.json's `metric_models.<name>` (the part Compare reads). */
type MetricSections = Record<string, { frames?: { input: string; score: number }[] } | undefined>;

interface MetadataFile {
  run_id?: string | null;
  run_name?: string;
  architecture?: string | null;
  params?: Record<string, unknown>;
  provider?: { active?: string } | null;
  source?: string;
  status?: ModelRunStatus;
  error?: string | null;
  input_dir?: string;
  frames?: { index: number; input: string; output: string; tiled?: boolean }[];
}

interface MetricsFile {
  definition?: string;
  frames?: { frame: string; input: string; psnr: number; ssim: number }[];
  mean?: { psnr: number | null; ssim: number | null; tpsnr?: number | null };
  temporal?: { definition?: string; frames?: { input: string; tpsnr: number | null }[] };
  metric_models?: MetricSections;
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

async function isDir(path: string | null | undefined): Promise<boolean> {
  return !!path && !!(await stat(path).catch(() => null))?.isDirectory();
}

/**
 * Read an output folder of a restoration batch into a comparison. Folders recorded as absolute
 * paths are used when they exist, else looked up beside the output folder (a moved or copied
 * result still opens). Models that failed are listed with their status and reason.
 *
 * `readable` says whether a folder the summary names may be read (the host: inside a folder the
 * user opened). One that exists but may not is neither listed nor read; it is returned in
 * `ungranted` for the user to open, and the frames come from what the models recorded.
 */
export async function readCompareSession(
  outputDir: string,
  readable: (dir: string) => Promise<boolean>,
): Promise<CompareSession> {
  const summary = await readJson<BatchSummaryFile>(join(outputDir, 'batch_summary.json'));
  if (!summary || !Array.isArray(summary.models)) {
    throw new AppFailure(
      'NOT_FOUND',
      `${outputDir} has no batch_summary.json: open a folder written by \`loupe infer\` or a Compare run`,
      { path: outputDir },
    );
  }
  const ungranted: UngrantedFolder[] = [];
  /** A folder the summary names: usable (exists, may be read), ungranted (exists only), or absent. */
  const named = async (path: unknown): Promise<'usable' | 'ungranted' | 'absent'> => {
    if (typeof path !== 'string' || !isAbsolute(path) || !(await isDir(path))) return 'absent';
    return (await readable(path)) ? 'usable' : 'ungranted';
  };
  const folderOf = async (path: unknown, role: 'frames' | 'ground-truth'): Promise<string | null> => {
    const state = await named(path);
    if (state === 'ungranted') ungranted.push({ role, path: path as string });
    return state === 'usable' ? (path as string) : null;
  };
  const inputDir = await folderOf(summary.input_dir, 'frames');
  const gtDir = await folderOf(summary.gt_dir, 'ground-truth');

  const models: CompareModel[] = [];
  const metas: (MetadataFile | null)[] = [];
  const metrics: (MetricsFile | null)[] = [];
  for (const entry of summary.models) {
    const recorded = typeof entry.output_dir === 'string' ? entry.output_dir : null;
    const local = recorded ? join(outputDir, basename(recorded)) : null;
    const recordedState = await named(recorded);
    const folder =
      recordedState === 'usable' ? (recorded as string) : (await named(local)) === 'usable' ? (local as string) : null;
    // Its name in the batch (= its folder's name); summaries from before `name` was written: the
    // folder's name (already unique, `unet_2`), else the run name.
    const name =
      typeof entry.name === 'string' && entry.name
        ? entry.name
        : recorded
          ? basename(recorded)
          : (entry.run_name ?? basename(folder ?? 'model'));
    if (!folder && recordedState === 'ungranted')
      ungranted.push({ role: 'model', path: recorded as string, model: name });
    metas.push(folder ? await readJson<MetadataFile>(join(folder, 'metadata.json')) : null);
    metrics.push(folder ? await readJson<MetricsFile>(join(folder, 'metrics.json')) : null);
    models.push({
      name,
      folder: folder ?? recorded ?? '',
      status: MODEL_RUN_STATUSES.includes(entry.status as ModelRunStatus)
        ? (entry.status as ModelRunStatus)
        : 'skipped',
      error: entry.error ?? null,
      architecture: entry.architecture ?? null,
      runId: entry.run_id ?? null,
      provider: entry.provider ?? null,
      source: entry.source ?? null,
      params: {},
      outputs: [],
      psnr: [],
      ssim: [],
      tpsnr: [],
      scores: {},
      mean: { psnr: entry.psnr_mean ?? null, ssim: entry.ssim_mean ?? null },
      framesTiled: entry.frames_tiled ?? 0,
      exported: entry.export ? { cached: entry.export.cached, parity: entry.export.parity } : null,
    });
  }

  // Names are the models' identities in Compare (panes, chart, pickers): unique, whatever the file says.
  for (const [i, n] of uniqueNames(models.map((m) => m.name)).entries()) (models[i] as CompareModel).name = n;

  // The frames: the input folder's images in the runner's order, else what the models recorded.
  let names: string[];
  if (inputDir) {
    names = (await listImages(inputDir, false)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  } else {
    const byIndex = new Map<number, string>();
    for (const m of metas) for (const f of m?.frames ?? []) if (!byIndex.has(f.index)) byIndex.set(f.index, f.input);
    names = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => n);
  }
  const gtFor = gtDir ? pairGroundTruth(names, await listImages(gtDir, false)) : new Map<string, string>();
  const frames: CompareFrame[] = names.map((name, index) => {
    const gt = gtFor.get(name);
    return { index, name, input: inputDir ? join(inputDir, name) : null, gt: gtDir && gt ? join(gtDir, gt) : null };
  });
  const indexOf = new Map(names.map((n, i) => [n, i]));
  const metricModels = readMetricModels(summary.metric_models);

  for (const [i, m] of models.entries()) {
    // A model whose folder may not be read keeps its outputs out (metas[i] is null for it).
    const meta = metas[i];
    const q = metrics[i];
    m.outputs = frames.map(() => null);
    m.psnr = frames.map(() => null);
    m.ssim = frames.map(() => null);
    m.tpsnr = frames.map(() => null);
    if (meta) {
      m.params = Object.fromEntries(Object.entries(meta.params ?? {}).map(([k, v]) => [k, String(v)]));
      m.provider ??= meta.provider?.active ?? null;
      for (const f of meta.frames ?? []) {
        const at = indexOf.get(f.input) ?? f.index;
        if (
          at >= 0 &&
          at < frames.length &&
          typeof f.output === 'string' &&
          !isAbsolute(f.output) &&
          !f.output.includes('..')
        )
          m.outputs[at] = join(m.folder, f.output);
      }
    }
    for (const f of q?.frames ?? []) {
      const at = indexOf.get(f.input);
      if (at === undefined) continue;
      m.psnr[at] = f.psnr;
      m.ssim[at] = f.ssim;
    }
    for (const f of q?.temporal?.frames ?? []) {
      const at = indexOf.get(f.input);
      // A tPSNR written as null was infinite (the change matched the ground truth's exactly).
      if (at !== undefined) m.tpsnr[at] = f.tpsnr ?? Infinity;
    }
    m.scores = scoresByIndex(metricModels, q?.metric_models, indexOf, frames.length);
    if (q?.mean) m.mean = { psnr: q.mean.psnr ?? null, ssim: q.mean.ssim ?? null, tpsnr: q.mean.tpsnr ?? null };
  }

  return {
    outputDir,
    inputDir,
    gtDir,
    ungranted,
    createdAt: summary.created_at ?? null,
    frames,
    models,
    ssimDefinition: metrics.find((q) => q?.definition)?.definition ?? null,
    temporalDefinition: metrics.find((q) => q?.temporal?.definition)?.temporal?.definition ?? null,
    baseline: await readBaseline(outputDir, indexOf, frames.length, metricModels),
    metricModels,
  };
}

/** batch_summary.json `metric_models`: those with a usable name and direction. */
function readMetricModels(list: BatchSummaryFile['metric_models']): CompareMetricModel[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((m) =>
    typeof m?.name === 'string' && m.name && METRIC_DIRECTIONS.includes(m.better as MetricDirection)
      ? [
          {
            name: m.name,
            better: m.better as MetricDirection,
            definition: typeof m.definition === 'string' ? m.definition : '',
          },
        ]
      : [],
  );
}

/** Each metric model's scores per frame index (null where a frame has none). */
function scoresByIndex(
  metricModels: readonly CompareMetricModel[],
  sections: MetricSections | undefined,
  indexOf: ReadonlyMap<string, number>,
  count: number,
): Record<string, (number | null)[]> {
  const out: Record<string, (number | null)[]> = {};
  for (const { name } of metricModels) {
    const values: (number | null)[] = Array.from({ length: count }, () => null);
    const frames = sections?.[name]?.frames;
    for (const f of Array.isArray(frames) ? frames : []) {
      const at = indexOf.get(f.input);
      if (at !== undefined && typeof f.score === 'number') values[at] = f.score;
    }
    out[name] = values;
  }
  return out;
}

/** input_metrics.json by frame index (null when the batch has none). */
async function readBaseline(
  outputDir: string,
  indexOf: ReadonlyMap<string, number>,
  count: number,
  metricModels: readonly CompareMetricModel[],
): Promise<CompareBaseline | null> {
  const file = await readJson<{
    frames?: { input: string; psnr: number | null; ssim: number }[];
    mean?: { psnr: number | null; ssim: number | null };
    metric_models?: MetricSections;
  }>(join(outputDir, INPUT_METRICS_FILE));
  if (!file || !Array.isArray(file.frames)) return null;
  const psnr: (number | null)[] = Array.from({ length: count }, () => null);
  const ssim: (number | null)[] = Array.from({ length: count }, () => null);
  for (const f of file.frames) {
    const at = indexOf.get(f.input);
    if (at === undefined) continue;
    // A PSNR written as null was infinite (an input equal to its ground truth).
    psnr[at] = f.psnr ?? Infinity;
    ssim[at] = f.ssim;
  }
  return {
    psnr,
    ssim,
    scores: scoresByIndex(metricModels, file.metric_models, indexOf, count),
    mean: { psnr: file.mean?.psnr ?? null, ssim: file.mean?.ssim ?? null },
  };
}
