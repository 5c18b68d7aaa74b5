import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ExportItemData, ExportModelsResult, ExportModelsSpec, ModelSource } from '../../shared/jobs';
import { cliHost, UsageError, type JobCommandEnv } from '../context';
import { followJob } from '../follow-job';
import { MLFLOW_FLAGS, mlflowSourceFrom } from '../model-sources';
import { PYTHON_FLAGS, PYTHON_HELP, pythonOptionsFrom } from '../python-options';

export const EXPORT_HELP = `Usage: loupe export [options]

Export PyTorch models to ONNX the way \`loupe infer\` does before it runs them: in your Python,
with dynamic batch/height/width (opset ≤ 17), checked against torch on a frame (max |Δ| ≤ 1e-3),
and kept in Loupe's cache, so a later \`loupe infer\` over the same models starts no Python. Use it
to convert on a GPU box or in CI and run the ONNX files anywhere.

Sources (one of):
  --mlflow-uri URI          MLflow file store or tracking server, with --experiment-name NAME
    [--run-id ID]           Only this run (repeatable); else --filter-status (FINISHED) and --max-runs
    [--mlflow-timeout SEC]  A server request's limit, retries included (default 15)
  --checkpoint FILE         A checkpoint (.pth/.pt/.ckpt), TorchScript file, pickled model or an
                            MLflow model folder (repeatable)
    [--architecture NAME]   Passed to the model factory (else the checkpoint's "architecture")

Options:
  --output-dir DIR          Also write DIR/<name>/model.onnx, model.json and export.json
  --sample IMAGE            Check the export on this frame (default: a generated test card)
  --force                   Export again even when the cache has the model
  --check                   Only say which Python would run, and its torch (and mlflow) version
  --json                    Print the result as JSON on stdout
  --data-dir DIR            Settings, job journal and caches (the export cache among them)
  -h, --help                Show this help

${PYTHON_HELP}`;

export async function exportCommand(argv: string[], { io, loc, onInterrupt }: JobCommandEnv): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...MLFLOW_FLAGS,
      checkpoint: { type: 'string', multiple: true },
      architecture: { type: 'string' },
      'output-dir': { type: 'string' },
      sample: { type: 'string' },
      force: { type: 'boolean' },
      check: { type: 'boolean' },
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...PYTHON_FLAGS,
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.out(EXPORT_HELP);
    return 0;
  }
  const pytorch = pythonOptionsFrom(values);
  const sources: ModelSource[] = [];
  const mlflow = mlflowSourceFrom(values);
  if (mlflow) sources.push(mlflow);
  for (const c of values.checkpoint ?? []) {
    sources.push({
      type: 'torch',
      path: resolve(c),
      ...(values.architecture ? { architecture: values.architecture } : {}),
    });
  }
  if (sources.length === 0 && !values.check)
    throw new UsageError('name the models: --mlflow-uri with --experiment-name, or --checkpoint FILE');

  const host = await cliHost(values['data-dir'] ? { 'data-dir': values['data-dir'] } : {}, io, loc);
  const progressOut = values.json ? io.err : io.out;
  try {
    await host.engine.start();
    if (values.check) {
      const r = await host.engine.request('python.check', {
        ...(pytorch.python ? { python: pytorch.python } : {}),
        fresh: true,
      });
      if (!r.ok) throw new Error(r.error.message);
      const c = r.value;
      if (values.json) io.out(JSON.stringify(c, null, 2) + '\n');
      else if (c.ok)
        io.out(
          `${c.resolved ?? c.executable} (Python ${c.python}): torch ${c.torch}, mlflow ${c.mlflow ?? 'not installed'}, onnx ${c.onnx ?? 'not installed'}\n`,
        );
      else io.err(`loupe export: ${c.error}\n`);
      if (sources.length === 0) return c.ok ? 0 : 1;
    }
    const spec: ExportModelsSpec = {
      kind: 'export-models',
      sources,
      ...(values['output-dir'] ? { outputDir: resolve(values['output-dir']) } : {}),
      ...(values.sample ? { sample: resolve(values.sample) } : {}),
      ...(Object.keys(pytorch).length ? { pytorch } : {}),
      ...(values.force ? { force: true } : {}),
    };
    const submitted = await host.engine.request('jobs.submit', spec);
    if (!submitted.ok) {
      io.err(`loupe export: ${submitted.error.message}\n`);
      return 1;
    }
    let phase: string | null = null;
    const final = await followJob(host, submitted.value, {
      onInterrupt,
      stopping: 'Stopping the export…',
      progressOut,
      onProgress: (job) => {
        if (job.phase && job.phase !== phase) progressOut(`${job.phase}…\n`);
        phase = job.phase ?? null;
      },
      onEvent: (event) => {
        if (event.name !== 'job:items' || event.payload.jobId !== submitted.value.id) return;
        for (const item of event.payload.items) {
          const d = item.data as ExportItemData | undefined;
          if (d) progressOut(`${exportLine(d)}\n`);
        }
      },
    });
    if (final.status === 'failed') {
      io.err(`loupe export: ${final.error?.message ?? 'the export failed'}\n`);
      return 1;
    }
    const result = final.result as ExportModelsResult | null;
    if (values.json) io.out(JSON.stringify(result, null, 2) + '\n');
    if (final.status === 'cancelled') return 130;
    return result && result.models.every((m) => m.status === 'success' || m.status === 'skipped') ? 0 : 1;
  } finally {
    await host.stop();
  }
}

/** One model's outcome on the terminal. */
export function exportLine(d: ExportItemData): string {
  if (d.status !== 'success' || !d.export) return `${d.name}: ${d.status}${d.error ? `: ${d.error}` : ''}`;
  const e = d.export;
  const how = e.cached
    ? 'from the cache (no Python started)'
    : `exported in ${e.seconds.total} s with torch ${e.torch_version}`;
  return `${d.name}: ${how}; max |torch − ONNX| ${e.parity.max_abs_diff.toExponential(2)} on ${e.parity.frame}; pad multiple ${e.pad_multiple} (${e.pad_multiple_source})\n  ${d.onnx}`;
}
