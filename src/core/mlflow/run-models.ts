import type { PytorchFlavor, TorchModelKind } from '../../shared/pytorch';

/**
 * What models a run's artifacts hold, decided from the artifact listing and the MLmodel files, the
 * same way for a file store and a tracking server (each passes in how it reads a file). Pure: the
 * engine lists and reads.
 *
 * MLflow's layouts (mlflow/models/model.py, mlflow/pytorch/__init__.py, mlflow/onnx/__init__.py):
 * - an MLflow model is a folder with an `MLmodel` YAML whose `flavors` say how to load it:
 *   `onnx: { data: model.onnx }`; `pytorch: { model_data: data, pytorch_version, code }` with
 *   `data/model.pth` (torch.save of the module, or a TorchScript archive), `data/pickle_module_info.txt`,
 *   and `code/` holding the `code_paths` the model was logged with;
 * - any other file logged with log_artifact: `.onnx`, and PyTorch files (`.pth`, `.pt`, `.ckpt`).
 */

export interface ArtifactFile {
  /** Relative to the artifact root, `/`-separated. */
  path: string;
  size: number;
}

export type FoundModel =
  | { kind: 'onnx'; file: string; mlmodel: string | null }
  | { kind: 'mlflow-pytorch'; dir: string; mlmodel: string; flavor: PytorchFlavor }
  | { kind: Exclude<TorchModelKind, 'mlflow-pytorch'>; file: string };

export interface RunModels {
  /** Every runnable model, best first: ONNX, an MLflow pytorch model, TorchScript, then files. */
  models: FoundModel[];
  /** MLmodels whose flavors Loupe cannot run (sklearn, pyfunc only, …): path → flavor names. */
  unsupported: { mlmodel: string; flavors: string[] }[];
  /** An MLmodel that declares a file the store does not have. */
  missing: { mlmodel: string; file: string } | null;
}

const TORCH_FILE = /\.(pth|pt|ckpt)$/i;

/** MLmodel flavors Loupe runs. */
export function onnxFlavorFile(mlmodel: Record<string, unknown>): string | null {
  const onnx = flavorsOf(mlmodel).onnx;
  if (!onnx) return null;
  const data = onnx.data ?? onnx.model_file;
  return typeof data === 'string' && data && !data.includes('..') ? data : null;
}

export function pytorchFlavor(mlmodel: Record<string, unknown>): PytorchFlavor | null {
  const flavors = flavorsOf(mlmodel);
  const torch = flavors.pytorch;
  if (!torch) return null;
  const str = (v: unknown): string | null => (typeof v === 'string' && v && !v.includes('..') ? v : null);
  return {
    modelData: str(torch.model_data) ?? 'data',
    pytorchVersion: typeof torch.pytorch_version === 'string' ? torch.pytorch_version : null,
    code: str(torch.code) ?? str(flavors.python_function?.code),
    pickleModule: str(flavors.python_function?.pickle_module_name),
  };
}

export function flavorNames(mlmodel: Record<string, unknown>): string[] {
  return Object.keys(flavorsOf(mlmodel));
}

function flavorsOf(mlmodel: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const f = mlmodel.flavors;
  return f && typeof f === 'object' ? (f as Record<string, Record<string, unknown>>) : {};
}

const dirOf = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
const join = (dir: string, rel: string): string => (dir ? `${dir}/${rel}` : rel).replace(/\/+$/, '');
const inside = (path: string, dir: string): boolean => dir === '' || path === dir || path.startsWith(dir + '/');

/**
 * The models among a run's artifacts. `readMlmodel` returns an MLmodel's parsed YAML (null when it
 * cannot be read); `sniff` says what a PyTorch file is (null: cannot tell without Python).
 */
export async function findRunModels(
  files: readonly ArtifactFile[],
  readMlmodel: (path: string) => Promise<Record<string, unknown> | null>,
  sniff: (path: string) => Promise<Exclude<TorchModelKind, 'mlflow-pytorch'> | null> = async () => null,
): Promise<RunModels> {
  const paths = new Set(files.map((f) => f.path));
  const mlmodels = files
    .map((f) => f.path)
    .filter((p) => p === 'MLmodel' || p.endsWith('/MLmodel'))
    .sort();
  const onnx: FoundModel[] = [];
  const torch: FoundModel[] = [];
  const unsupported: RunModels['unsupported'] = [];
  let missing: RunModels['missing'] = null;
  const modelDirs: string[] = [];
  for (const mlmodel of mlmodels) {
    const spec = await readMlmodel(mlmodel);
    if (!spec) continue;
    const dir = dirOf(mlmodel);
    modelDirs.push(dir);
    const onnxFile = onnxFlavorFile(spec);
    const flavor = pytorchFlavor(spec);
    if (onnxFile) {
      const file = join(dir, onnxFile);
      if (paths.has(file)) onnx.push({ kind: 'onnx', file, mlmodel });
      else missing ??= { mlmodel, file: onnxFile };
    }
    if (flavor) {
      const data = join(dir, flavor.modelData);
      const hasData = files.some((f) => inside(f.path, data) && f.path !== data);
      if (hasData) torch.push({ kind: 'mlflow-pytorch', dir, mlmodel, flavor });
      else missing ??= { mlmodel, file: `${flavor.modelData}/model.pth` };
    }
    if (!onnxFile && !flavor) unsupported.push({ mlmodel, flavors: flavorNames(spec) });
  }
  // Files logged on their own (outside any MLflow model folder).
  const loose = files.filter((f) => !modelDirs.some((d) => inside(f.path, d)));
  for (const f of loose.filter((x) => x.path.toLowerCase().endsWith('.onnx')).sort(byPath))
    onnx.push({ kind: 'onnx', file: f.path, mlmodel: null });
  for (const f of rankTorchFiles(loose.filter((x) => TORCH_FILE.test(x.path)))) {
    torch.push({ kind: (await sniff(f.path)) ?? 'torch-file', file: f.path });
  }
  const order: Record<FoundModel['kind'], number> = {
    onnx: 0,
    'mlflow-pytorch': 1,
    torchscript: 2,
    'pickled-model': 3,
    checkpoint: 4,
    'torch-file': 5,
  };
  const models = [...onnx, ...torch].sort((a, b) => order[a.kind] - order[b.kind]);
  return { models, unsupported, missing: models.length ? null : missing };
}

const byPath = (a: ArtifactFile, b: ArtifactFile): number => a.path.localeCompare(b.path);

/**
 * PyTorch files in the order a user means them: `best` first, then `final`, `last`, then the
 * highest epoch or step number, then by name. (`checkpoints/best_model.pth` over `epoch_3.pth`.)
 */
export function rankTorchFiles(files: readonly ArtifactFile[]): ArtifactFile[] {
  const rank = (p: string): number => {
    const name = p.slice(p.lastIndexOf('/') + 1).toLowerCase();
    if (name.includes('best')) return 0;
    if (name.includes('final')) return 1;
    if (name.includes('last') || name.includes('latest')) return 2;
    return 3;
  };
  const number = (p: string): number => {
    const m = /(\d+)(?!.*\d)/.exec(p.slice(p.lastIndexOf('/') + 1));
    return m ? Number(m[1]) : -1;
  };
  return [...files].sort((a, b) => rank(a.path) - rank(b.path) || number(b.path) - number(a.path) || byPath(a, b));
}

/** What a model is, in words, for listings and errors. */
export function describeFound(m: FoundModel): string {
  switch (m.kind) {
    case 'onnx':
      return m.mlmodel ? `ONNX (MLflow onnx flavor, ${m.file})` : `ONNX (${m.file})`;
    case 'mlflow-pytorch':
      return `PyTorch (MLflow pytorch flavor${m.flavor.pytorchVersion ? `, torch ${m.flavor.pytorchVersion}` : ''}, ${m.dir || '.'})`;
    case 'torchscript':
      return `TorchScript (${m.file})`;
    case 'checkpoint':
      return `PyTorch checkpoint (${m.file})`;
    case 'pickled-model':
      return `pickled PyTorch model (${m.file})`;
    case 'torch-file':
      return `PyTorch file (${m.file})`;
  }
}

export const foundPath = (m: FoundModel): string => (m.kind === 'mlflow-pytorch' ? m.dir : m.file);

/**
 * What a torch.save / torch.jit.save zip archive holds, from its entry names and the pickle of its
 * top object (`<archive>/data.pkl`, stored uncompressed): TorchScript archives have `constants.pkl`
 * and `code/`; a checkpoint dict names its state dict; a whole module pickles `torch.nn.modules`.
 * A hint for listings: the exporter decides for certain.
 */
export function classifyTorchArchive(
  entries: readonly string[],
  dataPkl: Uint8Array | null,
): Exclude<TorchModelKind, 'mlflow-pytorch'> {
  const has = (suffix: string): boolean => entries.some((e) => e.endsWith(suffix));
  if (has('/constants.pkl') && entries.some((e) => e.includes('/code/'))) return 'torchscript';
  if (!dataPkl) return 'torch-file';
  const text = latin1(dataPkl);
  // A pickled nn.Module carries its __dict__: _parameters, _buffers, _modules.
  if (text.includes('torch.nn.modules') || (text.includes('_parameters') && text.includes('_modules')))
    return 'pickled-model';
  if (/model_state_dict|\bstate_dict\b/.test(text)) return 'checkpoint';
  if (text.includes('collections\nOrderedDict') && text.includes('_rebuild_tensor')) return 'checkpoint';
  return 'torch-file';
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

/** The models found in one place of a run: its artifacts, or one of its MLflow 3 logged models. */
export interface LocatedModels {
  source: 'run-artifacts' | 'logged-model';
  /** The logged model's id. */
  id: string | null;
  found: RunModels;
  /** What the place holds when it holds no model (for the reason), e.g. "no artifacts folder". */
  note: string | null;
}

export type RunModelChoice =
  | { ok: true; model: FoundModel; source: LocatedModels['source']; id: string | null; others: FoundModel[] }
  | { ok: false; status: 'skipped' | 'unsupported_format' | 'download_failed'; reason: string };

/**
 * The model a run's batch entry runs, or the status and reason when there is none: a run Loupe
 * could not read (`problem`) is skipped with that reason, whatever it holds; a run that
 * failed or was killed is skipped; an MLmodel naming a missing file failed to download; the
 * parent of nested runs is skipped as such; a model of another flavor is an unsupported format.
 */
export function chooseRunModel(
  located: readonly LocatedModels[],
  run: { status: string; problem?: string },
  nestedRuns: number,
): RunModelChoice {
  if (run.problem) return { ok: false, status: 'skipped', reason: run.problem };
  const all = located.flatMap((l) => l.found.models.map((model) => ({ model, l })));
  const order = (m: FoundModel): number =>
    ({ onnx: 0, 'mlflow-pytorch': 1, torchscript: 2, 'pickled-model': 3, checkpoint: 4, 'torch-file': 5 })[m.kind];
  all.sort((a, b) => order(a.model) - order(b.model));
  const best = all[0];
  if (best) {
    return {
      ok: true,
      model: best.model,
      source: best.l.source,
      id: best.l.id,
      others: all.slice(1).map((x) => x.model),
    };
  }
  const notes = located.map((l) => l.note).filter((n): n is string => !!n);
  const missing = located.map((l) => l.found.missing).find((m) => m !== null);
  const unsupported = located.flatMap((l) => l.found.unsupported);
  if (run.status === 'FAILED' || run.status === 'KILLED') {
    const why = missing ? `${missing.mlmodel} declares ${missing.file}, which is missing` : (notes[0] ?? 'no model');
    return { ok: false, status: 'skipped', reason: `run ${run.status.toLowerCase()}: ${why}` };
  }
  if (missing) {
    return {
      ok: false,
      status: 'download_failed',
      reason: `${missing.mlmodel} declares ${missing.file}, which is missing`,
    };
  }
  if (nestedRuns > 0) {
    return {
      ok: false,
      status: 'skipped',
      reason: `a parent run of ${nestedRuns} nested run${nestedRuns === 1 ? '' : 's'}, with no model of its own`,
    };
  }
  if (unsupported.length > 0) {
    const u = unsupported[0]!;
    return {
      ok: false,
      status: 'unsupported_format',
      reason: `the run logged an MLflow model with the ${u.flavors.join(', ') || 'no'} flavor${u.flavors.length === 1 ? '' : 's'} (${u.mlmodel}); Loupe runs ONNX and PyTorch models`,
    };
  }
  return {
    ok: false,
    status: 'skipped',
    reason: `the run logged no model${notes.length ? ` (${notes.join('; ')})` : ''}`,
  };
}

/** How many runs name each run as their parent (MLflow's `mlflow.parentRunId` tag). */
export function nestedRunCounts(runs: readonly { tags: Record<string, string> }[]): Map<string, number> {
  const nested = new Map<string, number>();
  for (const r of runs) {
    const parent = r.tags['mlflow.parentRunId'];
    if (parent) nested.set(parent, (nested.get(parent) ?? 0) + 1);
  }
  return nested;
}
