import type { Device } from './devices';
import type { PredictConfig } from './jobs';
import { DEFAULT_EXPORT_TIMEOUT_SEC } from './pytorch';

/** User settings, persisted by the host (main or the web host) as settings.json. */
export interface Settings {
  device: Device;
  /** ONNX Runtime intra-op threads; 0 = one per core. */
  threads: number;
  /**
   * Threads predicting photos in a keypoint prediction (`loupe predict --workers`); 0 = one per
   * core when the detector runs on the CPU (each worker then decodes, detects and matches, the
   * ONNX Runtime threads shared among them), else one per core less a quarter of the ONNX Runtime
   * threads (the workers match, the engine detects on the accelerator).
   */
  workers: number;
  /** Folders of the user's own models (.onnx with optional model.json). */
  modelDirs: string[];
  /** Most recent first. */
  recentFolders: string[];
  /**
   * File-name pattern with named groups `imageKey`, `watchId`, `templateModel`.
   * Files that do not match are grouped by their folder name.
   */
  namingPattern: string;
  /** Written as `annotator` on reviewed labels. */
  reviewer: string;
  /** Longest side of generated thumbnails, in pixels. */
  thumbnailSize: number;
  /** What Predict in the app runs with (the CLI takes the same keys from --config). */
  predict: PredictSettings;
  /** The user's Python, which exports PyTorch models to ONNX (once; the result is cached). */
  python: PythonSettings;
}

export interface PythonSettings {
  /** The interpreter; null = LOUPE_PYTHON, else python3 on PATH. */
  executable: string | null;
  /** `module:function` that builds the network for a state-dict checkpoint; null = none. */
  modelFactory: string | null;
  /** Folders put first on sys.path (the factory's module, the training code). */
  pythonPath: string[];
  /** Seconds one export may take. */
  exportTimeoutSec: number;
}

export const DEFAULT_PYTHON_SETTINGS: PythonSettings = {
  executable: null,
  modelFactory: null,
  pythonPath: [],
  exportTimeoutSec: DEFAULT_EXPORT_TIMEOUT_SEC,
};

/** A settings update: any fields; `predict` may name only the keys that change. */
export type SettingsPatch = Partial<Omit<Settings, 'predict' | 'python'>> & {
  predict?: Partial<PredictSettings>;
  python?: Partial<PythonSettings>;
};

/** The prediction settings a user tunes; the rest of PredictConfig follows from them. */
export type PredictSettings = Pick<
  PredictConfig,
  'model' | 'conf' | 'iou' | 'matcher' | 'minInliers' | 'ransacThreshold' | 'maxTemplates' | 'keypointMap'
>;

/** The seed's defaults: detector conf 0.25, NMS IoU 0.7, ORB, 10 inliers, RANSAC 4 px, 3 templates. */
export const DEFAULT_PREDICT_SETTINGS: PredictSettings = {
  model: 'loupe-dial-pose',
  conf: 0.25,
  iou: 0.7,
  matcher: 'orb',
  minInliers: 10,
  ransacThreshold: 4,
  maxTemplates: 3,
  keypointMap: null,
};

export const DEFAULT_NAMING_PATTERN =
  '^(?<imageKey>(?<watchId>[A-Za-z0-9-]+_(?<templateModel>[A-Za-z0-9-]+)_\\d+)_\\d+)(?:_.*)?$';

export const DEFAULT_SETTINGS: Settings = {
  device: 'auto',
  threads: 0,
  workers: 0,
  modelDirs: [],
  recentFolders: [],
  namingPattern: DEFAULT_NAMING_PATTERN,
  reviewer: 'reviewer',
  thumbnailSize: 256,
  predict: DEFAULT_PREDICT_SETTINGS,
  python: DEFAULT_PYTHON_SETTINGS,
};

export const MAX_RECENT_FOLDERS = 12;
