import type { ModelManifest, ModelTask } from './model-manifest';
import type { ProviderReport } from './devices';
import type { KeypointName } from './labels';
import type { AppError, Result } from './result';

export type TensorElementType =
  | 'float32'
  | 'float16'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'int64'
  | 'uint32'
  | 'uint64'
  | 'bool'
  | 'string'
  | 'bfloat16'
  | 'unknown';

export interface TensorInfo {
  name: string;
  type: TensorElementType;
  /** Dimensions: a number when fixed, the symbolic name (or "?") when dynamic. */
  dims: (number | string)[];
}

/** How Loupe will read the model's outputs, from the manifest or inferred. */
export type DetectedLayout = 'yolo-detect' | 'yolo-pose' | 'yolo-obb' | 'yolo-nms' | 'image' | 'matches' | 'unknown';

export interface ModelInfo {
  /** Stable id: the manifest id, else derived from the file name. */
  id: string;
  name: string;
  source: 'bundled' | 'user';
  /** Absolute path of the .onnx file. */
  path: string;
  task: ModelTask | 'unknown';
  /** Where `task` came from. */
  taskSource: 'manifest' | 'metadata' | 'shapes' | 'unknown';
  layout: DetectedLayout;
  sizeBytes: number;
  /** sha256 of the file, hex. */
  sha256: string;
  opset: number | null;
  producer: string | null;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** ONNX `metadata_props` (Ultralytics writes task, imgsz, names, kpt_shape here). */
  metadata: Record<string, string>;
  manifest: ModelManifest | null;
  /** Filled when the model was probed (a session was created). */
  provider: ProviderReport | null;
  /** Session creation time in ms when probed. */
  loadMs: number | null;
  /** Set when the file cannot be parsed or the session cannot be created on any provider. */
  error: AppError | null;
  /**
   * Pose models: which of the model's keypoints are Loupe's five, found by name (manifest
   * `output.keypoints`, else Ultralytics `kpt_names`, with synonyms) or by position when the
   * model has exactly five unnamed keypoints; the error when they cannot be found.
   */
  keypointMap?: Result<KeypointMapInfo>;
}

/** How a pose model's keypoints become top, bottom, left, right, center. */
export interface KeypointMapInfo {
  /** Where the names came from: a user's map, the manifest, Ultralytics metadata, or the order. */
  source: 'keypoint-map' | 'manifest' | 'kpt_names' | 'position';
  /** The model's keypoint count (kpt_shape[0]). */
  count: number;
  /** The model's keypoint names in output order (`#i` where it names none). */
  modelNames: string[];
  /** Index into the model's keypoints of each of the five. */
  indices: Record<KeypointName, number>;
  /** Indices of the model's keypoints Loupe does not use (hands, extra landmarks). */
  ignored: number[];
}

/** What running a model once on a real image produced (Models ▸ Try, and the bundled-model checks). */
export interface ModelTryResult {
  modelId: string;
  imagePath: string;
  /** The tensor fed to the model. */
  inputShape: number[];
  outputs: TensorInfo[];
  /** session.run time. */
  runMs: number;
  /** How the image was prepared: letterboxed to the detector's size, padded to a multiple, or not at all. */
  preparation: 'letterbox' | 'pad' | 'none';
  /** Restoration models: the output written as a lossless PNG in the cache, to show beside the input. */
  outputImage: string | null;
  /** The input as the model saw it (oriented, maybe scaled down for the try), for a side-by-side. */
  inputImage: string | null;
}
