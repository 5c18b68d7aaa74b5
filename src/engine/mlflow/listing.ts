import type { MlflowRunListing, MlflowRunsQuery, MlflowRunsResult } from '../../shared/mlflow';
import { AppFailure } from '../../core/result';
import { isServerUri, type MlflowSource } from '../restore/sources';
import { MlflowFileStore } from './file-store';

/**
 * The runs of an experiment for the app to choose from, with their params and latest metrics.
 * A file store also says whether each run has its ONNX model; a server is not asked (that would
 * download every model just to list them).
 */
export async function listMlflowRuns(
  query: MlflowRunsQuery,
  openServer: (uri: string) => MlflowSource,
): Promise<MlflowRunsResult> {
  const server = isServerUri(query.uri);
  const store: MlflowSource = server ? openServer(query.uri) : new MlflowFileStore(query.uri);
  const exp = await store.experimentByName(query.experiment);
  if (!exp) throw new AppFailure('NOT_FOUND', `no experiment "${query.experiment}" in ${query.uri}`);
  const runs = await store.runs(exp.experimentId, {
    status: query.status === undefined ? null : query.status,
    ...(query.maxRuns !== undefined ? { maxResults: query.maxRuns } : {}),
  });
  const out: MlflowRunListing[] = [];
  for (const run of runs) {
    if (server) {
      out.push({ ...run, model: null });
      continue;
    }
    const artifact = await store.modelArtifact(run).catch((e: Error) => ({ ok: false as const, reason: e.message }));
    out.push({ ...run, model: artifact.ok ? { ok: true, reason: null } : { ok: false, reason: artifact.reason } });
  }
  return { experiment: { experimentId: exp.experimentId, name: exp.name }, runs: out };
}

/** Experiment names of a file store (a server's are typed by the user). */
export async function listMlflowExperiments(uri: string): Promise<{ experimentId: string; name: string }[]> {
  if (isServerUri(uri)) return [];
  return (await new MlflowFileStore(uri).experiments()).map((e) => ({ experimentId: e.experimentId, name: e.name }));
}
