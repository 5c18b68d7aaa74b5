import type { MetricDirection, ModelRunStatus } from './jobs';

/**
 * A comparison: the frames of a restoration batch and every model's outputs and metrics, read
 * from an output folder that `loupe infer` (or the app's run) wrote. Paths are absolute; the
 * renderer loads them through `api.images.url`.
 */
export interface CompareFrame {
  index: number;
  /** The input frame's file name. */
  name: string;
  /** Absolute path of the input frame (null when the input folder is gone). */
  input: string | null;
  /** Absolute path of the ground-truth frame, when there is one. */
  gt: string | null;
}

export interface CompareModel {
  /**
   * The model's name in the batch, unique there and equal to its output folder's name (the run
   * name, qualified by its source when two models share it: `unet · bundled`, `unet · a`).
   */
  name: string;
  /** Output folder of the model. */
  folder: string;
  status: ModelRunStatus;
  error: string | null;
  architecture: string | null;
  runId: string | null;
  provider: string | null;
  /** Where the model came from (batch_summary.json `source`: `bundled`, `folder:<dir>`, `mlflow:<uri>` …). */
  source: string | null;
  params: Record<string, string>;
  /** Output frame per input frame index; null where the model wrote none. */
  outputs: (string | null)[];
  /** Per frame index; null without ground truth or output. */
  psnr: (number | null)[];
  ssim: (number | null)[];
  /**
   * Temporal consistency per frame index (metrics.json `temporal`: tPSNR of frame k's change from
   * k − 1 against the ground truth's); null for frame 0 and where a frame of the pair is missing.
   */
  tpsnr: (number | null)[];
  /**
   * The metric models' scores per frame index, by metric name (metrics.json `metric_models`; see
   * CompareSession.metricModels); null where the frame has none.
   */
  scores: Record<string, (number | null)[]>;
  /** As metrics.json states them (the mean over the frames with metrics). */
  mean: { psnr: number | null; ssim: number | null; tpsnr?: number | null };
  framesTiled: number;
  /** A PyTorch model that ran as its ONNX export (max |torch − ONNX| on the check frame). */
  exported?: { cached: boolean; parity: number } | null;
}

/**
 * A folder a comparison's batch_summary.json names (the frames, the ground truth, a model's
 * outputs) that the user has not opened. Paths read from a file never widen what the app may
 * read: it is left out until the user grants it (`folders.grant`), then the comparison is reopened.
 */
export interface UngrantedFolder {
  role: 'frames' | 'ground-truth' | 'model';
  path: string;
  /** The model's run name (role `model`). */
  model?: string;
}

export interface CompareSession {
  outputDir: string;
  /** The frames' folder, when it exists and may be read (opened, or inside `outputDir`). */
  inputDir: string | null;
  gtDir: string | null;
  /** Folders the batch names that exist but have not been opened; their images are left out. */
  ungranted: UngrantedFolder[];
  createdAt: string | null;
  frames: CompareFrame[];
  models: CompareModel[];
  /** How SSIM was computed (metrics.json `definition`). */
  ssimDefinition: string | null;
  /** How the temporal metric was computed (metrics.json `temporal.definition`). */
  temporalDefinition: string | null;
  /**
   * The input frames against the ground truth (input_metrics.json), per frame index: the baseline
   * a model's gain is measured from. Null without ground truth, or for batches written before it.
   */
  baseline: CompareBaseline | null;
  /** The metric models the batch scored its frames with (batch_summary.json `metric_models`), in its order. */
  metricModels: CompareMetricModel[];
}

/** A metric model of the batch (docs/metric-models.md): its scores are CompareModel.scores[name]. */
export interface CompareMetricModel {
  name: string;
  better: MetricDirection;
  definition: string;
}

export interface CompareBaseline {
  psnr: (number | null)[];
  ssim: (number | null)[];
  /** The metric models' scores of the input frames, by metric name. */
  scores: Record<string, (number | null)[]>;
  mean: { psnr: number | null; ssim: number | null };
}
