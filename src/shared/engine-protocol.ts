import type { Device, ExecutionProviderName } from './devices';
import type { EngineEvent } from './events';
import type { ImageVariant, ImageView } from './images';
import type { MlflowRunsQuery, MlflowRunsResult } from './mlflow';
import { JOB_VERBS, type JobVerb, type JobVerbs } from './jobs';
import type { ModelInfo, ModelTryResult } from './models';
import type { PythonCheck, PythonOptions } from './pytorch';
import type { Result } from './result';

/**
 * The engine process speaks one protocol over every transport (Electron parentPort, Node IPC,
 * a MessagePort handed to the renderer): requests with ids, responses carrying a Result, events.
 */

export interface EngineConfig {
  device: Device;
  /** Intra-op threads; 0 = one per core. */
  threads: number;
  /** Keypoint match worker threads; 0 (or absent) = from the core count and `threads`. */
  workers?: number;
  /** Bundled models folder. */
  bundledModelsDir: string | null;
  /** The user's model folders. */
  modelDirs: string[];
  /** Where jobs are journalled (resumable after a crash). */
  stateDir: string;
  /** Where thumbnails and other derived files go. */
  cacheDir: string;
  /** File-name pattern for image keys (see Settings). */
  namingPattern: string;
  thumbnailSize: number;
  /** The exporter script run in the user's Python (resources/python/loupe_export.py). */
  exporterScript: string;
  /** How PyTorch models are exported (Settings → Python); a job's own options win. */
  python: PythonOptions;
  /**
   * Re-queue, on start, the jobs that were running when the app last quit on purpose (an
   * interactive host: the desktop app, `loupe serve`). Jobs a crash interrupted wait for Resume.
   */
  resumeQuitJobs?: boolean;
}

export interface EngineInfo {
  pid: number;
  node: string;
  onnxruntime: string;
  sharp: string;
  platform: string;
  arch: string;
  cpus: number;
  /** Providers this build of onnxruntime-node can offer on this machine. */
  availableProviders: ExecutionProviderName[];
  /** Providers of the build that failed to start here, with the reason in words. */
  unusableProviders: Partial<Record<ExecutionProviderName, string>>;
  /** What `device` resolves to before any session has been created. */
  plan: ExecutionProviderName[];
  planReason: string | null;
  config: EngineConfig;
  startedAt: number;
}

/** Moved beside the job verbs (src/shared/jobs.ts); named here too for the engine's side. */
export type { ItemsPage, JobRef } from './jobs';

/** The engine's job methods, `jobs.<verb>`, from the one list of job verbs. */
type EngineJobMethods = {
  [V in JobVerb as `jobs.${V}`]: { params: JobVerbs[V]['params']; result: JobVerbs[V]['result'] };
};

/** Every method the engine answers: params and result types. */
export interface EngineMethods extends EngineJobMethods {
  'engine.info': { params: null; result: EngineInfo };
  'engine.configure': { params: Partial<EngineConfig>; result: EngineInfo };
  'models.list': { params: { probe?: boolean; device?: Device; dir?: string }; result: ModelInfo[] };
  'models.try': { params: { modelId: string; imagePath: string; device?: Device }; result: ModelTryResult };
  'images.view': { params: { path: string; variant: ImageVariant }; result: ImageView };
  'mlflow.runs': { params: MlflowRunsQuery; result: MlflowRunsResult };
  'mlflow.experiments': { params: { uri: string }; result: { experimentId: string; name: string }[] };
  /** The Python that exports PyTorch models: found? with torch? (`python` over the settings). */
  'python.check': { params: { python?: string; fresh?: boolean }; result: PythonCheck };
}

export type EngineMethod = keyof EngineMethods;
export type EngineParams<M extends EngineMethod> = EngineMethods[M]['params'];
export type EngineResult<M extends EngineMethod> = EngineMethods[M]['result'];

export const ENGINE_METHODS = [
  'engine.info',
  'engine.configure',
  'models.list',
  'models.try',
  'images.view',
  'mlflow.runs',
  'mlflow.experiments',
  'python.check',
  ...JOB_VERBS.map((verb) => `jobs.${verb}` as const),
] as const satisfies readonly EngineMethod[];

export type EngineRequest = {
  [M in EngineMethod]: { type: 'request'; id: number; method: M; params: EngineParams<M> };
}[EngineMethod];

export interface EngineResponse {
  type: 'response';
  id: number;
  result: Result<unknown>;
}

export interface EngineEventMessage {
  type: 'event';
  event: EngineEvent;
}

/** First message of a fresh engine: it is listening and has loaded its job journal. */
export interface EngineReadyMessage {
  type: 'ready';
  info: EngineInfo;
}

/**
 * Host → engine: the MessagePort sent with this message is a new connection (a renderer). It
 * carries events only: the engine answers a request on it with PERMISSION_DENIED and ignores
 * anything else, since requests must pass the host's checks (folder grants).
 */
export interface EngineConnectMessage {
  type: 'connect';
  label: string;
}

export interface EngineShutdownMessage {
  type: 'shutdown';
}

export type HostToEngineMessage = EngineRequest | EngineConnectMessage | EngineShutdownMessage;
export type EngineToHostMessage = EngineResponse | EngineEventMessage | EngineReadyMessage;
