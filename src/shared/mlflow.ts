import type { ExportPlan, PytorchFlavor, TorchModelKind } from './pytorch';

/** MLflow tracking data as Loupe reads it, from a file store (mlruns/) or a tracking server. */

export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface MlflowExperiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: 'active' | 'deleted';
  creationTime: number | null;
  lastUpdateTime: number | null;
}

export interface MetricPoint {
  timestamp: number;
  value: number;
  step: number;
}

export interface MlflowRun {
  runId: string;
  runName: string;
  experimentId: string;
  /** UNKNOWN: the run's meta.yaml could not be read (see `problem`). */
  status: RunStatus | 'UNKNOWN';
  startTime: number | null;
  endTime: number | null;
  lifecycleStage: 'active' | 'deleted' | 'unknown';
  userId: string;
  artifactUri: string;
  params: Record<string, string>;
  /** Latest value of each metric (highest step, then latest timestamp). */
  metrics: Record<string, MetricPoint>;
  tags: Record<string, string>;
  /**
   * Why Loupe could not read the run (a malformed meta.yaml): it is listed all the same, with
   * what its folder holds, and a batch skips it with this reason.
   */
  problem?: string;
}

/**
 * The model of a run that Loupe will run, as local files (a server's are downloaded into a cache),
 * or why the run has none Loupe can run, with the batch status that says so.
 */
export type ModelArtifact =
  | {
      ok: true;
      kind: 'onnx' | TorchModelKind;
      /** The .onnx file, the PyTorch file, or the MLflow model folder (`mlflow-pytorch`). */
      path: string;
      /** The MLmodel file that declared it, when there is one. */
      mlmodel: string | null;
      /** Run artifacts, or an MLflow 3 logged model of the run. */
      source: 'run-artifacts' | 'logged-model';
      /** The path inside the artifacts (of the run, or of the logged model). */
      artifactPath: string;
      flavor: PytorchFlavor | null;
      /** The other models the run holds (not run), in words. */
      others: string[];
    }
  | { ok: false; status: 'skipped' | 'unsupported_format' | 'download_failed'; reason: string };

/** A run as the app lists it for choosing: the run, and what model it holds and what will happen. */
export interface MlflowRunListing extends MlflowRun {
  model: {
    /** Loupe can run it (ONNX, a cached export, or an export it can try). */
    ok: boolean;
    /** Why not, when not. */
    reason: string | null;
    /** What the model is, in words, e.g. "PyTorch (MLflow pytorch flavor, torch 2.3.1, model)". */
    what: string | null;
    kind: 'onnx' | TorchModelKind | null;
    /** For PyTorch models: cached ONNX, will export, or cannot run and why. */
    plan: ExportPlan | null;
    /** The batch status a run that cannot run will get. */
    status: 'skipped' | 'unsupported_format' | 'download_failed' | null;
    others: string[];
  };
}

export interface MlflowRunsQuery {
  uri: string;
  experiment: string;
  status?: RunStatus | null;
  maxRuns?: number;
}

export interface MlflowRunsResult {
  experiment: { experimentId: string; name: string };
  runs: MlflowRunListing[];
}
