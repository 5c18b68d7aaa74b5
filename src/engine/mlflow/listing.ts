import type { MlflowRun, MlflowRunListing, MlflowRunsQuery, MlflowRunsResult } from '../../shared/mlflow';
import type { ExportPlan } from '../../shared/pytorch';
import { chooseRunModel, describeFound, nestedRunCounts } from '../../core/mlflow/run-models';
import { AppFailure } from '../../core/result';
import type { TorchExporter } from '../pytorch/exporter';
import { isServerUri, torchSourceOfRun, type MlflowSource, type OpenServer } from '../restore/sources';
import { MlflowFileStore } from './file-store';

/**
 * The runs of an experiment for the app to choose from, with their params, latest metrics, the
 * model each holds and what a batch will do with it: run the ONNX file, use a cached export,
 * export the PyTorch model, or nothing and why. A server's runs are classified from their
 * artifact listings and MLmodel files; no weights are downloaded to list them.
 */
export async function listMlflowRuns(
  query: MlflowRunsQuery,
  openServer: OpenServer,
  exporter: TorchExporter,
): Promise<MlflowRunsResult> {
  const server = isServerUri(query.uri);
  const store: MlflowSource = server ? openServer(query.uri) : new MlflowFileStore(query.uri);
  const exp = await store.experimentByName(query.experiment);
  if (!exp) throw new AppFailure('NOT_FOUND', `no experiment "${query.experiment}" in ${query.uri}`);
  const runs = await store.runs(exp.experimentId, {
    status: query.status === undefined ? null : query.status,
    ...(query.maxRuns !== undefined ? { maxResults: query.maxRuns } : {}),
  });
  const nested = nestedRunCounts(runs);
  const out: MlflowRunListing[] = [];
  for (const run of runs) {
    out.push({ ...run, model: await describeRunModel(store, run, nested.get(run.runId) ?? 0, exporter, server) });
  }
  return { experiment: { experimentId: exp.experimentId, name: exp.name }, runs: out };
}

async function describeRunModel(
  store: MlflowSource,
  run: MlflowRun,
  nestedRuns: number,
  exporter: TorchExporter,
  server: boolean,
): Promise<MlflowRunListing['model']> {
  const none = { what: null, kind: null, plan: null, others: [] };
  let choice;
  try {
    choice = chooseRunModel(await store.runModels(run), run, nestedRuns);
  } catch (e) {
    return { ...none, ok: false, reason: (e as Error).message, status: 'download_failed' };
  }
  if (!choice.ok) return { ...none, ok: false, reason: choice.reason, status: choice.status };
  const model = choice.model;
  const others = choice.others.map(describeFound);
  const what = describeFound(model);
  if (model.kind === 'onnx') return { ok: true, reason: null, what, kind: 'onnx', plan: null, status: null, others };
  let plan: ExportPlan;
  if (server) {
    // The files are not downloaded to list the run: only whether an export could run here.
    const py = await exporter.checkPython();
    plan = py.ok
      ? { action: 'export', python: py.resolved ?? py.executable, torch: py.torch }
      : { action: 'cannot', status: 'unsupported_format', reason: py.error ?? 'no Python with torch' };
  } else {
    const artifact = await store.modelArtifact(run, nestedRuns);
    if (!artifact.ok) return { ...none, ok: false, reason: artifact.reason, status: artifact.status };
    const source = artifact.kind === 'onnx' ? null : torchSourceOfRun(run, { ...artifact, kind: artifact.kind });
    if (!source) return { ok: true, reason: null, what, kind: 'onnx', plan: null, status: null, others };
    plan = await exporter.plan(source);
  }
  return {
    ok: plan.action !== 'cannot',
    reason: plan.action === 'cannot' ? plan.reason : null,
    what,
    kind: model.kind,
    plan,
    status: plan.action === 'cannot' ? plan.status : null,
    others,
  };
}

/** Experiment names of a file store (a server's are typed by the user). */
export async function listMlflowExperiments(uri: string): Promise<{ experimentId: string; name: string }[]> {
  if (isServerUri(uri)) return [];
  return (await new MlflowFileStore(uri).experiments()).map((e) => ({ experimentId: e.experimentId, name: e.name }));
}
