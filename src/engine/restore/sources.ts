import type { ModelRunStatus, ModelSource } from '../../shared/jobs';
import type { MlflowRun, ModelArtifact } from '../../shared/mlflow';
import type { ModelInfo } from '../../shared/models';
import { outputFolderName, runEpochAndLoss, safeName, uniqueNames } from '../../core/restore/naming';
import { AppFailure } from '../../core/result';
import type { ModelCatalog, ModelSourceDirs } from '../models/catalog';
import { MlflowFileStore } from '../mlflow/file-store';

/** What the batch needs of an MLflow store, file or server. */
export interface MlflowSource {
  readonly uri: string;
  experimentByName(name: string): Promise<{ experimentId: string; name: string } | null>;
  runs(experimentId: string, query: { status?: MlflowRun['status'] | null; maxResults?: number }): Promise<MlflowRun[]>;
  /** The run's ONNX model as a local file (a server's is downloaded into a cache). */
  modelArtifact(run: MlflowRun): Promise<ModelArtifact>;
}

/** One model of the batch, resolved from its source; `failure` when it cannot run. */
export interface ModelCandidate {
  name: string;
  folderName: string;
  source: string;
  runId: string | null;
  architecture: string | null;
  epoch: number | null;
  loss: number | null;
  run: MlflowRun | null;
  model: ModelInfo | null;
  /** Pad multiple the run recorded (params.pad_multiple), when the model has no manifest. */
  padMultiple: number | null;
  failure: { status: ModelRunStatus; error: string } | null;
}

export interface SourceDeps {
  catalog: ModelCatalog;
  dirs: ModelSourceDirs;
  /** Opens an MLflow tracking server (http[s]); file stores are read directly. */
  openServer: (uri: string) => MlflowSource;
}

export function isServerUri(uri: string): boolean {
  return /^https?:\/\//i.test(uri);
}

/**
 * Every model the sources name, in order, each with its output folder name. A source that cannot
 * be read at all (no such folder, no such experiment) fails the batch; a model that cannot be
 * fetched or loaded is a candidate with a failure status, and the batch goes on.
 */
export async function resolveCandidates(sources: readonly ModelSource[], deps: SourceDeps): Promise<ModelCandidate[]> {
  const out: Omit<ModelCandidate, 'folderName'>[] = [];
  const fromModel = (model: ModelInfo, source: string): Omit<ModelCandidate, 'folderName'> => ({
    name: model.manifest?.id ?? model.id,
    source,
    runId: null,
    architecture: model.manifest?.architecture ?? null,
    epoch: null,
    loss: null,
    run: null,
    model,
    padMultiple: null,
    failure: model.error
      ? { status: 'load_failed', error: model.error.message }
      : model.task !== 'restoration'
        ? { status: 'skipped', error: `a ${model.task} model, not a restoration model` }
        : null,
  });
  for (const source of sources) {
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
          if (!m) throw new AppFailure('NOT_FOUND', `no model with id "${id}"`);
          out.push(fromModel(m, m.source));
        }
        break;
      }
      case 'mlflow': {
        const store: MlflowSource = isServerUri(source.uri)
          ? deps.openServer(source.uri)
          : new MlflowFileStore(source.uri);
        const exp = await store.experimentByName(source.experiment);
        if (!exp) throw new AppFailure('NOT_FOUND', `no experiment "${source.experiment}" in ${source.uri}`);
        const status = source.status === undefined ? 'FINISHED' : source.status;
        const listed = await store.runs(exp.experimentId, {
          status: source.runIds ? null : status,
          ...(source.maxRuns !== undefined && !source.runIds ? { maxResults: source.maxRuns } : {}),
        });
        const runs = source.runIds
          ? source.runIds.map((id) => {
              const run = listed.find((r) => r.runId === id);
              if (!run) throw new AppFailure('NOT_FOUND', `no run ${id} in experiment "${source.experiment}"`);
              return run;
            })
          : listed;
        for (const run of runs) {
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
            artifact = await store.modelArtifact(run);
          } catch (e) {
            artifact = { ok: false, reason: (e as Error).message };
          }
          if (!artifact.ok) {
            // A run that failed or was killed never produced a model: listed (when the status
            // filter asks for it) and skipped. A finished run without its model failed to download.
            const ended = run.status === 'FAILED' || run.status === 'KILLED';
            out.push({
              ...base,
              model: null,
              failure: ended
                ? { status: 'skipped', error: `run ${run.status.toLowerCase()}: ${artifact.reason}` }
                : { status: 'download_failed', error: artifact.reason },
            });
            continue;
          }
          const model = await deps.catalog.describe(artifact.path, 'user');
          out.push({
            ...base,
            model,
            failure: model.error ? { status: 'load_failed', error: model.error.message } : null,
          });
        }
        break;
      }
    }
  }
  const names = uniqueNames(
    out.map((c) => (c.run ? outputFolderName({ name: c.name, epoch: c.epoch, loss: c.loss }) : safeName(c.name))),
  );
  return out.map((c, i) => ({ ...c, folderName: names[i] as string }));
}
