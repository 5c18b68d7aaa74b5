/**
 * `model.json`: the optional manifest that sits next to an `.onnx` file and says how to feed it
 * and how to read its outputs. Without one, Loupe reads Ultralytics `metadata_props` from the ONNX
 * file and infers the layout from output shapes (see DESIGN.md, "Models").
 *
 * Types only: this file is part of the contract and is shared by every process.
 */

export type ModelTask = 'detect' | 'pose' | 'obb' | 'restoration' | 'matcher';

/** How the network's first input is built from an image. */
export interface ModelInputSpec {
  /** Graph input name; defaults to the model's first input. */
  name?: string;
  /** Tensor layout; Loupe supports NCHW (PyTorch/Ultralytics convention). */
  layout?: 'NCHW';
  /** Channel order of the tensor. */
  colorOrder?: 'RGB' | 'BGR';
  /** Value range the network expects before mean/std, e.g. [0, 1] or [0, 255]. */
  range?: [number, number];
  /** Per-channel mean and std applied after scaling to `range` ((x - mean) / std). */
  mean?: [number, number, number];
  std?: [number, number, number];
  /** Fixed [width, height] input; omit or null for dynamic spatial size. */
  size?: [number, number] | null;
  /** Detector input: letterbox the image into `size` (Ultralytics: grey 114, centred). */
  letterbox?: { color: number; center: boolean; stride?: number };
  /** Restoration input: pad H and W up to a multiple of this (then crop the output back). */
  padMultiple?: number;
  /** Padding mode used to reach `padMultiple`. */
  padMode?: 'reflect' | 'replicate' | 'zero';
}

/** How the network's outputs are read. */
export interface ModelOutputSpec {
  name?: string;
  /**
   * - `yolo-detect`: [1, 4 + nc, N] (cx, cy, w, h, class scores), Ultralytics head, no NMS.
   * - `yolo-pose`:   [1, 4 + nc + K*3, N] (box, scores, K keypoints x,y,visibility).
   * - `yolo-obb`:    [1, 4 + nc + 1, N] (box, scores, angle in radians).
   * - `yolo-nms`:    [1, N, 6 + extra] rows (x1, y1, x2, y2, score, class, ...), NMS in the graph.
   * - `image`:       restoration output, same layout/range as the input spec unless overridden.
   */
  layout: 'yolo-detect' | 'yolo-pose' | 'yolo-obb' | 'yolo-nms' | 'image' | 'matches';
  /** Class names, index = class id. */
  classes?: string[];
  /** Keypoint names in output order (pose). */
  keypoints?: string[];
  /** Ultralytics kpt_shape, e.g. [5, 3]. */
  kptShape?: [number, number];
  /** Restoration output range when it differs from the input's. */
  range?: [number, number];
  /** Output spatial scale relative to the input (super-resolution); 1 for restoration. */
  scale?: number;
}

/** One measured number, with where and how it was measured. */
export interface QualityMetric {
  name: string;
  value: number;
  unit?: string;
  /** What it was measured on, e.g. "kodak24 held-out (kodim21-24)". */
  dataset: string;
  /** What the number is compared with, e.g. the degraded input's PSNR. */
  baseline?: number;
  note?: string;
}

/**
 * The input/output contract of a learned matcher (LoFTR, LightGlue and similar ONNX exports): two
 * greyscale images in, matched points out. Points are in the pixels of the images as fed.
 */
export interface MatcherContract {
  /** Input names of the two images, each [1, 1, H, W] float in `input.range` (default [0, 1]). */
  image0: string;
  image1: string;
  /** Outputs: matched points in image0 and image1, [N, 2] or [1, N, 2] (x, y). */
  keypoints0: string;
  keypoints1: string;
  /** Per-match confidence [N] or [1, N], when the model gives one. */
  confidence?: string;
  /** Matches under this confidence are dropped (default 0). */
  minConfidence?: number;
}

export interface ModelManifest {
  /** Manifest schema version. */
  schema: 1;
  /** Stable identifier, e.g. "loupe-dial-pose-n". */
  id: string;
  displayName: string;
  version: string;
  task: ModelTask;
  /** Path of the ONNX file relative to the manifest; defaults to "model.onnx". */
  file?: string;
  /** Architecture family, e.g. "unet", "nafnet", "dncnn", "yolo-pose-lite". */
  architecture?: string;
  description?: string;
  input: ModelInputSpec;
  output: ModelOutputSpec;
  license?: string;
  /** Where the training data came from. */
  trainingData?: string;
  /** How the file was produced: script, seed, commit, epochs, etc. */
  provenance?: Record<string, string | number | boolean>;
  quality?: QualityMetric[];
  /** Restoration: the degradation the model was trained to undo. */
  degradation?: string;
  /** Matchers: how to feed the model and read its matches. */
  matcher?: MatcherContract;
}
