import type { EngineInfo } from './engine-protocol';
import type { EngineEvent, EngineState } from './events';
import type { CompareSession } from './compare';
import type { ImageVariant, ImageView } from './images';
import type { MlflowRunsQuery, MlflowRunsResult } from './mlflow';
import { JOB_VERBS, type JobVerb, type JobVerbs } from './jobs';
import type { ModelInfo, ModelTryResult } from './models';
import type { PythonCheck } from './pytorch';
import type { AppError, Result } from './result';
import type {
  ExportRequest,
  ExportResult,
  FolderLabelDirs,
  KeypointFolder,
  LabelDirChoice,
  LabelStudioImportRequest,
  LabelStudioImportResult,
  ReviewAction,
  ReviewEntry,
} from './review';
import type { Settings, SettingsPatch } from './settings';
import type { ClusterStatus } from './shard';

/** `JOBS_SUBMIT: 'jobs:submit'`, … from the one list of job verbs (src/shared/jobs.ts). */
const JOB_CHANNELS = Object.fromEntries(JOB_VERBS.map((verb) => [`JOBS_${verb.toUpperCase()}`, `jobs:${verb}`])) as {
  readonly [V in JobVerb as `JOBS_${Uppercase<V>}`]: `jobs:${V}`;
};

/**
 * The renderer's whole view of the world: verbs it may call (request/response, each resolving to
 * a Result) and the event stream. Electron binds the verbs with ipcMain.handle on these channels;
 * the local web host binds the same names over HTTP. Channel values are `namespace:verb`, and the
 * renderer calls them as `api.namespace.verb(...)`.
 */
export const IPC_CHANNELS = {
  APP_INFO: 'app:info',
  SETTINGS_GET: 'settings:get',
  SETTINGS_UPDATE: 'settings:update',
  FOLDERS_CHOOSE: 'folders:choose',
  FOLDERS_OPEN: 'folders:open',
  FOLDERS_GRANT: 'folders:grant',
  FOLDERS_LIST: 'folders:list',
  MODELS_LIST: 'models:list',
  MODELS_TRY: 'models:try',
  IMAGES_VIEW: 'images:view',
  MLFLOW_RUNS: 'mlflow:runs',
  MLFLOW_EXPERIMENTS: 'mlflow:experiments',
  PYTHON_CHECK: 'python:check',
  COMPARE_OPEN: 'compare:open',
  CLUSTER_STATUS: 'cluster:status',
  ...JOB_CHANNELS,
  KEYPOINTS_LOAD: 'keypoints:load',
  KEYPOINTS_REVIEW: 'keypoints:review',
  KEYPOINTS_EXPORT: 'keypoints:export',
  KEYPOINTS_IMPORT: 'keypoints:import',
  KEYPOINTS_LABEL_DIRS: 'keypoints:labelDirs',
  KEYPOINTS_CHOOSE_LABEL_DIRS: 'keypoints:chooseLabelDirs',
} as const;

export type IpcChannel = (typeof IPC_CHANNELS)[keyof typeof IPC_CHANNELS];

/**
 * Main → renderer pushes (not verbs): the MessagePort to the engine, and events the host itself
 * raises (engine restarts, menu commands).
 */
export const PUSH_CHANNELS = {
  ENGINE_PORT: 'engine:port',
  HOST_EVENT: 'host:event',
} as const;

/** Commands of the native menu, delivered to the renderer as `menu:command` events. */
export const MENU_COMMANDS = [
  'open-folder',
  'show-keypoints',
  'show-compare',
  'show-models',
  'show-settings',
  'toggle-jobs',
] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

/** Events raised by the host rather than the engine. */
export type HostEvent = { name: 'menu:command'; payload: { command: MenuCommand } };

export type HostKind = 'electron' | 'web';

export interface HostCapabilities {
  /** The host can show a native folder dialog (`folders.choose`). */
  nativeDialogs: boolean;
  /** Dropped files carry their filesystem path (`files.pathForFile`). */
  droppedFilePaths: boolean;
}

export interface AppInfo {
  name: string;
  version: string;
  host: HostKind;
  platform: string;
  arch: string;
  dataDir: string;
  cacheDir: string;
  /** The bundled samples (photos, a clip, an MLflow store), when this install has them. */
  samplesDir: string | null;
  engineState: EngineState;
  engine: EngineInfo | null;
  /** Problems the host met that the user must hear about (e.g. a settings.json it could not use). */
  warnings: AppError[];
}

export interface DirEntry {
  name: string;
  path: string;
  kind: 'dir' | 'file';
  /** A file Loupe can read as an image. */
  image: boolean;
}

export interface DirListing {
  path: string;
  parent: string | null;
  entries: DirEntry[];
  /** Entries left out because the folder is very large. */
  truncated: number;
  /** Places to start from: home, recent folders, volume roots. */
  places: { label: string; path: string }[];
}

export interface OpenedFolder {
  path: string;
  name: string;
  /** Images directly inside or below (bounded walk). */
  imageCount: number;
  /** The label folders that exist (chosen for this folder, else found inside or beside it). */
  labelDirs: { human: string | null; predicted: string | null };
}

/** Where a granted folder is (resolved); `folders:grant`'s answer. */
export interface GrantedFolder {
  path: string;
}

/** The renderer's job verbs, `jobs:<verb>`, from the one list of job verbs. */
type JobContract = {
  [V in JobVerb as `jobs:${V}`]: { params: JobVerbs[V]['args']; result: JobVerbs[V]['result'] };
};

/** Verb contract: channel → parameter tuple and result value. */
export interface IpcContract extends JobContract {
  [IPC_CHANNELS.APP_INFO]: { params: []; result: AppInfo };
  [IPC_CHANNELS.SETTINGS_GET]: { params: []; result: Settings };
  [IPC_CHANNELS.SETTINGS_UPDATE]: { params: [patch: SettingsPatch]; result: Settings };
  [IPC_CHANNELS.FOLDERS_CHOOSE]: { params: [options?: { title?: string }]; result: string | null };
  /** Open a folder of images: granted (the user's act), remembered, described (a bounded count). */
  [IPC_CHANNELS.FOLDERS_OPEN]: { params: [path: string]; result: OpenedFolder };
  /**
   * Grant a folder the user named (typed, chosen, or confirmed in a prompt), and remember it, as
   * `folders:open` does, without describing it: what Compare needs for the folders a run reads.
   */
  [IPC_CHANNELS.FOLDERS_GRANT]: { params: [path: string]; result: GrantedFolder };
  [IPC_CHANNELS.FOLDERS_LIST]: { params: [path: string | null]; result: DirListing };
  /** The catalog, or (`dir`, a granted folder) the models of one folder, as a run would find them. */
  [IPC_CHANNELS.MODELS_LIST]: { params: [options?: { probe?: boolean; dir?: string }]; result: ModelInfo[] };
  [IPC_CHANNELS.MODELS_TRY]: { params: [modelId: string, imagePath: string]; result: ModelTryResult };
  [IPC_CHANNELS.IMAGES_VIEW]: { params: [path: string, variant: ImageVariant]; result: ImageView };
  [IPC_CHANNELS.MLFLOW_RUNS]: { params: [query: MlflowRunsQuery]; result: MlflowRunsResult };
  [IPC_CHANNELS.MLFLOW_EXPERIMENTS]: { params: [uri: string]; result: { experimentId: string; name: string }[] };
  /** Run the exporter's probe in a Python (this one, else the settings'): found? torch? mlflow? */
  [IPC_CHANNELS.PYTHON_CHECK]: { params: [python?: string]; result: PythonCheck };
  /** Read a restoration output folder (batch_summary.json and each model's files). */
  [IPC_CHANNELS.COMPARE_OPEN]: { params: [outputDir: string]; result: CompareSession };
  /**
   * Where the cluster run writing an output folder stands, from its shard manifests
   * (`.loupe-shards/`): per-shard state and progress, missing shards, merged or not. Read only; the
   * folder must be granted. `staleAfterMs`: a running shard silent for longer is flagged stale.
   */
  [IPC_CHANNELS.CLUSTER_STATUS]: {
    params: [outputDir: string, options?: { staleAfterMs?: number }];
    result: ClusterStatus;
  };
  [IPC_CHANNELS.KEYPOINTS_LOAD]: { params: [folder: string]; result: KeypointFolder };
  [IPC_CHANNELS.KEYPOINTS_REVIEW]: { params: [folder: string, action: ReviewAction]; result: ReviewEntry };
  [IPC_CHANNELS.KEYPOINTS_EXPORT]: {
    params: [folder: string, request: ExportRequest];
    result: ExportResult;
  };
  /** A Label Studio export into the folder's human labels (`alignment_labels`). */
  [IPC_CHANNELS.KEYPOINTS_IMPORT]: {
    params: [folder: string, request: LabelStudioImportRequest];
    result: LabelStudioImportResult;
  };
  /** Which label folders an opened folder uses (full paths, chosen or found) and who else uses them. */
  [IPC_CHANNELS.KEYPOINTS_LABEL_DIRS]: { params: [folder: string]; result: FolderLabelDirs };
  /**
   * Choose the label folders of an opened folder (each an existing folder, or null: found by the
   * rule again), remembered in the data folder's label-folders.json; load, reviews and Predict use them.
   */
  [IPC_CHANNELS.KEYPOINTS_CHOOSE_LABEL_DIRS]: {
    params: [folder: string, choice: LabelDirChoice];
    result: FolderLabelDirs;
  };
}

export type IpcParams<C extends IpcChannel> = IpcContract[C]['params'];
export type IpcResult<C extends IpcChannel> = IpcContract[C]['result'];

/** A verb as the renderer sees it. */
export type Verb<C extends IpcChannel> = (...args: IpcParams<C>) => Promise<Result<IpcResult<C>>>;

type NamespaceOf<C extends string> = C extends `${infer N}:${string}` ? N : never;

/** `{ jobs: { submit, cancel, … }, folders: { … }, … }` derived from the channel names. */
export type InvokeApi = {
  [N in NamespaceOf<IpcChannel>]: {
    [C in IpcChannel as C extends `${N}:${infer V}` ? V : never]: Verb<C>;
  };
};

export type AppEvent = EngineEvent | HostEvent;
export type AppEventListener = (event: AppEvent) => void;

/** What differs by host, beside the verbs. */
export interface HostApi {
  host: { kind: HostKind; capabilities: HostCapabilities };
  events: {
    /** Engine and host events; returns an unsubscribe function. */
    subscribe(listener: AppEventListener): () => void;
  };
  images: {
    /** A URL the renderer can load for an image inside an opened folder (or the cache). */
    url(path: string): string;
  };
  files: {
    /** The filesystem path of a dropped file, when the host exposes it (Electron). */
    pathForFile(file: { readonly name: string }): string | null;
  };
}

export type AppApi = InvokeApi & HostApi;
