import type { ModelRunStatus, ModelSource } from '../../shared/jobs';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { MlflowRun, ModelArtifact, RunStatus } from '../../shared/mlflow';
import type { TorchModelKind } from '../../shared/pytorch';
import type { ModelInfo } from '../../shared/models';
import { modelNames, outputFolderName, runEpochAndLoss, safeName } from '../../core/restore/naming';
import { AppFailure, toAppError } from '../../core/result';
import { fileStem } from '../../core/naming';
import { unknownModelReason } from '../../core/models/describe';
import { nestedRunCounts, pytorchFlavor, type LocatedModels } from '../../core/mlflow/run-models';
import type { ModelCatalog, ModelSourceDirs } from '../models/catalog';
import type { MlflowClientOverrides } from '../mlflow/server-client';
import { MlflowFileStore } from '../mlflow/file-store';
import type { TorchSource } from '../pytorch/exporter';
import { sniffTorchFile } from '../pytorch/sniff';
import { parse as parseYaml } from 'yaml';
import { readFile } from 'node:fs/promises';

/** What the batch needs of an MLflow store, file or server. */
export interface MlflowSource {
  readonly uri: string;
  experimentByName(name: string): Promise<{ experimentId: string; name: string } | null>;
  runs(experimentId: string, query: { status?: RunStatus | null; maxResults?: number }): Promise<MlflowRun[]>;
  /** Every model the run holds, where (artifacts, logged models): no weights are downloaded. */
  runModels(run: MlflowRun): Promise<LocatedModels[]>;
  /**
   * The run's model as local files (a server's are downloaded into a cache), or why it has none
   * Loupe can run. `nestedRuns`: how many runs of the experiment name this one as their parent.
   */
  modelArtifact(run: MlflowRun, nestedRuns?: number): Promise<ModelArtifact>;
}

/** One model of the batch, resolved from its source; `failure` when it cannot run. */
export interface ModelCandidate {
  /** The run's or model's own name (metadata.json `run_name`). */
  name: string;
  /** Its name in the batch, unique there (`modelNames`): its output folder and its display name. */
  folderName: string;
  source: string;
  runId: string | null;
  architecture: string | null;
  epoch: number | null;
  loss: number | null;
  run: MlflowRun | null;
  /** The ONNX model, once known (a PyTorch model gets one from its export). */
  model: ModelInfo | null;
  /** A PyTorch model to export to ONNX first. */
  torch: TorchSource | null;
  /** Pad multiple the run recorded (params.pad_multiple), when the model has no manifest. */
  padMultiple: number | null;
  failure: { status: ModelRunStatus; error: string } | null;
}

export interface SourceDeps {
  catalog: ModelCatalog;
  dirs: ModelSourceDirs;
  /** Opens an MLflow tracking server (http[s]); file stores are read directly. */
  openServer: OpenServer;
}

/** A tracking server's client, with a job's own options (the request time limit). */
export type OpenServer = (uri: string, options?: MlflowClientOverrides) => MlflowSource;

export function isServerUri(uri: string): boolean {
  return /^https?:\/\//i.test(uri);
}

/**
 * Every model the sources name, in order, each with its output folder name. Each source fails on
 * its own: one that cannot be read at all (an unreachable or hanging tracking server, no such
 * folder, no such experiment) becomes a candidate with a failure status and the reason (one per
 * run id when the runs were named), and so does a model that cannot be fetched or loaded; the
 * other sources and models still run.
 */
export async function resolveCandidates(sources: readonly ModelSource[], deps: SourceDeps): Promise<ModelCandidate[]> {
  const out: Omit<ModelCandidate, 'folderName'>[] = [];
  for (const source of sources) {
    const found: Omit<ModelCandidate, 'folderName'>[] = [];
    try {
      await resolveSource(source, deps, found);
      out.push(...found);
    } catch (e) {
      // What the source gave before it failed is kept; the rest is one failed entry with the reason.
      out.push(...found, ...sourceFailure(source, e, found));
    }
  }
  const names = modelNames(
    out.map((c) => ({
      base: c.run ? outputFolderName({ name: c.name, epoch: c.epoch, loss: c.loss }) : safeName(c.name),
      source: c.source,
      runId: c.runId,
    })),
  );
  return out.map((c, i) => ({ ...c, folderName: names[i] as string }));
}

/** The candidates that stand for a source (or its missing part) that could not be read. */
function sourceFailure(
  source: ModelSource,
  thrown: unknown,
  found: readonly Omit<ModelCandidate, 'folderName'>[],
): Omit<ModelCandidate, 'folderName'>[] {
  const error = toAppError(thrown);
  // Nothing there to run (no such folder, experiment, run or id) is skipped; a server or file
  // that could not be read is download_failed (MLflow) or load_failed; a PyTorch file Loupe
  // does not know is unsupported_format.
  const status: ModelRunStatus =
    error.code === 'NOT_FOUND'
      ? 'skipped'
      : error.code === 'UNSUPPORTED'
        ? 'unsupported_format'
        : source.type === 'mlflow'
          ? 'download_failed'
          : 'load_failed';
  const entry = (name: string, label: string, runId: string | null): Omit<ModelCandidate, 'folderName'> =>
    failedCandidate(name, label, runId, { status, error: error.message });
  switch (source.type) {
    case 'mlflow': {
      const label = `mlflow:${source.uri}`;
      const done = new Set(found.map((c) => c.runId));
      const missing = (source.runIds ?? []).filter((id) => !done.has(id));
      if (missing.length > 0) return missing.map((id) => entry(id, label, id));
      return [entry(`${source.experiment} (${source.uri})`, label, null)];
    }
    case 'folder':
      return [entry(source.dir, `folder:${source.dir}`, null)];
    case 'torch':
      return [entry(source.name ?? basename(source.path), `torch:${source.path}`, null)];
    case 'models':
      return [entry(source.ids.join(', '), 'models', null)];
    case 'bundled':
      return [entry('bundled models', 'bundled', null)];
  }
}

/** The candidates of one source, pushed to `out` as they are found; throws when it cannot be read. */
async function resolveSource(
  source: ModelSource,
  deps: SourceDeps,
  out: Omit<ModelCandidate, 'folderName'>[],
): Promise<void> {
  const fromModel = (model: ModelInfo, source: string): Omit<ModelCandidate, 'folderName'> => ({
    name: model.manifest?.id ?? model.id,
    source,
    runId: null,
    architecture: model.manifest?.architecture ?? null,
    epoch: null,
    loss: null,
    run: null,
    model,
    torch: null,
    padMultiple: null,
    failure: model.error
      ? { status: 'load_failed', error: model.error.message }
      : model.task === 'unknown'
        ? {
            status: 'unsupported_format',
            error: `Loupe cannot tell what ${model.name} is: ${unknownModelReason(model) ?? 'no model.json says'}`,
          }
        : model.task !== 'restoration'
          ? { status: 'skipped', error: `a ${model.task} model, not a restoration model` }
          : null,
  });
  switch (source.type) {
    case 'folder': {
      const models = await deps.catalog.list({ bundled: null, user: [source.dir] });
      if (models.length === 0)
        throw new AppFailure('NOT_FOUND', `no .onnx models in ${source.dir}`, { path: source.dir });
      for (const m of models) out.push(fromModel(m, `folder:${source.dir}`));
      break;
    }
    case 'bundled': {
      const models = (await deps.catalog.list({ bundled: deps.dirs.bundled, user: [] })).filter(
        (m) => m.task === 'restoration',
      );
      for (const m of models) out.push(fromModel(m, 'bundled'));
      break;
    }
    case 'models': {
      const all = await deps.catalog.list(deps.dirs);
      for (const id of source.ids) {
        const m = all.find((x) => x.id === id);
        if (m) out.push(fromModel(m, m.source));
        else out.push(failedCandidate(id, 'models', null, { status: 'skipped', error: `no model with id "${id}"` }));
      }
      break;
    }
    case 'torch': {
      const torch = await torchSourceAt(source.path, source.name, source.architecture ?? null);
      out.push({
        name: torch.name,
        source: `torch:${source.path}`,
        runId: null,
        architecture: torch.architecture,
        epoch: null,
        loss: null,
        run: null,
        model: null,
        torch,
        padMultiple: null,
        failure: null,
      });
      break;
    }
    case 'mlflow': {
      const store: MlflowSource = isServerUri(source.uri)
        ? deps.openServer(source.uri, source.timeoutSec !== undefined ? { timeoutMs: source.timeoutSec * 1000 } : {})
        : new MlflowFileStore(source.uri);
      const exp = await store.experimentByName(source.experiment);
      if (!exp) throw new AppFailure('NOT_FOUND', `no experiment "${source.experiment}" in ${source.uri}`);
      const status = source.status === undefined ? 'FINISHED' : source.status;
      const listed = await store.runs(exp.experimentId, {
        status: source.runIds ? null : status,
        ...(source.maxRuns !== undefined && !source.runIds ? { maxResults: source.maxRuns } : {}),
      });
      const nested = nestedRunCounts(listed);
      const runs = source.runIds ? source.runIds.map((id) => listed.find((r) => r.runId === id) ?? id) : listed;
      for (const run of runs) {
        if (typeof run === 'string') {
          out.push(
            failedCandidate(run, `mlflow:${source.uri}`, run, {
              status: 'skipped',
              error: `no run ${run} in experiment "${source.experiment}"`,
            }),
          );
          continue;
        }
        const { epoch, loss } = runEpochAndLoss(run);
        const pad = Number(run.params.pad_multiple);
        const base = {
          name: run.runName,
          source: `mlflow:${source.uri}`,
          runId: run.runId,
          architecture: run.params.architecture ?? run.tags.architecture ?? null,
          epoch,
          loss,
          run,
          padMultiple: Number.isInteger(pad) && pad > 0 ? pad : null,
        };
        let artifact: ModelArtifact;
        try {
          artifact = await store.modelArtifact(run, nested.get(run.runId) ?? 0);
        } catch (e) {
          // Listing or fetching failed (the server, the network): nothing was downloaded.
          artifact = { ok: false, status: 'download_failed', reason: (e as Error).message };
        }
        if (!artifact.ok) {
          out.push({
            ...base,
            model: null,
            torch: null,
            failure: { status: artifact.status, error: artifact.reason },
          });
          continue;
        }
        if (artifact.kind !== 'onnx') {
          out.push({
            ...base,
            model: null,
            torch: torchSourceOfRun(run, { ...artifact, kind: artifact.kind }),
            failure: null,
          });
          continue;
        }
        const model = await deps.catalog.describe(artifact.path, 'user');
        out.push({
          ...base,
          model,
          torch: null,
          failure: model.error ? { status: 'load_failed', error: model.error.message } : null,
        });
      }
      break;
    }
  }
}

/** A candidate that cannot run: a model the source names that is not there, or a source that failed. */
function failedCandidate(
  name: string,
  source: string,
  runId: string | null,
  failure: { status: ModelRunStatus; error: string },
): Omit<ModelCandidate, 'folderName'> {
  return {
    name,
    source,
    runId,
    architecture: null,
    epoch: null,
    loss: null,
    run: null,
    model: null,
    torch: null,
    padMultiple: null,
    failure,
  };
}

/** What the exporter needs of a run's PyTorch model. */
export function torchSourceOfRun(
  run: MlflowRun,
  artifact: Extract<ModelArtifact, { ok: true }> & { kind: TorchModelKind },
): TorchSource {
  const pad = Number(run.params.pad_multiple);
  return {
    kind: artifact.kind,
    path: artifact.path,
    flavor: artifact.flavor,
    name: run.runName,
    runId: run.runId,
    artifactPath: artifact.artifactPath,
    params: run.params,
    architecture: run.params.architecture ?? run.tags.architecture ?? null,
    padMultiple: Number.isInteger(pad) && pad > 0 ? pad : null,
  };
}

/**
 * A PyTorch model on disk: a file (TorchScript, checkpoint, pickled module) or an MLflow model
 * folder (with its MLmodel).
 */
export async function torchSourceAt(
  path: string,
  name: string | undefined,
  architecture: string | null,
): Promise<TorchSource> {
  const st = await stat(path).catch(() => null);
  if (!st) throw new AppFailure('NOT_FOUND', `no PyTorch model at ${path}`, { path });
  let kind: TorchModelKind;
  let flavor: TorchSource['flavor'] = null;
  if (st.isDirectory()) {
    const text = await readFile(join(path, 'MLmodel'), 'utf8').catch(() => null);
    flavor = text ? pytorchFlavor((parseYaml(text) as Record<string, unknown>) ?? {}) : null;
    if (!flavor)
      throw new AppFailure('UNSUPPORTED', `${path} is a folder without an MLmodel of the pytorch flavor`, { path });
    kind = 'mlflow-pytorch';
  } else kind = await sniffTorchFile(path);
  return {
    kind,
    path,
    flavor,
    name: name ?? (st.isDirectory() ? basename(path) : fileStem(basename(path))),
    runId: null,
    artifactPath: null,
    params: {},
    architecture,
    padMultiple: null,
  };
}
