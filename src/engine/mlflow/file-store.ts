import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { MetricPoint, MlflowExperiment, MlflowRun, ModelArtifact, RunStatus } from '../../shared/mlflow';
import {
  experimentFromMeta,
  fileUriToPath,
  latestMetric,
  parseMetricHistory,
  runFromMeta,
} from '../../core/mlflow/format';
import {
  chooseRunModel,
  describeFound,
  findRunModels,
  foundPath,
  type ArtifactFile,
  type FoundModel,
  type LocatedModels,
  type RunModels,
} from '../../core/mlflow/run-models';
import { AppFailure } from '../../core/result';
import { sniffTorchFile } from '../pytorch/sniff';

export interface RunQuery {
  /** Only runs with this status; null or undefined = all. */
  status?: RunStatus | null;
  maxResults?: number;
  includeDeleted?: boolean;
}

const RESERVED_DIRS = new Set(['.trash', 'models', '.git']);
const ARTIFACT_SEARCH_DEPTH = 5;

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
      const run = await this.readRun(join(expDir, name), name, experimentId);
      if (!run) continue;
      if (!query.includeDeleted && run.lifecycleStage === 'deleted') continue;
      // A run that could not be read cannot be said to miss the filter: it is listed, with why.
      if (query.status && run.status !== query.status && !run.problem) continue;
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

  /** Every model the run holds: in its artifacts, and in its MLflow 3 logged models. */
  async runModels(run: MlflowRun): Promise<LocatedModels[]> {
    const dir = await this.artifactsDir(run);
    const out: LocatedModels[] = [
      {
        source: 'run-artifacts',
        id: null,
        found: await findModelsIn(dir),
        note: (await isDir(dir)) ? 'its artifacts hold none' : `the run has no artifacts folder (${dir})`,
      },
    ];
    for (const logged of await this.loggedModels(run)) {
      out.push({ source: 'logged-model', id: logged.id, found: await findModelsIn(logged.dir), note: null });
    }
    return out;
  }

  /**
   * The model a batch runs for this run (ONNX first, then an MLflow pytorch model, TorchScript, a
   * checkpoint), as local paths; or why there is none. `nestedRuns`: how many runs name this one
   * as their parent.
   */
  async modelArtifact(run: MlflowRun, nestedRuns = 0): Promise<ModelArtifact> {
    const located = await this.runModels(run);
    const choice = chooseRunModel(located, run, nestedRuns);
    if (!choice.ok) return choice;
    const base =
      choice.source === 'run-artifacts'
        ? await this.artifactsDir(run)
        : ((await this.loggedModels(run)).find((m) => m.id === choice.id)?.dir ?? '');
    return artifactFrom(choice.model, base, choice.source, choice.others);
  }

  /** MLflow 3 logged models of a run: `<experiment>/models/<model_id>/` with `source_run_id`. */
  private async loggedModels(run: MlflowRun): Promise<{ id: string; dir: string }[]> {
    const modelsDir = join(this.root, run.experimentId, 'models');
    const out: { id: string; dir: string }[] = [];
    for (const name of (await dirNames(modelsDir)).sort()) {
      const meta = await readYaml(join(modelsDir, name, 'meta.yaml'));
      if (!meta || String(meta.source_run_id ?? '') !== run.runId) continue;
      // artifact_location as written, unless the store was moved here from another machine.
      const declared = typeof meta.artifact_location === 'string' ? fileUriToPath(meta.artifact_location) : null;
      const dir =
        declared && isAbsolute(declared) && (await isDir(declared)) ? declared : join(modelsDir, name, 'artifacts');
      out.push({ id: String(meta.model_id ?? name), dir });
    }
    return out;
  }

  /**
   * A run folder as a run. A folder without meta.yaml is not a run (null) unless it holds what a
   * run holds (params, metrics, tags, artifacts); one whose meta.yaml cannot be parsed is a run
   * with a `problem`, its status and lifecycle unknown.
   */
  private async readRun(dir: string, name: string, experimentId: string): Promise<MlflowRun | null> {
    const read = await readYamlChecked(join(dir, 'meta.yaml'));
    let meta: Record<string, unknown>;
    let problem: string | null = null;
    if (read.kind === 'ok') meta = read.value;
    else if (read.kind === 'missing') {
      const parts = await dirNames(dir);
      if (!parts.some((p) => RUN_PARTS.has(p))) return null;
      meta = {};
      problem = `the run's meta.yaml is missing (${join(dir, 'meta.yaml')}); Loupe cannot tell its status`;
    } else {
      meta = {};
      problem = `the run's meta.yaml ${read.problem}; Loupe cannot tell its status`;
    }
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
    const run = runFromMeta(meta, name, { params, metrics, tags });
    if (!problem) return run;
    return {
      ...run,
      experimentId,
      status: 'UNKNOWN',
      lifecycleStage: 'unknown',
      artifactUri: '',
      problem,
    };
  }

  private keyPath(base: string, key: string): string {
    const path = resolve(base, ...key.split('/'));
    if (!path.startsWith(base + sep)) throw new AppFailure('INVALID_ARGUMENT', `bad metric key ${key}`);
    return path;
  }
}

/** Folders a run's folder holds (a folder with none of them and no meta.yaml is not a run). */
const RUN_PARTS = new Set(['params', 'metrics', 'tags', 'artifacts']);

/** A YAML object file: its value, missing, or why it cannot be used. */
async function readYamlChecked(
  path: string,
): Promise<{ kind: 'ok'; value: Record<string, unknown> } | { kind: 'missing' } | { kind: 'bad'; problem: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'bad', problem: `cannot be read (${code ?? (e as Error).message})` };
  }
  let value: unknown;
  try {
    value = parseYaml(text) as unknown;
  } catch (e) {
    return { kind: 'bad', problem: `is malformed (not valid YAML: ${(e as Error).message.split('\n')[0]})` };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return { kind: 'bad', problem: 'is malformed (not a YAML mapping)' };
  return { kind: 'ok', value: value as Record<string, unknown> };
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

/** The models in an artifacts folder (see core/mlflow/run-models). */
async function findModelsIn(root: string): Promise<RunModels> {
  const files: ArtifactFile[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const full = join(d, e.name);
      if (e.isDirectory() && depth < ARTIFACT_SEARCH_DEPTH && e.name !== '__pycache__') await walk(full, depth + 1);
      else if (e.isFile())
        files.push({
          path: relative(root, full).split(sep).join('/'),
          size: (await stat(full).catch(() => null))?.size ?? 0,
        });
    }
  };
  await walk(root, 0);
  return findRunModels(
    files,
    (p) => readYaml(join(root, ...p.split('/'))),
    (p) => sniffTorchFile(join(root, ...p.split('/'))),
  );
}

/** A chosen model as local paths. */
export function artifactFrom(
  model: FoundModel,
  base: string,
  source: 'run-artifacts' | 'logged-model',
  others: FoundModel[],
): ModelArtifact & { ok: true } {
  const local = (p: string): string => (p ? join(base, ...p.split('/')) : base);
  const artifactPath = foundPath(model);
  return {
    ok: true,
    kind: model.kind,
    path: local(artifactPath),
    mlmodel:
      model.kind === 'onnx'
        ? model.mlmodel
          ? local(model.mlmodel)
          : null
        : model.kind === 'mlflow-pytorch'
          ? local(model.mlmodel)
          : null,
    source,
    artifactPath,
    flavor: model.kind === 'mlflow-pytorch' ? model.flavor : null,
    others: others.map(describeFound),
  };
}
