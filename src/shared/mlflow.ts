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
  status: RunStatus;
  startTime: number | null;
  endTime: number | null;
  lifecycleStage: 'active' | 'deleted';
  userId: string;
  artifactUri: string;
  params: Record<string, string>;
  /** Latest value of each metric (highest step, then latest timestamp). */
  metrics: Record<string, MetricPoint>;
  tags: Record<string, string>;
}

/** Where a run's ONNX model is, or why there is none. */
export type ModelArtifact =
  | {
      ok: true;
      /** Absolute path (file store) or artifact path (server) of the .onnx file. */
      path: string;
      /** The MLmodel file that declared it, when there is one. */
      mlmodel: string | null;
      /** Files next to the model (ONNX external data). */
      source: 'run-artifacts' | 'logged-model';
    }
  | { ok: false; reason: string };

/** A run as the app lists it for choosing: the run, and whether its model is there (file stores). */
export interface MlflowRunListing extends MlflowRun {
  /** Null when not checked (a tracking server: checking would download the model). */
  model: { ok: boolean; reason: string | null } | null;
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
