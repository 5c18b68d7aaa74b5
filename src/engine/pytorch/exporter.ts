import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ModelManifest } from '../../shared/model-manifest';
import type {
  ExportPlan,
  ExportRecord,
  PythonCheck,
  PythonOptions,
  PytorchFlavor,
  TorchModelKind,
} from '../../shared/pytorch';
import { DEFAULT_EXPORT_TIMEOUT_SEC, EXPORTER_VERSION, PARITY_LIMIT } from '../../shared/pytorch';
import { modelIdFromFileName } from '../../core/models/describe';
import { maxAbsDiff } from '../../core/models/parity';
import { AppFailure } from '../../core/result';
import { writeJsonAtomic } from '../fs/atomic';
import { processAlive } from './process-alive';
import { ArtifactHasher } from './sniff';
import { choosePython, PYTHON_SETTING_HINT, runProcess, type PythonProbe } from './python';
import { isoTimestamp } from '../../core/format';

/** A PyTorch model to export: where it is on this machine and what it came from. */
export interface TorchSource {
  kind: TorchModelKind;
  /** The model folder (`mlflow-pytorch`) or file. */
  path: string;
  flavor: PytorchFlavor | null;
  /** Shown in messages and the manifest: the run name or file name. */
  name: string;
  runId: string | null;
  artifactPath: string | null;
  /** The run's params: `architecture` for a factory, `pad_multiple` when the run recorded it. */
  params: Record<string, string>;
  architecture: string | null;
  padMultiple: number | null;
}

/** The frame the export is checked on: planar RGB float32 in [0, 1]. */
export interface ExportSample {
  data: Float32Array;
  width: number;
  height: number;
  frame: string;
}

export interface ExportedModel {
  /** The cached ONNX file (with model.json beside it). */
  onnxPath: string;
  record: ExportRecord;
}

/** A model that cannot run, with the batch status that says why. */
export class ModelFailure extends AppFailure {
  constructor(
    readonly status: 'unsupported_format' | 'export_failed',
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(status === 'unsupported_format' ? 'UNSUPPORTED' : 'EXPORT_FAILED', message, { status, ...details });
  }
}

export interface TorchExporterDeps {
  /** resources/python/loupe_export.py */
  script: string;
  /** Exports live in `<cacheDir>/exports/<key>/`. */
  cacheDir: () => string;
  probe: PythonProbe;
  /** The app's Python settings (the job's options win). */
  settings: () => PythonOptions;
  /** ONNX Runtime on the CPU, for the parity check: one run of the exported model. */
  runOnnx: (onnxPath: string, input: Float32Array, dims: number[]) => Promise<{ data: Float32Array; dims: number[] }>;
  threads: () => number;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  now: () => number;
}

interface PythonResult {
  ok: boolean;
  stage?: string;
  message?: string;
  traceback?: string;
  torch_version?: string;
  python?: string;
  loaded_with?: string;
  model_class?: string;
  pad_multiple?: number;
  pad_multiple_source?: 'run params' | 'probed';
  scale?: number;
  opset?: number;
  padded_input?: { path: string; shape: number[] };
  torch_output?: { path: string; shape: number[] };
  timings?: Record<string, number>;
  notes?: string[];
}

const PARTIAL = '.partial-';
const STALE_PARTIAL_MS = 24 * 3600_000;

/**
 * Turns a PyTorch model into an ONNX file once, in the user's own Python (resources/python/
 * loupe_export.py), proves it (torch and ONNX Runtime on the same frame), and keeps it in a cache
 * keyed by the artifact's content hash, the factory and the exporter version: a later batch over
 * the same runs starts no Python at all.
 */
export class TorchExporter {
  private readonly hasher: ArtifactHasher;

  constructor(private readonly deps: TorchExporterDeps) {
    this.hasher = new ArtifactHasher(() => join(deps.cacheDir(), 'exports', 'hashes.json'));
  }

  private options(job: PythonOptions | undefined): PythonOptions {
    const s = this.deps.settings();
    return {
      ...s,
      ...Object.fromEntries(Object.entries(job ?? {}).filter(([, v]) => v !== undefined && v !== '')),
    };
  }

  /** The Python a job would use, and what it has. */
  checkPython(job?: PythonOptions, fresh = false): Promise<PythonCheck> {
    const choice = choosePython(job?.python, this.deps.settings().python, this.deps.env, this.deps.platform);
    return this.deps.probe.check(choice, fresh);
  }

  /** The cache entry's key and the artifact's hash. */
  async key(source: TorchSource, job?: PythonOptions): Promise<{ key: string; sha256: string }> {
    const sha256 = await this.hasher.hash(source.path);
    const o = this.options(job);
    const needsFactory = source.kind !== 'mlflow-pytorch' && source.kind !== 'torchscript';
    const key = createHash('sha256')
      .update(
        JSON.stringify([
          EXPORTER_VERSION,
          sha256,
          needsFactory ? (o.modelFactory ?? null) : null,
          source.padMultiple,
          source.architecture,
        ]),
      )
      .digest('hex')
      .slice(0, 40);
    return { key, sha256 };
  }

  /** The cached export, when there is one. */
  async cached(source: TorchSource, job?: PythonOptions): Promise<ExportedModel | null> {
    const { key } = await this.key(source, job);
    return this.readEntry(join(this.root(), key));
  }

  /** What will happen to this model when a batch runs it (for listings; starts Python at most once). */
  async plan(source: TorchSource, job?: PythonOptions): Promise<ExportPlan> {
    const hit = await this.cached(source, job).catch(() => null);
    if (hit) {
      return {
        action: 'cached',
        onnx: hit.onnxPath,
        exportedAt: hit.record.exported_at,
        parity: hit.record.parity.max_abs_diff,
      };
    }
    const py = await this.checkPython(job);
    if (!py.ok) return { action: 'cannot', status: 'unsupported_format', reason: this.noPython(source, py) };
    const o = this.options(job);
    if (source.kind === 'checkpoint' && !o.modelFactory) {
      return { action: 'cannot', status: 'unsupported_format', reason: this.noFactory(source) };
    }
    return { action: 'export', python: py.resolved ?? py.executable, torch: py.torch };
  }

  /**
   * The ONNX file for `source`: from the cache, or exported now and checked on `sample`. Throws a
   * ModelFailure (unsupported_format or export_failed) that says why, never runs an unproven model.
   */
  async ensure(
    source: TorchSource,
    job: PythonOptions | undefined,
    sample: () => Promise<ExportSample>,
    ctx: { signal?: AbortSignal; onPhase?: (text: string) => void; force?: boolean } = {},
  ): Promise<ExportedModel & { cached: boolean }> {
    const { key, sha256 } = await this.key(source, job);
    const final = join(this.root(), key);
    const hit = ctx.force ? null : await this.readEntry(final);
    if (hit) return { ...hit, cached: true, record: { ...hit.record, cached: true } };

    const o = this.options(job);
    const py = await this.checkPython(job);
    if (!py.ok) throw new ModelFailure('unsupported_format', this.noPython(source, py), { python: py.executable });
    const started = this.deps.now();
    await this.sweepPartials();
    const work = join(this.root(), `${PARTIAL}${hostTag()}-${process.pid}-${randomBytes(6).toString('hex')}`);
    await mkdir(work, { recursive: true });
    try {
      const frame = await sample();
      await writeFile(
        join(work, 'sample.bin'),
        Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength),
      );
      const request = {
        exporter_version: EXPORTER_VERSION,
        source: {
          kind: source.kind,
          ...(source.kind === 'mlflow-pytorch'
            ? {
                model_dir: source.path,
                model_data: source.flavor?.modelData ?? 'data',
                code: source.flavor?.code ?? null,
                pickle_module: source.flavor?.pickleModule ?? null,
              }
            : { path: source.path }),
        },
        model_factory: o.modelFactory ?? null,
        python_path: o.pythonPath ?? [],
        run_params: { ...source.params, ...(source.architecture ? { architecture: source.architecture } : {}) },
        pad_multiple: source.padMultiple,
        sample: { path: join(work, 'sample.bin'), shape: [1, 3, frame.height, frame.width] },
        out_dir: work,
        max_opset: 17,
        threads: this.deps.threads(),
        parent_pid: process.pid,
      };
      await writeFile(join(work, 'request.json'), JSON.stringify(request, null, 1));
      ctx.onPhase?.(`exporting ${source.name} to ONNX with ${py.resolved ?? py.executable} (torch ${py.torch ?? '?'})`);
      const timeoutSec = o.timeoutSec ?? DEFAULT_EXPORT_TIMEOUT_SEC;
      const run = await runProcess(py.executable, [this.deps.script, 'export', join(work, 'request.json')], {
        timeoutMs: timeoutSec * 1000,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        env: { ...this.deps.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
      });
      if (ctx.signal?.aborted) throw new AppFailure('CANCELLED', 'the export was stopped');
      if (run.timedOut) {
        throw new ModelFailure(
          'export_failed',
          `the export of ${source.name} did not finish within ${timeoutSec} s and was stopped (raise --export-timeout or Settings → Python → Export time limit)`,
        );
      }
      if (run.spawnError) {
        throw new ModelFailure('unsupported_format', `cannot start ${py.executable}: ${run.spawnError.message}`);
      }
      const result = await readJson<PythonResult>(join(work, 'result.json'));
      if (!result) {
        const tail = run.stderr.trim().split('\n').slice(-6).join('\n');
        throw new ModelFailure(
          'export_failed',
          `the exporter ended without a result (exit ${run.code ?? run.signal})${tail ? `:\n${tail}` : ''}`,
        );
      }
      if (!result.ok) {
        const message = result.message ?? 'the export failed';
        if (result.stage === 'factory' || result.stage === 'import') {
          const hint =
            result.stage === 'factory' && !o.modelFactory
              ? ' (set --model-factory module:function, or Settings → Python → Model factory)'
              : '';
          throw new ModelFailure('unsupported_format', `${message}${hint}`, { stage: result.stage });
        }
        throw new ModelFailure(
          'export_failed',
          `${result.stage ?? 'export'}: ${message}${tracebackTail(result.traceback)}`,
          {
            stage: result.stage,
            traceback: result.traceback,
          },
        );
      }
      ctx.onPhase?.(`checking ${source.name}: torch against ONNX Runtime on ${frame.frame}`);
      const parity = await this.parity(work, result);
      if (!(parity.maxAbsDiff <= PARITY_LIMIT)) {
        throw new ModelFailure(
          'export_failed',
          `the ONNX export differs from torch by ${formatDiff(parity.maxAbsDiff)} (max |Δ| on ${frame.frame}, limit ${PARITY_LIMIT}); not run`,
          { parity: parity.maxAbsDiff },
        );
      }
      const t = result.timings ?? {};
      const record: ExportRecord = {
        cached: false,
        exporter_version: EXPORTER_VERSION,
        source: {
          kind: source.kind,
          path: source.path,
          sha256,
          run_id: source.runId,
          artifact_path: source.artifactPath,
        },
        torch_version: result.torch_version ?? py.torch ?? 'unknown',
        python: result.python ?? py.resolved ?? py.executable,
        loaded_with: result.loaded_with ?? 'unknown',
        model_class: result.model_class ?? null,
        model_factory: source.kind === 'checkpoint' || source.kind === 'torch-file' ? (o.modelFactory ?? null) : null,
        pad_multiple: result.pad_multiple ?? 1,
        pad_multiple_source: result.pad_multiple_source ?? 'probed',
        scale: result.scale ?? 1,
        opset: result.opset ?? 17,
        parity: {
          max_abs_diff: parity.maxAbsDiff,
          limit: PARITY_LIMIT,
          frame: frame.frame,
          shape: parity.shape,
          provider: 'cpu',
        },
        onnx: join(final, 'model.onnx'),
        exported_at: isoTimestamp(this.deps.now()),
        seconds: {
          load: t.load_s ?? 0,
          probe: t.probe_s ?? 0,
          export: t.export_s ?? 0,
          torch_forward: t.forward_s ?? 0,
          total: Math.round((this.deps.now() - started) / 10) / 100,
        },
        notes: result.notes ?? [],
      };
      await writeJsonAtomic(join(work, 'model.json'), manifestFor(source, record));
      await writeJsonAtomic(join(work, 'export.json'), record);
      for (const f of ['sample.bin', 'padded_input.bin', 'torch_output.bin', 'request.json', 'result.json'])
        await rm(join(work, f), { force: true });
      if (ctx.force) await rm(final, { recursive: true, force: true });
      try {
        await rename(work, final);
      } catch (e) {
        // Another process exported the same model first: use theirs.
        const theirs = await this.readEntry(final);
        if (!theirs) throw e;
        return { ...theirs, cached: true, record: { ...theirs.record, cached: true } };
      }
      return { onnxPath: join(final, 'model.onnx'), record, cached: false };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private async parity(work: string, result: PythonResult): Promise<{ maxAbsDiff: number; shape: number[] }> {
    const input = result.padded_input;
    const expected = result.torch_output;
    if (!input || !expected) throw new ModelFailure('export_failed', 'the exporter wrote no check tensors');
    const x = await readFloats(join(work, input.path));
    const want = await readFloats(join(work, expected.path));
    let got: { data: Float32Array; dims: number[] };
    try {
      got = await this.deps.runOnnx(join(work, 'model.onnx'), x, input.shape);
    } catch (e) {
      throw new ModelFailure('export_failed', `ONNX Runtime cannot run the exported model: ${(e as Error).message}`);
    }
    if (got.dims.join('x') !== expected.shape.join('x')) {
      throw new ModelFailure(
        'export_failed',
        `the ONNX export returns [${got.dims.join(', ')}] where torch returns [${expected.shape.join(', ')}]`,
      );
    }
    return { maxAbsDiff: maxAbsDiff(want, got.data), shape: expected.shape };
  }

  private root(): string {
    return join(this.deps.cacheDir(), 'exports');
  }

  private async readEntry(dir: string): Promise<ExportedModel | null> {
    const record = await readJson<ExportRecord>(join(dir, 'export.json'));
    if (!record || record.exporter_version !== EXPORTER_VERSION) return null;
    const onnxPath = join(dir, 'model.onnx');
    if (!(await stat(onnxPath).catch(() => null))?.isFile()) return null;
    return { onnxPath, record: { ...record, onnx: onnxPath } };
  }

  /**
   * Work folders of exports that were killed: their engine process is gone (or, for a folder of
   * another machine sharing the cache, it is a day old).
   */
  private async sweepPartials(): Promise<void> {
    const names = await readdir(this.root()).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.startsWith(PARTIAL))) {
      const [, host, pidText] = /^\.partial-([\w-]*?)-(\d+)-[0-9a-f]+$/.exec(name) ?? [];
      const pid = host === hostTag() ? Number(pidText) : NaN;
      const st = await stat(join(this.root(), name)).catch(() => null);
      if (!st) continue;
      const orphaned = Number.isInteger(pid) && pid !== process.pid && !(await processAlive(pid));
      if (orphaned || this.deps.now() - st.mtimeMs > STALE_PARTIAL_MS)
        await rm(join(this.root(), name), { recursive: true, force: true });
    }
  }

  private noPython(source: TorchSource, py: PythonCheck): string {
    return `${source.name} is a PyTorch model (${kindWords(source.kind)}), and no Python with torch was found: ${py.error ?? PYTHON_SETTING_HINT}`;
  }

  private noFactory(source: TorchSource): string {
    return `${source.name} is a state-dict checkpoint; Loupe needs a model factory (module:function) to build the network: set --model-factory or Settings → Python → Model factory`;
  }
}

/** This machine in a folder name (the cache may be shared over a network file system). */
function hostTag(): string {
  return (
    hostname()
      .replace(/[^\w]+/g, '_')
      .slice(0, 40) || 'host'
  );
}

function kindWords(kind: TorchModelKind): string {
  switch (kind) {
    case 'mlflow-pytorch':
      return 'MLflow pytorch flavor';
    case 'torchscript':
      return 'TorchScript';
    case 'checkpoint':
      return 'state-dict checkpoint';
    case 'pickled-model':
      return 'pickled nn.Module';
    case 'torch-file':
      return 'PyTorch file';
  }
}

/** model.json for the exported file: how Loupe feeds it, and where it came from. */
function manifestFor(source: TorchSource, r: ExportRecord): ModelManifest {
  const provenance: Record<string, string | number | boolean> = {
    exported_by: `loupe_export.py v${EXPORTER_VERSION}`,
    source_kind: source.kind,
    artifact_sha256: r.source.sha256,
    torch_version: r.torch_version,
    exported_at: r.exported_at,
    parity_max_abs_diff: r.parity.max_abs_diff,
    parity_frame: r.parity.frame,
    pad_multiple_source: r.pad_multiple_source,
  };
  if (source.runId) provenance.run_id = source.runId;
  if (source.artifactPath) provenance.artifact_path = source.artifactPath;
  if (r.model_factory) provenance.model_factory = r.model_factory;
  return {
    schema: 1,
    id: modelIdFromFileName(source.name),
    displayName: source.name,
    version: '1',
    task: 'restoration',
    file: 'model.onnx',
    ...(source.architecture ? { architecture: source.architecture } : {}),
    description: `Exported by Loupe from ${kindWords(source.kind)} (${source.artifactPath ?? source.path}); ${r.loaded_with}.`,
    input: {
      layout: 'NCHW',
      colorOrder: 'RGB',
      range: [0, 1],
      size: null,
      padMultiple: r.pad_multiple,
      padMode: 'reflect',
    },
    output: { layout: 'image', ...(r.scale !== 1 ? { scale: r.scale } : {}) },
    provenance,
  };
}

/** Where in the Python code the error was raised (the exporter sends the innermost frames). */
function tracebackTail(tb: string | undefined): string {
  return tb?.trim() ? `\n${tb.trimEnd()}` : '';
}

function formatDiff(v: number): string {
  return Number.isFinite(v) ? v.toExponential(2) : String(v);
}

async function readFloats(path: string): Promise<Float32Array> {
  const b = await readFile(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return null;
  }
}
