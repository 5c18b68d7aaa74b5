import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, parse, resolve } from 'node:path';
import type { EngineConfig } from '../shared/engine-protocol';
import type {
  AppInfo,
  DirEntry,
  DirListing,
  HostKind,
  IpcChannel,
  IpcParams,
  IpcResult,
  OpenedFolder,
} from '../shared/ipc';
import type { Result } from '../shared/result';
import { KEYPOINT_NAMES } from '../shared/labels';
import type { Settings } from '../shared/settings';
import { isIpcChannel } from '../core/contract/invoke-api';
import { isImageFileName } from '../core/naming';
import { withRecentFolder } from '../core/settings';
import { AppFailure, err, toAppError, unwrap } from '../core/result';
import { listImages } from '../engine/images/list-images';
import type { LabelStore } from '../engine/labels/label-store';
import { readCompareSession } from '../engine/restore/compare-session';
import { importIntoFolder } from './label-studio-import';
import { applyReview, exportReviewed, loadKeypointFolder } from './keypoint-folder';
import { findLabelDirs } from './label-dirs';
import { requireJobGrants } from './job-grants';
import type { EngineClient } from './engine-client';
import type { FolderGrants } from './folder-grants';
import type { SettingsStore } from './settings-store';

export type IpcHandlers = {
  [C in IpcChannel]: (...args: IpcParams<C>) => Promise<IpcResult<C>>;
};

export interface AppServiceDeps {
  engine: EngineClient;
  settings: SettingsStore;
  grants: FolderGrants;
  /** The host's one writer of label files (reviews from every window go through it). */
  labels: LabelStore;
  host: { kind: HostKind; name: string; version: string; dataDir: string; cacheDir: string };
  /** Native folder dialog (Electron); absent in the web host. */
  chooseFolder?: (options: { title?: string }) => Promise<string | null>;
  /** Extra starting points for the folder browser (e.g. the bundled samples). */
  places?: () => { label: string; path: string }[];
  /** The engine configuration that follows from the settings (plus the host's own overrides). */
  engineConfig: (settings: Settings) => EngineConfig;
}

const MAX_LISTING = 5000;
/** The place the bundled samples are offered under (see createHost). */
export const SAMPLES_LABEL = 'Loupe samples';
const COUNT_LIMIT = 100_000;

/**
 * Every verb of the renderer contract, implemented once over the engine client, the settings
 * store and the folder grants. Electron's ipcMain and the web host's HTTP route both call these.
 */
export function createAppService(deps: AppServiceDeps): IpcHandlers {
  const engine = async <T>(r: Promise<Result<T>>): Promise<T> => unwrap(await r);
  const jobRef = (jobId: unknown): { jobId: string } => {
    if (typeof jobId !== 'string' || !jobId) throw new AppFailure('INVALID_ARGUMENT', 'a job id is required');
    return { jobId };
  };

  return {
    'app:info': async (): Promise<AppInfo> => {
      const info = deps.engine.info ?? (await deps.engine.start().catch(() => null));
      return {
        name: deps.host.name,
        version: deps.host.version,
        host: deps.host.kind,
        platform: process.platform,
        arch: process.arch,
        dataDir: deps.host.dataDir,
        cacheDir: deps.host.cacheDir,
        samplesDir: deps.places?.().find((p) => p.label === SAMPLES_LABEL)?.path ?? null,
        engineState: deps.engine.state,
        engine: info,
        warnings: deps.settings.warnings(),
      };
    },
    'settings:get': () => deps.settings.get(),
    'settings:update': async (patch) => {
      const next = unwrap(await deps.settings.update(patch));
      await engine(deps.engine.request('engine.configure', deps.engineConfig(next)));
      return next;
    },
    'folders:choose': async (options) => {
      if (!deps.chooseFolder)
        throw new AppFailure('UNSUPPORTED', 'this host has no folder dialog; type a path instead');
      return deps.chooseFolder(options ?? {});
    },
    'folders:open': async (path) => {
      const folder = await requireFolder(path);
      await deps.grants.add(folder);
      // Remembered for this run even where settings.json is not written (app:info says why).
      await deps.settings.replace(withRecentFolder(await deps.settings.get(), folder)).catch((e: unknown) => {
        if (deps.settings.saves) throw e;
      });
      return describeFolder(folder);
    },
    'folders:list': async (path) => {
      const settings = await deps.settings.get();
      const folder = path === null || path === '' ? homedir() : await requireFolder(path);
      return listFolder(folder, [
        { label: 'Home', path: homedir() },
        ...(deps.places?.() ?? []),
        ...settings.recentFolders.map((p) => ({ label: basename(p) || p, path: p })),
      ]);
    },
    'models:list': async (options) => engine(deps.engine.request('models.list', { probe: options?.probe === true })),
    'models:try': async (modelId, imagePath) => {
      if (typeof modelId !== 'string' || typeof imagePath !== 'string' || !isAbsolute(imagePath)) {
        throw new AppFailure('INVALID_ARGUMENT', 'a model id and an absolute image path are required');
      }
      // The engine copies the image (and the model's output) into the granted cache: only an
      // image the user opened may be tried.
      const granted = await deps.grants.require(imagePath, { kind: 'file' });
      return engine(deps.engine.request('models.try', { modelId, imagePath: granted }));
    },
    'images:view': async (path, variant) => {
      if (typeof path !== 'string' || !isAbsolute(path) || !['preview', 'full', 'proxy'].includes(variant)) {
        throw new AppFailure(
          'INVALID_ARGUMENT',
          'an absolute image path and a variant (preview | full | proxy) are required',
        );
      }
      const resolved = await deps.grants.require(path, { kind: 'file' });
      return engine(deps.engine.request('images.view', { path: resolved, variant }));
    },
    'mlflow:runs': async (query) => {
      if (typeof query !== 'object' || query === null || typeof query.uri !== 'string' || !query.uri.trim()) {
        throw new AppFailure('INVALID_ARGUMENT', 'an MLflow tracking URI (a mlruns folder or http[s] URL) is required');
      }
      if (typeof query.experiment !== 'string' || !query.experiment.trim()) {
        throw new AppFailure('INVALID_ARGUMENT', 'an experiment name is required');
      }
      return engine(deps.engine.request('mlflow.runs', query));
    },
    'mlflow:experiments': async (uri) => {
      if (typeof uri !== 'string' || !uri.trim())
        throw new AppFailure('INVALID_ARGUMENT', 'a tracking URI is required');
      return engine(deps.engine.request('mlflow.experiments', { uri }));
    },
    'python:check': async (python) => {
      if (python !== undefined && (typeof python !== 'string' || !python.trim()))
        throw new AppFailure('INVALID_ARGUMENT', 'a Python is a path or a command name');
      return engine(deps.engine.request('python.check', { ...(python ? { python: python.trim() } : {}), fresh: true }));
    },
    'compare:open': async (outputDir) => {
      // Opening the output folder is the user's act and grants it. The folders its
      // batch_summary.json names (frames, ground truth, models' outputs) are read only when the
      // user opened them too or they lie inside it; the others come back in `ungranted`.
      const folder = await requireFolder(outputDir);
      await deps.grants.add(folder);
      return readCompareSession(folder, (dir) => deps.grants.has(dir));
    },
    'keypoints:load': async (folder) =>
      loadKeypointFolder(await requireGranted(deps.grants, folder), (await deps.settings.get()).namingPattern),
    'keypoints:review': async (folder, action) => {
      const settings = await deps.settings.get();
      if (typeof action !== 'object' || action === null || typeof action.imageKey !== 'string') {
        throw new AppFailure('INVALID_ARGUMENT', 'a review action needs an image key');
      }
      if (action.kind === 'accept' && !validKeypoints(action.coords)) {
        throw new AppFailure('INVALID_ARGUMENT', 'an accept needs the five keypoints as finite [x, y] pairs');
      }
      if (!['accept', 'reject', 'unreject'].includes(action.kind))
        throw new AppFailure('INVALID_ARGUMENT', `unknown review ${String(action.kind)}`);
      return applyReview(
        deps.labels,
        await requireGranted(deps.grants, folder),
        settings.namingPattern,
        action,
        settings.reviewer,
        () => new Date(),
      );
    },
    'keypoints:export': async (folder, request) => {
      if (
        !request ||
        !['coco', 'yolo-pose'].includes(request.format) ||
        typeof request.out !== 'string' ||
        !isAbsolute(request.out)
      ) {
        throw new AppFailure(
          'INVALID_ARGUMENT',
          'an export needs a format (coco, yolo-pose) and an absolute output path',
        );
      }
      if (request.overwrite !== undefined && typeof request.overwrite !== 'boolean')
        throw new AppFailure('INVALID_ARGUMENT', 'overwrite must be true or false');
      const images = await requireGranted(deps.grants, folder);
      if (request.overwrite !== true) await refuseExisting(request.out, request.format);
      return exportReviewed(images, (await deps.settings.get()).namingPattern, request, () => new Date());
    },
    'keypoints:import': async (folder, request) => {
      if (!request || typeof request.input !== 'string' || !isAbsolute(request.input))
        throw new AppFailure('INVALID_ARGUMENT', 'an import needs the absolute path of a Label Studio export');
      for (const key of ['allowPartial', 'predictions', 'merge'] as const) {
        if (request[key] !== undefined && typeof request[key] !== 'boolean')
          throw new AppFailure('INVALID_ARGUMENT', `${key} must be true or false`);
      }
      if (request.labelMap !== undefined && typeof request.labelMap !== 'string')
        throw new AppFailure('INVALID_ARGUMENT', 'labelMap must be text like Top=top,Center=center');
      // Labels are written into the opened folder's label folder; the export is a file the user named.
      const images = await requireGranted(deps.grants, folder);
      return importIntoFolder(images, request, {
        store: deps.labels,
        namingPattern: (await deps.settings.get()).namingPattern,
        now: () => new Date(),
      });
    },
    // The spec is checked once, by the engine client (the door every host's jobs pass), and its
    // folders against the grants before it leaves.
    'jobs:submit': async (spec) => engine(deps.engine.submitJob(spec, (valid) => requireJobGrants(valid, deps.grants))),
    'jobs:cancel': async (jobId) => engine(deps.engine.request('jobs.cancel', jobRef(jobId))),
    'jobs:pause': async (jobId) => engine(deps.engine.request('jobs.pause', jobRef(jobId))),
    'jobs:resume': async (jobId) => engine(deps.engine.request('jobs.resume', jobRef(jobId))),
    'jobs:remove': async (jobId) => engine(deps.engine.request('jobs.remove', jobRef(jobId))),
    'jobs:list': async () => engine(deps.engine.request('jobs.list', null)),
    'jobs:items': async (jobId, offset, limit) => {
      if (!Number.isInteger(offset) || !Number.isInteger(limit) || offset < 0 || limit < 0) {
        throw new AppFailure('INVALID_ARGUMENT', 'offset and limit must be non-negative integers');
      }
      return engine(deps.engine.request('jobs.items', { ...jobRef(jobId), offset, limit }));
    },
  };
}

/**
 * Call one verb by channel name with untrusted arguments; always resolves to a Result.
 */
export async function invokeHandler(handlers: IpcHandlers, channel: unknown, args: unknown): Promise<Result<unknown>> {
  if (!isIpcChannel(channel)) return err('INVALID_ARGUMENT', `unknown verb ${JSON.stringify(channel)}`);
  if (!Array.isArray(args)) return err('INVALID_ARGUMENT', 'arguments must be a list');
  try {
    const handler = handlers[channel] as (...a: unknown[]) => Promise<unknown>;
    return { ok: true, value: await handler(...args) };
  } catch (e) {
    return { ok: false, error: toAppError(e) };
  }
}

async function requireFolder(path: unknown): Promise<string> {
  if (typeof path !== 'string' || !path.trim()) throw new AppFailure('INVALID_ARGUMENT', 'a folder path is required');
  const expanded = path.trim().replace(/^~(?=$|[\\/])/, homedir());
  if (!isAbsolute(expanded)) throw new AppFailure('INVALID_ARGUMENT', `not an absolute path: ${path}`);
  const folder = resolve(expanded);
  const st = await stat(folder).catch(() => null);
  if (!st) throw new AppFailure('NOT_FOUND', `no such folder: ${folder}`, { path: folder });
  if (!st.isDirectory()) throw new AppFailure('INVALID_ARGUMENT', `not a folder: ${folder}`, { path: folder });
  return folder;
}

/** An existing folder the user opened (or inside one); the path as given, resolved. */
async function requireGranted(grants: FolderGrants, path: unknown): Promise<string> {
  const folder = await requireFolder(path);
  await grants.require(folder, { kind: 'folder' });
  return folder;
}

/**
 * An export never replaces what is there unless the request says so: a COCO file that exists, or
 * a YOLO-pose folder that is not empty (its labels/ and dataset.yaml would be overwritten).
 */
async function refuseExisting(out: string, format: 'coco' | 'yolo-pose'): Promise<void> {
  const st = await stat(out).catch(() => null);
  if (!st) return;
  if (format === 'yolo-pose' && st.isDirectory() && (await readdir(out)).length === 0) return;
  throw new AppFailure('ALREADY_EXISTS', `${out} already exists; export again with overwrite to replace it`, {
    path: out,
  });
}

async function describeFolder(folder: string): Promise<OpenedFolder> {
  const images = await listImages(folder, true, COUNT_LIMIT);
  const labels = await findLabelDirs(folder);
  return {
    path: folder,
    name: basename(folder) || folder,
    imageCount: images.length,
    labelDirs: {
      human: labels.human.found ? labels.human.path : null,
      predicted: labels.predicted.found ? labels.predicted.path : null,
    },
  };
}

async function listFolder(folder: string, places: DirListing['places']): Promise<DirListing> {
  const dirents = await readdir(folder, { withFileTypes: true }).catch((e: unknown) => {
    throw new AppFailure(
      toAppError(e).code === 'PERMISSION_DENIED' ? 'PERMISSION_DENIED' : 'IO_ERROR',
      `cannot read ${folder}`,
      {
        path: folder,
      },
    );
  });
  const entries: DirEntry[] = [];
  for (const d of dirents) {
    if (d.name.startsWith('.')) continue;
    const isDir =
      d.isDirectory() ||
      (d.isSymbolicLink() && (await stat(join(folder, d.name)).catch(() => null))?.isDirectory() === true);
    const image = !isDir && isImageFileName(d.name);
    if (!isDir && !image) continue;
    entries.push({ name: d.name, path: join(folder, d.name), kind: isDir ? 'dir' : 'file', image });
  }
  entries.sort((a, b) =>
    a.kind === b.kind ? a.name.localeCompare(b.name, undefined, { numeric: true }) : a.kind === 'dir' ? -1 : 1,
  );
  const root = parse(folder).root;
  const seen = new Set<string>();
  return {
    path: folder,
    parent: folder === root ? null : dirname(folder),
    entries: entries.slice(0, MAX_LISTING),
    truncated: Math.max(0, entries.length - MAX_LISTING),
    places: places.filter((p) => !seen.has(p.path) && seen.add(p.path)),
  };
}

function validKeypoints(k: unknown): boolean {
  if (typeof k !== 'object' || k === null) return false;
  return KEYPOINT_NAMES.every((n) => {
    const p = (k as Record<string, unknown>)[n];
    return Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && Number.isFinite(v));
  });
}
