import { join } from 'node:path';
import type { Tier } from '../../../shared/labels';
import type { AppError } from '../../../shared/result';
import { isPlainRecord, isRecordOf } from '../../../core/guards';
import { ResumeManifest, type ResumeState } from '../../../core/jobs/resume-manifest';
import { appError, isAppError } from '../../../core/result';
import { writeJsonAtomic } from '../../fs/atomic';
import { readVersionedJson } from '../../fs/versioned-json';
import { isoTimestamp } from '../../../core/format';

/** The progress file in the output folder: what a rerun may skip. */
export const PROGRESS_FILE = '.loupe-predict.json';

/**
 * The file as it has always been written (a resume manifest in its own layout): failed images are
 * "failed" among the tiers, with their reasons beside.
 */
export interface ProgressFile {
  version: 1;
  imagesDir: string;
  labelsDir: string;
  configKey: string;
  updatedAt: string;
  /** image key → tier, or "failed". */
  done: Record<string, Tier | 'failed'>;
  /** Why the "failed" ones failed (absent in files of older versions). */
  failures?: Record<string, unknown>;
}

/** Predicted images by image key with their tier; failed ones with why (null: a file that did not say). */
export type PredictManifest = ResumeManifest<Tier, AppError | null>;

const TIERS: ReadonlySet<unknown> = new Set<Tier | 'failed'>([
  'full',
  'pipeline-fallback',
  'geometric-fallback',
  'failed',
]);

const isProgressFile = (v: unknown): v is ProgressFile =>
  isPlainRecord(v) &&
  v.version === 1 &&
  typeof v.imagesDir === 'string' &&
  typeof v.configKey === 'string' &&
  isRecordOf(v.done, (t): t is Tier | 'failed' => TIERS.has(t)) &&
  (v.failures === undefined || isPlainRecord(v.failures));

/**
 * The manifest's config key: the prediction config's key and the images folder (earlier
 * progress over another folder is not this run's).
 */
const manifestKey = (configKey: string, imagesDir: string): string => JSON.stringify([configKey, imagesDir]);

function stateOfFile(file: ProgressFile): ResumeState<Tier, AppError | null> {
  const done: Record<string, Tier> = {};
  const failed: Record<string, AppError | null> = {};
  for (const [key, tier] of Object.entries(file.done)) {
    const why = file.failures?.[key];
    if (tier === 'failed') failed[key] = isAppError(why) ? appError(why.code, why.message) : null;
    else done[key] = tier;
  }
  return { configKey: manifestKey(file.configKey, file.imagesDir), done, failed };
}

/** The output folder's manifest to go on from (nothing for another config or folder, or with resume: false). */
export async function readPredictProgress(
  outputDir: string,
  imagesDir: string,
  configKey: string,
  resume: boolean | undefined,
): Promise<PredictManifest> {
  const file = await readVersionedJson(join(outputDir, PROGRESS_FILE), isProgressFile);
  return predictManifestOf(file, imagesDir, configKey, resume);
}

/** A manifest from a progress file's content (a shard keeps that content in its own manifest). */
export function predictManifestOf(
  file: unknown,
  imagesDir: string,
  configKey: string,
  resume: boolean | undefined,
): PredictManifest {
  const state = isProgressFile(file) ? stateOfFile(file) : null;
  return ResumeManifest.resume(state, manifestKey(configKey, imagesDir), { resume });
}

export interface ProgressWhere {
  outputDir: string;
  imagesDir: string;
  labelsDir: string;
  configKey: string;
}

/** The progress file's content for the manifest. */
export function predictProgressContent(manifest: PredictManifest, where: ProgressWhere, now: number): ProgressFile {
  const { done, failed } = manifest.toState();
  return {
    version: 1,
    imagesDir: where.imagesDir,
    labelsDir: where.labelsDir,
    configKey: where.configKey,
    updatedAt: isoTimestamp(now),
    done: { ...done, ...Object.fromEntries(Object.keys(failed).map((key) => [key, 'failed' as const])) },
    failures: Object.fromEntries(Object.entries(failed).filter(([, why]) => why !== null)),
  };
}

export function writePredictProgress(manifest: PredictManifest, where: ProgressWhere, now: number): Promise<void> {
  return writeJsonAtomic(join(where.outputDir, PROGRESS_FILE), predictProgressContent(manifest, where, now));
}
