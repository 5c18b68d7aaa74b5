import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { MetricPoint, MlflowExperiment, MlflowRun, ModelArtifact, RunStatus } from '../../shared/mlflow';
import {
  experimentFromMeta,
  fileUriToPath,
  latestMetric,
  onnxFileFromMlmodel,
  parseMetricHistory,
  runFromMeta,
} from '../../core/mlflow/format';
import { AppFailure } from '../../core/result';

export interface RunQuery {
  /** Only runs with this status; null or undefined = all. */
  status?: RunStatus | null;
  maxResults?: number;
  includeDeleted?: boolean;
}

const RESERVED_DIRS = new Set(['.trash', 'models', '.git']);
const ARTIFACT_SEARCH_DEPTH = 3;

/**
 * Reads an MLflow file store (`mlruns/`) the way MLflow lays it out: experiments with meta.yaml,
 * runs with meta.yaml, params/, metrics/ (`timestamp value step` lines), tags/ and artifacts/;
 * MLflow 3 logged models under `<experiment>/models/`. Keys with slashes are nested folders.
 * A store copied from another machine still works: artifact URIs that do not exist here fall
 * back to the run's own artifacts folder.
 */
export class MlflowFileStore {
  readonly root: string;
  readonly uri: string;

  constructor(rootOrUri: string) {
    this.uri = rootOrUri;
    const path = fileUriToPath(rootOrUri);
    if (path === null) throw new AppFailure('INVALID_ARGUMENT', `not a file store: ${rootOrUri}`);
    this.root = resolve(path);
  }

  async experiments(includeDeleted = false): Promise<MlflowExperiment[]> {
    const out: MlflowExperiment[] = [];
    for (const name of await dirNames(this.root)) {
      if (RESERVED_DIRS.has(name)) continue;
      const meta = await readYaml(join(this.root, name, 'meta.yaml'));
      if (!meta) continue;
      const exp = experimentFromMeta(meta, name);
      if (includeDeleted || exp.lifecycleStage === 'active') out.push(exp);
    }
    return out.sort((a, b) => a.experimentId.localeCompare(b.experimentId, undefined, { numeric: true }));
  }

  async experimentByName(name: string): Promise<MlflowExperiment | null> {
    return (await this.experiments()).find((e) => e.name === name) ?? null;
  }

  /** Runs of an experiment, newest first (by start time), like MLflow's search default order. */
  async runs(experimentId: string, query: RunQuery = {}): Promise<MlflowRun[]> {
    const expDir = join(this.root, experimentId);
    const runs: MlflowRun[] = [];
    for (const name of await dirNames(expDir)) {
      if (RESERVED_DIRS.has(name)) continue;
      const run = await this.readRun(join(expDir, name), name);
      if (!run) continue;
      if (!query.includeDeleted && run.lifecycleStage === 'deleted') continue;
      if (query.status && run.status !== query.status) continue;
      runs.push(run);
    }
    runs.sort((a, b) => (b.startTime ?? 0) - (a.startTime ?? 0) || a.runId.localeCompare(b.runId));
    return query.maxResults !== undefined ? runs.slice(0, query.maxResults) : runs;
  }

  async metricHistory(run: Pick<MlflowRun, 'experimentId' | 'runId'>, key: string): Promise<MetricPoint[]> {
    const file = this.keyPath(join(this.root, run.experimentId, run.runId, 'metrics'), key);
    const text = await readFile(file, 'utf8').catch(() => null);
    return text === null ? [] : parseMetricHistory(text);
  }

  /** The run's artifacts folder on this machine. */
  async artifactsDir(run: Pick<MlflowRun, 'experimentId' | 'runId' | 'artifactUri'>): Promise<string> {
    const declared = fileUriToPath(run.artifactUri);
    if (declared) {
      const abs = isAbsolute(declared) ? declared : resolve(dirname(this.root), declared);
      if (await isDir(abs)) return abs;
    }
    return join(this.root, run.experimentId, run.runId, 'artifacts');
  }

  /**
   * The run's ONNX model: an MLmodel with the onnx flavor among its artifacts (MLflow 2), a bare
   * .onnx artifact, or a logged model of the run (MLflow 3). Otherwise the reason why not.
   */
  async modelArtifact(run: MlflowRun): Promise<ModelArtifact> {
    const inRun = await findOnnx(await this.artifactsDir(run));
    if (inRun.ok) return { ...inRun, source: 'run-artifacts' };
    for (const modelDir of await this.loggedModelDirs(run)) {
      const found = await findOnnx(join(modelDir, 'artifacts'));
      if (found.ok) return { ...found, source: 'logged-model' };
    }
    return { ok: false, reason: inRun.reason };
  }

  private async loggedModelDirs(run: MlflowRun): Promise<string[]> {
    const modelsDir = join(this.root, run.experimentId, 'models');
    const out: string[] = [];
    for (const name of await dirNames(modelsDir)) {
      const meta = await readYaml(join(modelsDir, name, 'meta.yaml'));
      if (meta && String(meta.source_run_id ?? '') === run.runId) out.push(join(modelsDir, name));
    }
    return out;
  }

  private async readRun(dir: string, name: string): Promise<MlflowRun | null> {
    const meta = await readYaml(join(dir, 'meta.yaml'));
    if (!meta) return null;
    const [params, tags, metricFiles] = await Promise.all([
      readKeyFiles(join(dir, 'params')),
      readKeyFiles(join(dir, 'tags')),
      readKeyFiles(join(dir, 'metrics')),
    ]);
    const metrics: Record<string, MetricPoint> = {};
    for (const [key, text] of Object.entries(metricFiles)) {
      const latest = latestMetric(parseMetricHistory(text));
      if (latest) metrics[key] = latest;
    }
    return runFromMeta(meta, name, { params, metrics, tags });
  }

  private keyPath(base: string, key: string): string {
    const path = resolve(base, ...key.split('/'));
    if (!path.startsWith(base + sep)) throw new AppFailure('INVALID_ARGUMENT', `bad metric key ${key}`);
    return path;
  }
}

async function readYaml(path: string): Promise<Record<string, unknown> | null> {
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const value = parseYaml(text) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

async function dirNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/** Every file below `dir` as `key → content`, keys with `/` for nested folders. */
async function readKeyFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) out[relative(dir, full).split(sep).join('/')] = await readFile(full, 'utf8');
    }
  };
  await walk(dir);
  return out;
}

async function findOnnx(
  root: string,
): Promise<{ ok: true; path: string; mlmodel: string | null } | { ok: false; reason: string }> {
  if (!(await isDir(root))) return { ok: false, reason: `the run has no artifacts folder (${root})` };
  const mlmodels: string[] = [];
  const onnxFiles: string[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const full = join(d, e.name);
      if (e.isDirectory() && depth < ARTIFACT_SEARCH_DEPTH) await walk(full, depth + 1);
      else if (e.isFile() && e.name === 'MLmodel') mlmodels.push(full);
      else if (e.isFile() && e.name.toLowerCase().endsWith('.onnx')) onnxFiles.push(full);
    }
  };
  await walk(root, 0);
  for (const mlmodel of mlmodels.sort()) {
    const spec = await readYaml(mlmodel);
    const data = spec ? onnxFileFromMlmodel(spec) : null;
    if (!data) continue;
    const path = join(dirname(mlmodel), data);
    if ((await stat(path).catch(() => null))?.isFile()) return { ok: true, path, mlmodel };
    return { ok: false, reason: `${relative(root, mlmodel)} declares ${data}, which is missing` };
  }
  const bare = onnxFiles.sort()[0];
  if (bare) return { ok: true, path: bare, mlmodel: null };
  return {
    ok: false,
    reason:
      mlmodels.length > 0
        ? 'the run logged a model without the onnx flavor'
        : 'no ONNX model among the run’s artifacts',
  };
}
