import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Keypoints } from '../src/shared/labels';
import { modelKeypointMap } from '../src/core/keypoints/model-keypoints';
import { DEFAULT_PREDICT_CONFIG } from '../src/core/keypoints/predict-config';
import { unwrap } from '../src/core/result';
import { ModelCatalog } from '../src/engine/models/catalog';
import { SessionPool } from '../src/engine/ort/session-pool';
import { readHumanLabels, templateCandidates } from '../src/engine/runners/predict/human-labels';
import type { PredictorDeps, TemplateCandidate } from '../src/engine/keypoints/predictor';

const root = join(import.meta.dirname, '..');

/** The real watch photos the evaluation sets are warped from (MIT-licensed, never copied into the repo). */
export const PHOTOS = process.env.LOUPE_BENCH_PHOTOS ?? '/work/shared/data/watches';

/**
 * The real-texture evaluation set in `set` (images/, labels/, truth.json), made once by
 * bench/make_keypoint_evalset.py in Debian's Python from PHOTOS; `args` are the script's own
 * options (`--per-id N`, `--ids-only N`). Kept between runs: the same seed gives the same set.
 */
export function ensureEvalset(set: string, args: readonly string[] = []): void {
  if (existsSync(join(set, 'truth.json'))) return;
  const g = spawnSync('/usr/bin/python3', [join(root, 'bench', 'make_keypoint_evalset.py'), set, PHOTOS, ...args], {
    encoding: 'utf8',
  });
  if (g.status !== 0) throw new Error(g.stderr);
}

/** The exact keypoints of one evaluation photo (truth.json). */
export interface EvalTruth {
  image_size: [number, number];
  coords_norm: Keypoints;
}

/** The set's truth.json: image key → its exact keypoints. */
export async function evalsetTruth(set: string): Promise<Record<string, EvalTruth>> {
  return JSON.parse(await readFile(join(set, 'truth.json'), 'utf8')) as Record<string, EvalTruth>;
}

/**
 * The set's labelled templates (one per watch ID, from labels/), chosen as `loupe predict` chooses
 * them (readHumanLabels, then templateCandidates: the same refusals), so an in-process bench
 * matches against what the CLI would.
 */
export async function evalsetTemplates(set: string, pattern: RegExp): Promise<TemplateCandidate[]> {
  const quiet = async (): Promise<void> => undefined;
  const imagesDir = join(set, 'images');
  const byName = new Map((await readdir(imagesDir)).map((n) => [n, join(imagesDir, n)]));
  const human = await readHumanLabels(join(set, 'labels'), quiet);
  return templateCandidates(human, { byName, pattern, rootName: basename(imagesDir) }, quiet);
}

/**
 * The bundled keypoint detector (the default predict model) in a CPU session of its own, with its
 * keypoint map, as the predictor's `detector` dependency takes it: the in-process benches run the
 * same model the CLI does.
 */
export async function bundledDetector(): Promise<PredictorDeps<unknown>['detector']> {
  const models = await new ModelCatalog().list({ bundled: join(root, 'resources', 'models'), user: [] });
  const model = models.find((m) => m.id === DEFAULT_PREDICT_CONFIG.model)!;
  const pool = new SessionPool({
    env: { platform: process.platform, arch: process.arch, cudaAvailable: false },
    threads: () => availableParallelism(),
    onFallback: () => undefined,
    now: () => performance.now(),
  });
  const handle = await pool.acquire(model, 'cpu');
  const mapped = modelKeypointMap(model, null);
  return { handle, model, keypoints: mapped ? unwrap(mapped) : null };
}
