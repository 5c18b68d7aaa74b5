import type { MetricModelSummary, ModelRunSummary, PredictKeypointsResult } from '../../shared/jobs';
import type { Shard } from '../../shared/shard';
import { isPlainRecord } from '../guards';

/*
 * The per-shard manifest of a cluster run: `<output-dir>/.loupe-shards/shard-<I>-of-<N>.json`,
 * written atomically (temp + rename) by shard I (0-based) of N whenever its progress file would
 * be, and read by the merge and by the app's live view (status.ts). Documented in docs/cluster.md.
 *
 * While sharded, everything that is one file in a single run (the predict progress file and
 * predict.log; infer's per-model progress files, metadata.json, metrics.json and
 * batch_summary.json) lives here instead, per shard, so shards never write the same file. A
 * retried shard (the same index again) resumes from its own manifest only.
 */

export const SHARDS_DIR = '.loupe-shards';
export const SHARD_MANIFEST_VERSION = 1;

/** `shard-<I>-of-<N>.json`, I 0-based. */
export function shardManifestName(index: number, count: number): string {
  return `shard-${index}-of-${count}.json`;
}

/** `shard-<I>-of-<N>.log`: the shard's own log (appended; predict.log is the merge's). */
export function shardLogName(index: number, count: number): string {
  return `shard-${index}-of-${count}.log`;
}

const NAME = /^shard-(\d+)-of-(\d+)\.json$/;

/** The index and count a manifest's file name says, or null for another file. */
export function parseShardManifestName(name: string): { index: number; count: number } | null {
  const m = NAME.exec(name);
  return m ? { index: Number(m[1]), count: Number(m[2]) } : null;
}

/** running: started and not finished (or killed); done: finished its share; failed: stopped with `error`. */
export type ShardState = 'running' | 'done' | 'failed';

/** A timestamped log line (ISO time, text without it). */
export interface LogLine {
  at: string;
  text: string;
}

/** What a predict shard keeps for the merge. */
export interface PredictShardData {
  /** `.loupe-predict.json`'s fields for this shard's images (done: image key → tier or "failed"). */
  progress: {
    imagesDir: string;
    labelsDir: string;
    configKey: string;
    done: Record<string, string>;
    failures: Record<string, unknown>;
  };
  /** predict.log's lines as one process writes them. */
  log: {
    /** Lines before `start:` (unreadable entries, human-label problems): the same on every shard. */
    header: LogLine[];
    /** The `start:` line up to (without) "<N> already done". */
    start: LogLine;
    /** This shard's "already done" (summed over shards). */
    already: number;
    /** Lines after `start:` and before the images (the detector's keypoint map). */
    after: LogLine[];
    /** Each image's line by image key, with the image's position in the whole batch. */
    images: Record<string, LogLine & { index: number }>;
  };
  /** This shard's result (its images only); null until it finishes. */
  result: PredictKeypointsResult | null;
}

/** The batch as every infer shard resolves it (must agree across shards). */
export interface InferBatchInfo {
  input_dir: string;
  gt_dir: string | null;
  output_dir: string;
  /** Frames of the whole batch. */
  frames: number;
  input_problems: { path: string; error: string }[];
  /** The metric models every model's frames are scored with (batch_summary.json `metric_models`). */
  metric_models?: MetricModelSummary[];
  /** Models of the whole batch (candidates). */
  models: number;
}

/** One model's frames [start, end) on one shard. */
export interface InferModelPart {
  /** The model's position among the batch's models (batch_summary.json's order). */
  position: number;
  /** Its output folder's name. */
  folder: string;
  start: number;
  end: number;
  /** The summary entry for these frames (as a single run would start it). */
  entry: ModelRunSummary;
  /** false: the model could not run here (the entry says why). */
  loaded: boolean;
  /** The model's resume manifest for these frames (`.loupe-infer.json`'s layout). */
  progress: { version: 1; configKey: string; done: Record<string, unknown>; failed?: Record<string, unknown> } | null;
  /** metadata.json / metrics.json as a single run writes them, for these frames only; null until run. */
  metadata: Record<string, unknown> | null;
  metrics: Record<string, unknown> | null;
  /** `input: reason` of each failed frame, in frame order. */
  failures: string[];
  nonFiniteFrames: number;
  /** Wall time of these frames. */
  wallMs: number;
}

export interface InferShardData {
  batch: InferBatchInfo | null;
  parts: InferModelPart[];
}

interface ManifestBase {
  version: typeof SHARD_MANIFEST_VERSION;
  shard: Shard;
  state: ShardState;
  /** Why a failed shard stopped. */
  error: { code: string; message: string } | null;
  host: string;
  pid: number;
  startedAt: string;
  updatedAt: string;
  outputDir: string;
  /** Items of this shard (images; model × frame pairs) and how many are done / failed so far. */
  total: number;
  done: number;
  failed: number;
}

export type ShardManifest =
  | (ManifestBase & { kind: 'predict'; predict: PredictShardData })
  | (ManifestBase & { kind: 'infer'; infer: InferShardData });

export type ShardKind = ShardManifest['kind'];

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A parsed manifest of this version: the envelope is checked field by field, the kind's data by shape. */
export function isShardManifest(v: unknown): v is ShardManifest {
  if (!isPlainRecord(v) || v.version !== SHARD_MANIFEST_VERSION) return false;
  const s = v.shard;
  if (!isPlainRecord(s) || !isNumber(s.index) || !isNumber(s.count) || typeof s.source !== 'string') return false;
  if (v.state !== 'running' && v.state !== 'done' && v.state !== 'failed') return false;
  if (typeof v.host !== 'string' || !isNumber(v.pid) || typeof v.outputDir !== 'string') return false;
  if (typeof v.startedAt !== 'string' || typeof v.updatedAt !== 'string') return false;
  if (!isNumber(v.total) || !isNumber(v.done) || !isNumber(v.failed)) return false;
  if (v.kind === 'predict') {
    const p = v.predict;
    return isPlainRecord(p) && isPlainRecord(p.progress) && isPlainRecord(p.log) && isPlainRecord(p.log.images);
  }
  if (v.kind === 'infer') return isPlainRecord(v.infer) && Array.isArray(v.infer.parts);
  return false;
}
