import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import type { ModelInfo } from '../../../shared/models';
import { isPlainRecord } from '../../../core/guards';
import {
  isResumeManifestFile,
  ResumeManifest,
  stateOfFile,
  type ResumeManifestFile,
} from '../../../core/jobs/resume-manifest';
import { writeJsonAtomic } from '../../fs/atomic';
import { readVersionedJson } from '../../fs/versioned-json';
import type { RestoreSettings } from '../../restore/infer-frame';

/** A model's resume manifest, in its output folder. */
export const INFER_PROGRESS_FILE = '.loupe-infer.json';

/** A frame on disk, as a rerun reports it without running it again. */
export interface FrameDone {
  ms: number;
  tiled: boolean;
  /** null in the file for an output equal to its ground truth: an infinite PSNR (JSON has no Infinity). */
  psnr?: number | null;
  ssim?: number;
  metricsSkipped?: string;
  /** Metric models' scores, by MetricScorer.key (the file and input range the score was made with). */
  scores?: Record<string, number>;
}

/** Done frames by output name; failed ones with the reason. */
export type RestoreManifest = ResumeManifest<FrameDone, string>;

const optional = (v: unknown, type: 'number' | 'string'): boolean => v === undefined || typeof v === type;

function isFrameDone(v: unknown): v is FrameDone {
  return (
    isPlainRecord(v) &&
    typeof v.ms === 'number' &&
    typeof v.tiled === 'boolean' &&
    (v.psnr === null || optional(v.psnr, 'number')) &&
    optional(v.ssim, 'number') &&
    optional(v.metricsSkipped, 'string') &&
    (v.scores === undefined || (isPlainRecord(v.scores) && Object.values(v.scores).every((x) => typeof x === 'number')))
  );
}

const isString = (v: unknown): v is string => typeof v === 'string';

const isInferProgress = (v: unknown): v is ResumeManifestFile<FrameDone, string> =>
  isResumeManifestFile(v, isFrameDone, isString);

/** What makes a model's earlier frames reusable: the model file, its settings and the input folder's name. */
export function restoreConfigKey(model: ModelInfo, settings: RestoreSettings, inputDir: string): string {
  return createHash('sha1')
    .update(JSON.stringify([model.sha256, settings, basename(inputDir)]))
    .digest('hex');
}

/** The model folder's manifest to go on from (nothing under another key, or with resume: false). */
export async function readRestoreProgress(
  dir: string,
  configKey: string,
  resume: boolean | undefined,
): Promise<RestoreManifest> {
  const file = await readVersionedJson(join(dir, INFER_PROGRESS_FILE), isInferProgress);
  return ResumeManifest.resume(file && stateOfFile(file), configKey, { resume });
}

export function writeRestoreProgress(dir: string, manifest: RestoreManifest): Promise<void> {
  return writeJsonAtomic(join(dir, INFER_PROGRESS_FILE), manifest.toFile());
}
