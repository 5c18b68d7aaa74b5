/**
 * PyTorch models as Loupe finds them (MLflow pytorch-flavor runs, MLflow 3 logged models,
 * TorchScript files, checkpoints) and the record of their one-time export to ONNX, which runs in
 * the user's own Python. Types only: part of the contract.
 */

/**
 * - `mlflow-pytorch`: an MLflow model folder with the pytorch flavor (MLmodel, data/model.pth,
 *   optional code/).
 * - `torchscript`: a `torch.jit.save` archive.
 * - `checkpoint`: a `torch.save` of a dict holding a state dict (`model_state_dict`, `state_dict`…).
 * - `pickled-model`: a `torch.save` of a whole `nn.Module` (its class must be importable).
 * - `torch-file`: a `.pth`/`.pt`/`.ckpt` whose content is known only once Python opens it (a
 *   tracking server's file, not downloaded to list it; a legacy non-zip `torch.save`).
 */
export type TorchModelKind = 'mlflow-pytorch' | 'torchscript' | 'checkpoint' | 'pickled-model' | 'torch-file';

/** The pytorch flavor of an MLmodel (and the python_function flavor's pickle module). */
export interface PytorchFlavor {
  /** `data`: holds model.pth (or model.pt2) and pickle_module_info.txt. */
  modelData: string;
  pytorchVersion: string | null;
  /** The folder of the `code_paths` the model was logged with, relative to the model folder. */
  code: string | null;
  pickleModule: string | null;
}

/** How the user's Python is found and what it may import (CLI flags, `--config`, Settings). */
export interface PythonOptions {
  /** The interpreter; default `LOUPE_PYTHON`, else `python3` on PATH (`python` on Windows). */
  python?: string;
  /** `module:function` called with (architecture, model_config, checkpoint); returns an nn.Module. */
  modelFactory?: string;
  /** Folders put first on `sys.path` (the factory's module, the training code). */
  pythonPath?: string[];
  /** Seconds one export may take before it is killed (default 600). */
  timeoutSec?: number;
}

export const DEFAULT_EXPORT_TIMEOUT_SEC = 600;

/** Where the Python in use came from. */
export type PythonOrigin = 'option' | 'settings' | 'LOUPE_PYTHON' | 'default';

/** What `python loupe_export.py probe` found (Settings → Python → Test, `loupe export --check`). */
export interface PythonCheck {
  /** As configured (a name on PATH or a path). */
  executable: string;
  origin: PythonOrigin;
  /** The interpreter's own `sys.executable`, when it ran. */
  resolved: string | null;
  python: string | null;
  torch: string | null;
  mlflow: string | null;
  onnx: string | null;
  cloudpickle: string | null;
  /** Python ran and imports torch. */
  ok: boolean;
  /** Why not, naming the setting to change. */
  error: string | null;
}

/** What will happen to a PyTorch model when it runs (shown before a run). */
export type ExportPlan =
  | { action: 'cached'; onnx: string; exportedAt: string; parity: number }
  | { action: 'export'; python: string; torch: string | null }
  | { action: 'cannot'; status: 'unsupported_format'; reason: string };

/** `metadata.json` → `export`: how the ONNX file that ran was made from the PyTorch model. */
export interface ExportRecord {
  /** Taken from the cache: no Python ran for this batch. */
  cached: boolean;
  exporter_version: number;
  source: {
    kind: TorchModelKind;
    /** Local file or folder the export read. */
    path: string;
    /** Content hash of that file or folder (the cache key's part). */
    sha256: string;
    run_id: string | null;
    /** Path inside the run's (or logged model's) artifacts. */
    artifact_path: string | null;
  };
  torch_version: string;
  python: string;
  loaded_with: string;
  model_class: string | null;
  model_factory: string | null;
  pad_multiple: number;
  pad_multiple_source: 'run params' | 'probed';
  scale: number;
  opset: number;
  /** torch and ONNX Runtime (CPU) on the same padded frame. */
  parity: { max_abs_diff: number; limit: number; frame: string; shape: number[]; provider: 'cpu' };
  onnx: string;
  exported_at: string;
  seconds: { load: number; probe: number; export: number; torch_forward: number; total: number };
  notes: string[];
}

/** Above this max |torch − ONNX| on the check frame the export is refused, never silently run. */
export const PARITY_LIMIT = 1e-3;

/** Version of resources/python/loupe_export.py; part of the export cache key. */
export const EXPORTER_VERSION = 1;
