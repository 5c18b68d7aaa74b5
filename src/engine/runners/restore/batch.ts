import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RestoreFramesSpec } from '../../../shared/jobs';
import { pairGroundTruth } from '../../../core/restore/ground-truth';
import { outputFrameNames } from '../../../core/restore/naming';
import { AppFailure, toAppError } from '../../../core/result';
import { listImages, walkImages } from '../../images/list-images';
import { readRgb, type RgbImage } from '../../images/pixels';
import type { JobContext } from '../../jobs/manager';
import { loadMetricModels, type MetricScorer } from '../../restore/metric-models';
import { resolveCandidates, type ModelCandidate, type OpenServer } from '../../restore/sources';
import type { EngineServices } from '../../services';

export type RestoreContext = JobContext<'restore-frames'>;

/**
 * A frame's ground truth, decoded; a ground truth that cannot be used says why (that frame's
 * metrics are skipped, its output is written all the same); null when the frame has none.
 */
export type GroundTruth = { image: RgbImage; name: string } | { problem: string } | null;

/** A restoration batch, resolved: its folders, its frames and its models. */
export interface RestoreBatch {
  spec: RestoreFramesSpec;
  inputDir: string;
  outputDir: string;
  gtDir: string | null;
  /**
   * The input frames (paths relative to inputDir), sorted naturally. The item-index rule: a
   * frame's position in this list is its index everywhere, in metadata.json's `frames[].index`
   * and every job item about it, of every model, whether it ran, was reused, kept failed or
   * skipped with its model. Items of different models share the frame's index; their keys
   * (`<model folder>/<output name>`) tell them apart.
   */
  frames: string[];
  /** The output file name of each frame, by index (`outputFrameNames` under spec.outputNames). */
  outputNames: string[];
  /** Entries of the input folder the walk could not follow (not frames of this batch). */
  inputProblems: { path: string; error: string }[];
  candidates: ModelCandidate[];
  /** The ground truth of a frame, decoded once for the whole batch (it is the same for every model). */
  groundTruth: (frame: string) => Promise<GroundTruth>;
  /** The metric models (spec.metricModels) scoring every output, and the input, against the ground truth. */
  metricModels: MetricScorer[];
}

/**
 * The batch's folders, frames and models, and the job's total (models × frames). Fails when a
 * folder is missing or there are no frames; an empty list of models is the caller's to report.
 */
export async function resolveBatch(
  svc: EngineServices,
  openServer: OpenServer,
  ctx: RestoreContext,
): Promise<RestoreBatch> {
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
  const metricRefs = spec.metricModels ?? [];
  if (metricRefs.length > 0 && !gtDir)
    throw new AppFailure(
      'INVALID_ARGUMENT',
      'metric models score each frame against its ground truth: give the ground-truth folder too',
    );
  // Before any model runs: a metric model that cannot be used fails the batch, saying why.
  const metricModels = await loadMetricModels(svc, metricRefs, spec.device ?? svc.config().device);
  const candidates = await resolveCandidates(spec.sources, {
    catalog: svc.catalog,
    dirs: svc.modelDirs(),
    openServer,
  });
  ctx.setTotal(candidates.length * frames.length);
  // Found by file name or, failing that, by stem (JPEG frames against PNG references).
  const gtNames = gtDir ? pairGroundTruth(frames, await listImages(gtDir, false)) : new Map<string, string>();
  const groundTruth = gtDir ? groundTruthReader(gtDir, gtNames) : () => Promise.resolve(null);
  const outputNames = outputFrameNames(frames, spec.outputNames);
  return {
    spec,
    inputDir,
    outputDir,
    gtDir,
    frames,
    outputNames,
    inputProblems,
    candidates,
    groundTruth,
    metricModels,
  };
}

/** Ground truth by input frame (`names`: frame → file in gtDir), each decoded at most once. */
function groundTruthReader(gtDir: string, names: ReadonlyMap<string, string>): RestoreBatch['groundTruth'] {
  const cache = new Map<string, Promise<GroundTruth>>();
  return (frame) => {
    const name = names.get(frame);
    if (!name) return Promise.resolve(null);
    let p = cache.get(frame);
    if (!p) {
      p = readRgb(join(gtDir, name)).then(
        (image) => ({ image, name }),
        (e: unknown) => ({ problem: `ground truth ${name} could not be read: ${toAppError(e).message}` }),
      );
      cache.set(frame, p);
    }
    return p;
  };
}
