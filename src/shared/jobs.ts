import type { Device, ProviderReport } from './devices';
import type { AppError } from './result';
import type { LabelRecord, RepredictReason } from './labels';
import type { ExportRecord, PythonOptions } from './pytorch';
import type { ShardSpec } from './shard';

/**
 * Every long-running piece of work is an engine job. A job has a spec (what to do), items (the
 * units it counts: images, iterations, frames), and a snapshot the engine streams while it runs.
 */

/**
 * Read every image of a folder (EXIF applied), record its displayed size from the header, and say
 * where its thumbnail is. Thumbnails are made lazily by `images:view` ('thumbnail') unless
 * `thumbnails: 'eager'` asks the scan to write them all.
 */
export interface ScanImagesSpec {
  kind: 'scan-images';
  folder: string;
  /** Walk subfolders too (default true). */
  recursive?: boolean;
  /** Longest side of thumbnails (default from settings). */
  thumbnailSize?: number;
  /** 'lazy' (default): the grid makes thumbnails for what is on screen; 'eager': write every one now. */
  thumbnails?: 'lazy' | 'eager';
}

export interface ScanImageData {
  /** Absolute path of the image. */
  path: string;
  /** Path relative to the scanned folder, with `/` separators. */
  relPath: string;
  /** Displayed size (EXIF orientation applied). */
  width: number;
  height: number;
  format: string;
  bytes: number;
  /** EXIF orientation tag (1 when absent). */
  orientation: number;
  /** Absolute path of the cached thumbnail (webp) when it exists already; else ask `images:view`. */
  thumbnail?: string;
  imageKey: string;
  watchId: string;
  templateModel: string | null;
  /** Whether the file name matched the naming pattern (else grouped by folder). */
  named: boolean;
}

export interface ScanImagesResult {
  folder: string;
  images: number;
  failed: number;
  watchIds: number;
}

/** Measure a model: create the session (reporting the provider), warm up, time N runs. */
export interface BenchmarkModelSpec {
  kind: 'benchmark-model';
  modelId: string;
  iterations: number;
  device?: Device;
}

export interface BenchmarkItemData {
  ms: number;
}

export interface BenchmarkModelResult {
  modelId: string;
  provider: ProviderReport;
  inputShape: number[];
  loadMs: number;
  warmupMs: number;
  medianMs: number;
  p90Ms: number;
  meanMs: number;
  minMs: number;
}

/** Settings of a keypoint prediction run (`loupe predict --config`, the app's settings). */
export interface PredictConfig {
  /** Detector: a model id from the catalog or a path to an .onnx file. */
  model: string;
  conf: number;
  iou: number;
  /** Classical features, or `onnx:<model id or path>` for a learned matcher with a model.json contract. */
  matcher: 'orb' | 'akaze' | `onnx:${string}`;
  maxFeatures: number;
  /** Lowe's ratio test. */
  ratio: number;
  minInliers: number;
  /** RANSAC/MAGSAC threshold in working-crop pixels. */
  ransacThreshold: number;
  /** Templates tried per image. */
  maxTemplates: number;
  namingPattern: string;
  /** Base annotator; the tier suffix is added. */
  annotator: string;
  /**
   * Which of a pose detector's keypoints are Loupe's five, `MODEL_KEYPOINT=top,…` (a model
   * keypoint's name or 0-based index each); null = by the model's own names (kpt_names or
   * model.json), or by position for five unnamed keypoints.
   */
  keypointMap: string | null;
}

/** Predict dial keypoints for every image without a human label; write per-watch label files. */
export interface PredictKeypointsSpec {
  kind: 'predict-keypoints';
  imagesDir: string;
  outputDir: string;
  labelsDir: string;
  config: PredictConfig;
  device?: Device;
  /**
   * Only this watch ID; with `templateModel`, this watch ID's images first, then the rest of
   * its template model's.
   */
  watchId?: string;
  /** Only images of this template model (the watch ID's first, when one is given). */
  templateModel?: string;
  /**
   * The human labels (image keys) whose saving started this run: the app's live re-predict after
   * a review. Named in the job's title; which images are predicted again is decided as on any
   * resume (a prediction whose template set has improved, core/keypoints/template-provenance.ts).
   */
  relabelFrom?: string[];
  /** Continue from the output folder's progress file (default true). */
  resume?: boolean;
  /** On a resume or rerun, try again the images that failed before (default true). */
  retryFailed?: boolean;
  /** Predict images that have human labels too (written to the output folder, never the labels folder). */
  force?: boolean;
  /** Write outputs and the progress file every N images (default PREDICT_DEFAULTS.checkpointFreq, 10). */
  checkpointFreq?: number;
  /** Only this shard's watch IDs (a cluster run; see docs/cluster.md). */
  shard?: ShardSpec;
  /** Match worker threads (`--workers`); absent or 0: the engine's `workers` setting, else from the core count. */
  workers?: number;
}

export interface PredictItemData {
  imageKey: string;
  watchId: string;
  fullImageName: string;
  tier: 'full' | 'pipeline-fallback' | 'geometric-fallback' | null;
  method: string | null;
  confidence: number | null;
  /** Why the image was skipped, when it was. */
  skipped?: 'human-labelled' | 'already-predicted';
  /** The label written to the predictions folder (so a review screen updates as results arrive). */
  record?: LabelRecord;
  /** Predicted again (it had been predicted before) because its template set improved. */
  repredicted?: { reason: RepredictReason; template: string };
}

export interface PredictKeypointsResult {
  outputDir: string;
  images: number;
  predicted: number;
  tiers: { full: number; 'pipeline-fallback': number; 'geometric-fallback': number };
  failed: number;
  skippedHuman: number;
  skippedDone: number;
  /** Label files written (one per watch ID). */
  files: number;
  detector: string;
  templates: number;
  /**
   * Earlier predictions predicted again because their template set improved (counted among
   * `predicted` and `tiers`, not `skippedDone`), by why.
   */
  repredicted: { total: number; 'own-watch-template': number; 'model-template': number };
}

/** Where restoration models come from. */
export type ModelSource =
  /** A folder of .onnx files (with or without model.json). */
  | { type: 'folder'; dir: string }
  /** The models bundled with Loupe. */
  | { type: 'bundled' }
  /** Catalog models by id (the app's selection). */
  | { type: 'models'; ids: string[] }
  /** An MLflow file store (mlruns folder or file:// URI) or tracking server (http[s]://). */
  | {
      type: 'mlflow';
      uri: string;
      experiment: string;
      status?: 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED' | null;
      maxRuns?: number;
      /** Only these runs (the app's selection), in this order. */
      runIds?: string[];
      /**
       * A tracking server's bound on one request, retries included, in seconds (default
       * MLFLOW_HTTP_REQUEST_TIMEOUT, else 15). An unreachable server fails this source alone.
       */
      timeoutSec?: number;
    }
  /**
   * A PyTorch model on disk, exported to ONNX before it runs: a TorchScript file, a checkpoint
   * (with a model factory), a pickled nn.Module, or an MLflow model folder (holding MLmodel).
   */
  | { type: 'torch'; path: string; name?: string; architecture?: string };

/** Run restoration models over a frame sequence at native resolution; lossless outputs, metrics. */
/**
 * How restoration outputs are named: `stem` keeps each input's file stem (`frame_0000.jpg` →
 * `frame_0000.png`, the default); `index` numbers them by the frame's index, `frame_000000.png`
 * (the seed's naming, and what earlier Loupe versions always wrote).
 */
export type OutputNaming = 'stem' | 'index';
export const OUTPUT_NAMINGS: readonly OutputNaming[] = ['stem', 'index'];

/** Whether a lower or a higher score of a metric is better (LPIPS: lower). */
export type MetricDirection = 'lower' | 'higher';
export const METRIC_DIRECTIONS: readonly MetricDirection[] = ['lower', 'higher'];

/**
 * A metric model to score every restored frame (and the input) against its ground truth with: an
 * ONNX file taking two images and returning one number (docs/metric-models.md). The fields here
 * override the file's own `loupe.metric.*` metadata.
 */
export interface MetricModelRef {
  path: string;
  name?: string;
  better?: MetricDirection;
  /** The value range the model wants its images in, e.g. [-1, 1] for LPIPS. */
  inputRange?: [number, number];
}

/** A metric model as a batch used it, written beside its scores (metrics.json, batch_summary.json). */
export interface MetricModelSummary {
  /** The score's key: metrics.json `metric_models.<name>`, `mean.<name>`, the summary's `metric_means.<name>`. */
  name: string;
  better: MetricDirection;
  input_range: [number, number];
  path: string;
  sha256: string;
  /** What the score is and how it was computed (the file's `loupe.metric.description`, and how Loupe fed it). */
  definition: string;
}

export interface RestoreFramesSpec {
  kind: 'restore-frames';
  inputDir: string;
  outputDir: string;
  /** Ground-truth frames with the same names: PSNR/SSIM per frame per model. */
  gtDir?: string;
  sources: ModelSource[];
  device?: Device;
  /** Always tile (else only when a whole frame fails to allocate). */
  tiled?: boolean;
  tileSize?: number;
  tileOverlap?: number;
  /** Skip frames already written by the same model and settings (default true). */
  resume?: boolean;
  /** On a resume or rerun, try again the frames that failed before (default true). */
  retryFailed?: boolean;
  /** How PyTorch models are exported (over the app's Python settings). */
  pytorch?: PythonOptions;
  /** Only this shard's (model, frame range) units (a cluster run; see docs/cluster.md). */
  shard?: ShardSpec;
  /** Output file names: each input's stem (`stem`, default) or `frame_%06d.png` (`index`). */
  outputNames?: OutputNaming;
  /** Metric models scoring each frame against its ground truth (needs gtDir). */
  metricModels?: MetricModelRef[];
  /**
   * Who started the run, where it matters to a screen: `compare` for the Compare page's own runs,
   * which it finds again in the job list after a reload (and restores its setup from). Absent for
   * `loupe infer` and any other submitter; the engine does nothing with it.
   */
  origin?: JobOrigin;
}

/** Where a restore-frames job was started from, when a screen wants to find it again. */
export type JobOrigin = 'compare';
export const JOB_ORIGINS: readonly JobOrigin[] = ['compare'];

/**
 * One model's outcome in a batch:
 * - `download_failed`: its files could not be fetched from the store (or the store lacks a file an
 *   MLmodel declares);
 * - `unsupported_format`: a model Loupe cannot run here (another MLflow flavor; a PyTorch model
 *   with no Python that has torch; a checkpoint with no model factory);
 * - `export_failed`: the PyTorch → ONNX export failed, or its output differs from torch's;
 * - `load_failed` / `inference_failed`: ONNX Runtime could not create a session / run a frame;
 * - `skipped`: nothing to run (a failed run, a parent run of nested runs, a run without a model).
 */
export type ModelRunStatus =
  | 'success'
  | 'download_failed'
  | 'unsupported_format'
  | 'export_failed'
  | 'load_failed'
  | 'inference_failed'
  | 'skipped';

export const MODEL_RUN_STATUSES: readonly ModelRunStatus[] = [
  'success',
  'download_failed',
  'unsupported_format',
  'export_failed',
  'load_failed',
  'inference_failed',
  'skipped',
];

export interface RestoreItemData {
  model: string;
  frame: string;
  output: string | null;
  tiled: boolean;
  runMs: number | null;
  psnr?: number;
  ssim?: number;
  /** Why the frame has no PSNR/SSIM although there is ground truth (e.g. a ground truth of another size). */
  metricsSkipped?: string;
  /** The metric models' scores of the frame, by metric name. */
  scores?: Record<string, number>;
  /** Set on the items of a model that could not run: why (its summary status). */
  modelStatus?: ModelRunStatus;
}

/** One entry of batch_summary.json. */
export interface ModelRunSummary {
  /**
   * The model's name in the batch, unique there: its output folder's name and what Compare shows
   * (`run_name`, qualified by its source when another model has the same: `unet · bundled`).
   */
  name: string;
  run_id: string | null;
  run_name: string;
  architecture: string | null;
  status: ModelRunStatus;
  output_dir: string | null;
  error: string | null;
  frames: number;
  frames_tiled: number;
  provider: string | null;
  psnr_mean: number | null;
  ssim_mean: number | null;
  /** Each metric model's mean score over the frames it scored, by metric name (with metric models). */
  metric_means?: Record<string, number | null>;
  source: string;
  /** A PyTorch model's export to ONNX: taken from the cache, or made for this batch. */
  export?: { cached: boolean; parity: number; onnx: string; torch_version: string } | null;
}

/** Export PyTorch models to ONNX (and check them), without running a batch: `loupe export`. */
export interface ExportModelsSpec {
  kind: 'export-models';
  /** `mlflow` and `torch` sources (ONNX models among them are listed as already ONNX). */
  sources: ModelSource[];
  /** Also copy each ONNX file and its model.json to `<outputDir>/<name>/` (else the cache only). */
  outputDir?: string;
  /** The frame the export is checked on (else a generated test card). */
  sample?: string;
  pytorch?: PythonOptions;
  /** Export again even when the cache has the model. */
  force?: boolean;
}

export interface ExportItemData {
  name: string;
  status: ModelRunStatus;
  error: string | null;
  /** The ONNX file (cache, or the output folder's copy). */
  onnx: string | null;
  export: ExportRecord | null;
}

export interface ExportModelsResult {
  models: ExportItemData[];
}

export interface RestoreFramesResult {
  outputDir: string;
  frames: number;
  models: ModelRunSummary[];
  /** Run names by mean PSNR, best first (with ground truth). */
  ranking: { name: string; run_name: string; psnr_mean: number; ssim_mean: number }[];
  /** The metric models the batch scored with (each model's `metric_means` holds their means). */
  metric_models?: MetricModelSummary[];
}

/** The kinds of job the engine runs, with their spec, per-item data and final result. */
export interface JobKinds {
  'scan-images': { spec: ScanImagesSpec; item: ScanImageData; result: ScanImagesResult };
  'benchmark-model': { spec: BenchmarkModelSpec; item: BenchmarkItemData; result: BenchmarkModelResult };
  'predict-keypoints': { spec: PredictKeypointsSpec; item: PredictItemData; result: PredictKeypointsResult };
  'restore-frames': { spec: RestoreFramesSpec; item: RestoreItemData; result: RestoreFramesResult };
  'export-models': { spec: ExportModelsSpec; item: ExportItemData; result: ExportModelsResult };
}

export type JobKind = keyof JobKinds;
export type JobSpec = JobKinds[JobKind]['spec'];
export type JobSpecOf<K extends JobKind> = JobKinds[K]['spec'];

export const JOB_STATUSES = ['queued', 'running', 'paused', 'completed', 'cancelled', 'failed', 'interrupted'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses a job never leaves on its own. `interrupted` can be resumed. */
export const FINISHED_JOB_STATUSES: readonly JobStatus[] = ['completed', 'cancelled', 'failed'];

export type ItemStatus = 'ok' | 'failed' | 'skipped';

export interface JobItem<K extends JobKind = JobKind> {
  /**
   * The 0-based position of the item's input in the job's list of inputs (images, frames, models,
   * iterations), stable across resumes, whatever became of the item (ok, failed or skipped). A
   * restore-frames job reports one item per model and frame: all of a frame's items carry the
   * frame's index (its output name and metadata.json's `frames[].index`); the key tells models apart.
   */
  index: number;
  /** Stable key of the item (a relative path, an iteration number). */
  key: string;
  status: ItemStatus;
  /** A finer outcome shown beside the status (later: keypoint tiers). */
  tag?: string;
  error?: AppError;
  /** Wall time spent on the item. */
  ms: number;
  data?: JobKinds[K]['item'];
}

export interface ItemCounts {
  ok: number;
  failed: number;
  skipped: number;
}

export interface JobSnapshot<K extends JobKind = JobKind> {
  id: string;
  kind: K;
  title: string;
  spec: JobKinds[K]['spec'];
  status: JobStatus;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Known once the job has listed its items; null before. */
  total: number | null;
  done: number;
  counts: ItemCounts;
  /** Counts by item tag. */
  tags: Record<string, number>;
  /** Items per second over the recent window. */
  rate: number | null;
  /** Seconds left at the current rate. */
  etaSec: number | null;
  /** Running time, pauses excluded. */
  elapsedMs: number;
  /** Why the job failed or was interrupted. */
  error: AppError | null;
  result: JobKinds[K]['result'] | null;
  /** Which provider runs the job's model, when it has one. */
  provider: ProviderReport | null;
  /** How many times the job was resumed after an interruption. */
  resumes: number;
  /** What the job is doing beside counting items, e.g. exporting a model to ONNX. */
  phase?: string | null;
  /**
   * Things that went wrong beside the items and the user must hear about, e.g. the job journal
   * could not be written (the job runs on, but a crash now could not be resumed from here).
   */
  warnings?: AppError[];
  /**
   * When the engine handed this snapshot out, as a number that only grows (across engine restarts
   * too): a higher revision is newer. Events and answers to requests travel different ways to a
   * window (a port and an IPC call, a WebSocket and HTTP), so an answer can arrive after events
   * that are newer than it; a window keeps the higher one. Absent in the journal.
   */
  revision?: number;
}

/** Whether `next` is a snapshot of the same job at least as new as `prev` (see `revision`). */
export function isNewerSnapshot(prev: JobSnapshot | undefined, next: JobSnapshot): boolean {
  return prev === undefined || (next.revision ?? 0) >= (prev.revision ?? 0);
}

export interface JobRef {
  jobId: string;
}

export interface ItemsPage {
  total: number;
  items: JobItem[];
}

/**
 * The job verbs, written once. The renderer calls `api.jobs.<verb>(...args)` (channel
 * `jobs:<verb>`, src/shared/ipc.ts); the host asks the engine `jobs.<verb>` with `params`
 * (src/shared/engine-protocol.ts). Both contracts, and their channel and method lists, derive
 * their job entries from this: a new job verb is one entry here (and its name in JOB_VERBS),
 * after which the compiler asks for the engine's handler and the host's verb.
 */
export interface JobVerbs {
  submit: { args: [spec: JobSpec]; params: JobSpec; result: JobSnapshot };
  cancel: { args: [jobId: string]; params: JobRef; result: JobSnapshot };
  pause: { args: [jobId: string]; params: JobRef; result: JobSnapshot };
  resume: { args: [jobId: string]; params: JobRef; result: JobSnapshot };
  remove: { args: [jobId: string]; params: JobRef; result: null };
  list: { args: []; params: null; result: JobSnapshot[] };
  items: {
    args: [jobId: string, offset: number, limit: number];
    params: JobRef & { offset: number; limit: number };
    result: ItemsPage;
  };
}

export type JobVerb = keyof JobVerbs;

export const JOB_VERBS = [
  'submit',
  'cancel',
  'pause',
  'resume',
  'remove',
  'list',
  'items',
] as const satisfies readonly JobVerb[];
