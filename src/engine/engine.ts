import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { EngineConfig, EngineInfo } from '../shared/engine-protocol';
import type { EngineEvent } from '../shared/events';
import type { ModelInfo } from '../shared/models';
import { availableProviders, planProviders } from '../core/providers';
import { toAppError } from '../core/result';
import { configureSharp } from './images/sharp-codec';
import { JobJournal } from './jobs/journal';
import { JobManager } from './jobs/manager';
import { LabelStore } from './labels/label-store';
import { ModelCatalog } from './models/catalog';
import { tryModel } from './models/try-model';
import { ImageViews } from './images/views';
import { listMlflowExperiments, listMlflowRuns } from './mlflow/listing';
import { detectProviderEnvironment, probeProviders } from './ort/environment';
import { SessionPool } from './ort/session-pool';
import { benchmarkModelRunner } from './runners/benchmark-model';
import { predictKeypointsRunner } from './runners/predict-keypoints';
import { restoreFramesRunner } from './runners/restore-frames';
import { MlflowServerClient } from './mlflow/server-client';
import type { OpenServer } from './restore/sources';
import { recordDecodeFailure, scanImagesRunner } from './runners/scan-images';
import { exportModelsRunner } from './runners/export-models';
import { PythonProbe } from './pytorch/python';
import { onnxCpuRunner } from './pytorch/parity';
import { TorchExporter } from './pytorch/exporter';
import { EngineServer, type EngineHandlers } from './server';
import type { EngineServices } from './services';
import type { Transport } from './transport';

export interface EngineProcess {
  /** Stop: journal running jobs as interrupted, release sessions, then `exit`. */
  shutdown(): Promise<void>;
}

/**
 * Build the engine from its parts and serve it on `transport`. Everything is created here and
 * passed down; nothing lives in module state, so tests can start several engines in one process.
 */
export async function startEngine(
  transport: Transport,
  initial: EngineConfig,
  exit: (code: number) => void,
): Promise<EngineProcess> {
  let config = initial;
  // The engine's one wall clock: the job manager, the runners (through services) and the exporter
  // all read time from it. (Sessions time runs with performance.now(): sub-millisecond, monotonic.)
  const now = (): number => Date.now();
  const startedAt = now();
  const threads = (): number => (config.threads > 0 ? config.threads : availableParallelism());
  configureSharp(threads());
  // The server is created below; events raised before that have nowhere to go anyway.
  let server: EngineServer | null = null;
  const emit = (event: EngineEvent): void => server?.emit(event);
  // Which providers of this build can start here, found once before any model is loaded.
  const probeLog: string[] = [];
  const env = await probeProviders(detectProviderEnvironment(), (p, message) =>
    probeLog.push(`${p} cannot start here: ${message}`),
  );

  const catalog = new ModelCatalog();
  const sessions = new SessionPool({
    env,
    threads,
    now: () => performance.now(),
    onFallback: (model, provider) => {
      emit({ name: 'provider:fallback', payload: { modelId: model.id, provider } });
      emit({
        name: 'log',
        payload: {
          time: now(),
          level: 'warn',
          source: 'ort',
          message: `${model.name} runs on ${provider.active}: ${provider.fallbackReason ?? ''}`,
        },
      });
    },
  });
  const exporter = new TorchExporter({
    script: config.exporterScript,
    cacheDir: () => config.cacheDir,
    probe: new PythonProbe(config.exporterScript),
    settings: () => config.python ?? {},
    runOnnx: onnxCpuRunner(threads),
    threads,
    env: process.env,
    platform: process.platform,
    now,
  });
  const services: EngineServices = {
    config: () => config,
    modelDirs: () => ({ bundled: config.bundledModelsDir, user: config.modelDirs }),
    catalog,
    sessions,
    exporter,
    labels: new LabelStore(),
    ioConcurrency: () => Math.max(2, threads()),
    now,
  };
  const views = new ImageViews({ cacheDir: () => config.cacheDir, thumbnailSize: () => config.thumbnailSize });
  const openServer: OpenServer = (uri, options) =>
    MlflowServerClient.fromEnv(uri, join(config.cacheDir, 'mlflow'), process.env, options);
  const jobs = new JobManager({
    runners: {
      'scan-images': scanImagesRunner(services),
      'benchmark-model': benchmarkModelRunner(services),
      'predict-keypoints': predictKeypointsRunner(services),
      'restore-frames': restoreFramesRunner(services, openServer),
      'export-models': exportModelsRunner(services, openServer),
    },
    journal: new JobJournal(join(config.stateDir, 'jobs')),
    emit,
    now,
  });
  await jobs.restore({ resumeQuit: config.resumeQuitJobs ?? false });

  const info = (): EngineInfo => {
    const { plan, reason } = planProviders(config.device, env);
    return {
      pid: process.pid,
      node: process.versions.node,
      onnxruntime: ort.env.versions.node ?? ort.env.versions.common,
      sharp: sharp.versions.sharp ?? 'unknown',
      platform: env.platform,
      arch: env.arch,
      cpus: availableParallelism(),
      availableProviders: availableProviders(env),
      unusableProviders: env.unusable ?? {},
      plan,
      planReason: reason,
      config,
      startedAt,
    };
  };

  const probe = async (model: ModelInfo, device: EngineConfig['device']): Promise<ModelInfo> => {
    if (model.error) return model;
    try {
      const handle = await sessions.acquire(model, device);
      return { ...model, provider: handle.provider, loadMs: handle.loadMs };
    } catch (e) {
      return { ...model, error: toAppError(e, 'MODEL_LOAD_FAILED') };
    }
  };

  const handlers: EngineHandlers = {
    'engine.info': async () => info(),
    'engine.configure': async (patch) => {
      const before = config;
      config = { ...config, ...patch };
      if (before.device !== config.device || before.threads !== config.threads) {
        await sessions.clear();
        configureSharp(threads());
      }
      return info();
    },
    'models.list': async ({ probe: doProbe, device, dir }) => {
      // One folder's models: what a `folder` source of a run finds there.
      const models = await catalog.list(dir ? { bundled: null, user: [dir] } : services.modelDirs());
      if (!doProbe) return models;
      const out: ModelInfo[] = [];
      for (const m of models) out.push(await probe(m, device ?? config.device));
      return out;
    },
    'models.try': async ({ modelId, imagePath, device }) => {
      const model = await catalog.get(services.modelDirs(), modelId);
      return tryModel(model, imagePath, device ?? config.device, { sessions, cacheDir: config.cacheDir });
    },
    // A file whose header read but whose pixels do not decode fails its scans' items too.
    'images.view': async ({ path, variant }) =>
      views.view(path, variant).catch((e: unknown) => {
        if (variant !== 'proxy') recordDecodeFailure(jobs, path, toAppError(e));
        throw e;
      }),
    'mlflow.runs': async (query) => listMlflowRuns(query, openServer, exporter),
    'python.check': async ({ python, fresh }) => exporter.checkPython(python ? { python } : undefined, fresh === true),
    'mlflow.experiments': async ({ uri }) => listMlflowExperiments(uri),
    // Checked once, by the host's engine client (every host submits through it; requests on a
    // renderer's port are refused by the server).
    'jobs.submit': async (spec) => jobs.submit(spec),
    'jobs.cancel': async ({ jobId }) => jobs.cancel(jobId),
    'jobs.pause': async ({ jobId }) => jobs.pause(jobId),
    'jobs.resume': async ({ jobId }) => jobs.resume(jobId),
    'jobs.remove': async ({ jobId }) => jobs.remove(jobId),
    'jobs.list': async () => jobs.list(),
    'jobs.items': async ({ jobId, offset, limit }) => jobs.items(jobId, offset, limit),
  };

  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await jobs.shutdown();
    await sessions.clear();
    exit(0);
  };

  server = new EngineServer(handlers, () => void shutdown());
  server.attach(transport);
  transport.onClose(() => void shutdown());
  server.announce(transport, info());
  // The raw provider errors, for the log (what Settings shows is the reason in words).
  for (const message of probeLog)
    emit({ name: 'log', payload: { time: now(), level: 'info', source: 'ort', message } });
  return { shutdown };
}
