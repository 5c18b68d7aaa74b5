import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { EngineConfig } from '../shared/engine-protocol';
import type { HostKind } from '../shared/ipc';
import type { Settings } from '../shared/settings';
import { pythonOptionsOf } from '../core/settings';
import { LabelStore } from '../engine/labels/label-store';
import { EngineClient, type EngineChild, type SpawnEngine } from './engine-client';
import { FolderGrants } from './folder-grants';
import { appVerbs, SAMPLES_LABEL } from './handlers/app';
import type { HandlerDeps } from './handlers/common';
import { compareVerbs } from './handlers/compare';
import { clusterVerbs } from './handlers/cluster';
import { foldersVerbs } from './handlers/folders';
import { imagesVerbs } from './handlers/images';
import { jobsVerbs } from './handlers/jobs';
import { keypointsVerbs } from './handlers/keypoints';
import { mlflowVerbs } from './handlers/mlflow';
import { modelsVerbs } from './handlers/models';
import { pythonVerbs } from './handlers/python';
import { settingsVerbs } from './handlers/settings';
import { createImageHandler, type ImageHandler } from './image-handler';
import { LABEL_DIR_CHOICES_FILE, LabelFolders } from './label-dirs';
import { SettingsStore } from './settings-store';
import { bindVerbs, silentLogger, type HostLogger, type HostVerbs, type IpcHandlers } from './verb';

export interface HostPaths {
  /** Settings and the job journal. */
  dataDir: string;
  /** Thumbnails and other derived files (safe to delete). */
  cacheDir: string;
  /** resources/ of the checkout or the packaged app. */
  resourcesDir: string;
}

export interface HostOptions {
  kind: HostKind;
  name: string;
  version: string;
  paths: HostPaths;
  spawn: SpawnEngine;
  /** Model folders added for this run only (CLI --models-dir), besides the settings' folders. */
  extraModelDirs?: string[];
  /** Device for this run only (CLI --device). */
  device?: Settings['device'];
  chooseFolder?: (options: { title?: string }) => Promise<string | null>;
  onChild?: (child: EngineChild) => void;
  /** An interactive host: jobs running when the app quit continue when it starts again. */
  resumeQuitJobs?: boolean;
  /** Where the verbs report their times and failures (default: nowhere). */
  logger?: HostLogger;
}

export interface Host {
  engine: EngineClient;
  settings: SettingsStore;
  grants: FolderGrants;
  handlers: IpcHandlers;
  images: ImageHandler;
  stop(): Promise<void>;
}

/**
 * Wire one host (Electron main, the web host, a CLI command): settings, folder grants, the
 * engine client and the verbs (src/host/handlers, one module per namespace, each bound through
 * the one verb wrapper). Each host adds only its own glue around this.
 */
export async function createHost(options: HostOptions): Promise<Host> {
  const { paths } = options;
  await mkdir(paths.dataDir, { recursive: true });
  await mkdir(paths.cacheDir, { recursive: true });
  const settings = new SettingsStore(join(paths.dataDir, 'settings.json'));
  const grants = new FolderGrants();
  await grants.add(paths.cacheDir);
  const samplesDir = join(paths.resourcesDir, 'samples');

  // Command-line overrides (--device, --models-dir) hold for this run, over the settings.
  const engineConfig = (s: Settings): EngineConfig => ({
    device: options.device ?? s.device,
    threads: s.threads,
    workers: s.workers,
    modelDirs: [...s.modelDirs, ...(options.extraModelDirs ?? [])],
    namingPattern: s.namingPattern,
    thumbnailSize: s.thumbnailSize,
    bundledModelsDir: join(paths.resourcesDir, 'models'),
    exporterScript: join(paths.resourcesDir, 'python', 'loupe_export.py'),
    python: pythonOptionsOf(s.python),
    stateDir: paths.dataDir,
    cacheDir: paths.cacheDir,
    resumeQuitJobs: options.resumeQuitJobs ?? false,
  });
  await settings.get();
  const engine = new EngineClient({
    spawn: options.spawn,
    // A (re)started engine gets the settings as they are then.
    config: () => engineConfig(settings.peek()),
    ...(options.onChild ? { onChild: options.onChild } : {}),
  });
  const labels = new LabelStore();
  const deps: HandlerDeps = {
    engine,
    settings,
    grants,
    labels,
    labelFolders: new LabelFolders(join(paths.dataDir, LABEL_DIR_CHOICES_FILE), labels),
    host: {
      kind: options.kind,
      name: options.name,
      version: options.version,
      dataDir: paths.dataDir,
      cacheDir: paths.cacheDir,
    },
    ...(options.chooseFolder ? { chooseFolder: options.chooseFolder } : {}),
    places: () => (existsSync(samplesDir) ? [{ label: SAMPLES_LABEL, path: samplesDir }] : []),
    engineConfig,
    now: () => new Date(),
  };
  const handlers = bindVerbs(hostVerbs(deps), {
    logger: options.logger ?? silentLogger,
    now: () => performance.now(),
  });
  return {
    engine,
    settings,
    grants,
    handlers,
    images: createImageHandler(grants),
    stop: () => engine.stop(),
  };
}

/** Every verb of the contract, one module per namespace. */
function hostVerbs(deps: HandlerDeps): HostVerbs {
  return {
    ...appVerbs(deps),
    ...settingsVerbs(deps),
    ...foldersVerbs(deps),
    ...modelsVerbs(deps),
    ...imagesVerbs(deps),
    ...mlflowVerbs(deps),
    ...pythonVerbs(deps),
    ...compareVerbs(deps),
    ...clusterVerbs(deps),
    ...keypointsVerbs(deps),
    ...jobsVerbs(deps),
  };
}

/** Where the CLI and the web host keep their data: $LOUPE_DATA_DIR, else the platform's config folder. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: string = process.platform): string {
  if (env.LOUPE_DATA_DIR) return env.LOUPE_DATA_DIR;
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Loupe');
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Loupe');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Loupe');
}
