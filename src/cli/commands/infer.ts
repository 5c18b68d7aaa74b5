import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import {
  OUTPUT_NAMINGS,
  type ModelSource,
  type OutputNaming,
  type RestoreItemData,
  type RestoreFramesResult,
  type RestoreFramesSpec,
} from '../../shared/jobs';
import { formatDuration, formatRate } from '../../core/format';
import { parseMetricModelOption } from '../../core/metrics/metric-model';
import { cliHost, UsageError, type JobCommandEnv } from '../context';
import { followJob } from '../follow-job';
import { listFlag, MLFLOW_FLAGS, mlflowSourceFrom, type Flags } from '../model-sources';
import { PYTHON_FLAGS, PYTHON_HELP, pythonOptionsFrom } from '../python-options';
import { SHARD_HELP, shardLine, shardOption } from '../shard-option';

export const INFER_HELP = `Usage: loupe infer [options]

Run restoration models over a frame sequence at native resolution: every model over every frame,
lossless PNG outputs of the input's size and bit depth in <output-dir>/<run_name>_<epoch>ep_loss<loss>/
(each named after its input: frame_0000.jpg → frame_0000.png; metadata.json, metrics.json with
--gt-dir) and batch_summary.json with one
entry per model: success, download_failed, unsupported_format, export_failed, load_failed,
inference_failed or skipped, each with the reason. A model whose name another model of the batch
shares gets its source in its folder's name: "unet · bundled", "unet · a" (--models-dir /models/a).
A failing model never stops the others.
Resumable: a rerun skips frames already written and tries the failed ones again. A full disk
stops the batch ("disk full", exit 1); nothing half-written is left.

Model sources (any combination; default: the bundled models):
  --mlflow-uri URI        MLflow file store (./mlruns, file://…) or tracking server (http[s]://…;
                          MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD)
  --experiment-name NAME  The experiment whose runs to use (with --mlflow-uri)
  --filter-status S       FINISHED (default) | RUNNING | FAILED | KILLED | none
  --max-runs N            At most N runs, newest first
  --run-id ID             Only this run, whatever its status (repeatable)
  --mlflow-timeout SEC    A tracking server request's limit, retries included (default
                          MLFLOW_HTTP_REQUEST_TIMEOUT, else 15); an unreachable server fails
                          its runs alone (download_failed), the other models still run
  --models-dir DIR        A folder of .onnx files (with optional model.json)
  --checkpoint FILE       A PyTorch model file or MLflow model folder (repeatable; exported first)
  --bundled               The bundled models too

${PYTHON_HELP}
Options:
  --input-dir DIR         Frames (default data/01_raw/input)
  --output-dir DIR        (default output_inference)
  --gt-dir DIR            Ground truth with the same file names: PSNR/SSIM per frame per model
  --config FILE           YAML with any of these options (snake_case or as here, without --)
  --device D              auto | coreml | cuda | webgpu | dml | cpu
  --tiled                 Tile every frame (frames that fail to allocate are tiled anyway)
  --tile-size N           Tile size (default 512)
  --tile-overlap N        Tile overlap (default 32)
  --resume / --no-resume  Skip frames already written (default: resume)
  --no-retry-failed       On a rerun, keep frames that failed before as failed (default: try
                          them again)
  --metric-model PATH     An ONNX metric model scoring every output (and the input) against its
                          ground truth, e.g. LPIPS (repeatable; needs --gt-dir): its own column in
                          metrics.json, batch_summary.json and Compare (docs/metric-models.md).
                          PATH,better=lower|higher,range=LO:HI,name=N override the file's
                          loupe.metric.* metadata (defaults: lower, 0:1, the file's stem)
  --output-names N        stem (default: each output keeps its input's file stem, as .png;
                          inputs whose stems collide keep their extension too: a.jpg.png) |
                          index (frame_000000.png, frame_000001.png … by frame order, as
                          earlier versions wrote). metadata.json records which
  --json                  Print batch_summary.json's content on stdout
  --data-dir DIR          Settings, job journal and caches
  -h, --help              Show this help

${SHARD_HELP}
  An infer shard runs its (model, frame range) units (models × frames cut into N equal runs, model
  by model) and writes only their PNGs; metadata.json, metrics.json and batch_summary.json are the
  merge's. --config may set shard: and no_merge: too.
`;

export async function inferCommand(argv: string[], { io, loc, onInterrupt }: JobCommandEnv): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...MLFLOW_FLAGS,
      config: { type: 'string' },
      'models-dir': { type: 'string' },
      checkpoint: { type: 'string', multiple: true },
      bundled: { type: 'boolean' },
      ...PYTHON_FLAGS,
      'input-dir': { type: 'string' },
      'output-dir': { type: 'string' },
      'gt-dir': { type: 'string' },
      device: { type: 'string' },
      tiled: { type: 'boolean' },
      'tile-size': { type: 'string' },
      'tile-overlap': { type: 'string' },
      resume: { type: 'boolean' },
      'no-resume': { type: 'boolean' },
      'retry-failed': { type: 'boolean' },
      'no-retry-failed': { type: 'boolean' },
      'output-names': { type: 'string' },
      'metric-model': { type: 'string', multiple: true },
      json: { type: 'boolean' },
      shard: { type: 'string' },
      'no-merge': { type: 'boolean' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.out(INFER_HELP);
    return 0;
  }
  // --config first, flags over it.
  let flags: Flags = {};
  if (values.config) {
    let yaml: unknown;
    try {
      yaml = parseYaml(await readFile(resolve(values.config), 'utf8'));
    } catch (e) {
      throw new UsageError(`cannot read --config ${values.config}: ${(e as Error).message}`);
    }
    if (yaml && typeof yaml === 'object') {
      for (const [k, v] of Object.entries(yaml as Record<string, unknown>))
        flags[k.replace(/_/g, '-')] = typeof v === 'boolean' ? v : Array.isArray(v) ? v.map(String) : String(v);
    }
  }
  flags = { ...flags, ...Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) };
  const str = (k: string): string | undefined => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const int = (k: string, min: number): number | undefined => {
    const v = str(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${k} must be an integer ≥ ${min}`);
    return n;
  };

  const sources: ModelSource[] = [];
  const mlflow = mlflowSourceFrom(flags);
  if (mlflow) sources.push(mlflow);
  const modelsDir = str('models-dir');
  if (modelsDir) sources.push({ type: 'folder', dir: resolve(modelsDir) });
  for (const c of listFlag(flags, 'checkpoint')) sources.push({ type: 'torch', path: resolve(c) });
  if (flags.bundled === true || sources.length === 0) sources.push({ type: 'bundled' });

  const tileSize = int('tile-size', 16);
  const tileOverlap = int('tile-overlap', 0);
  const gtDir = str('gt-dir');
  const outputNames = str('output-names');
  if (outputNames !== undefined && !OUTPUT_NAMINGS.includes(outputNames as OutputNaming))
    throw new UsageError(`--output-names must be one of ${OUTPUT_NAMINGS.join(', ')}`);
  const metricModels = listFlag(flags, 'metric-model').map((text) => {
    const ref = parseMetricModelOption(text);
    if (!ref.ok) throw new UsageError(`--metric-model: ${ref.error.message}`);
    return { ...ref.value, path: resolve(ref.value.path) };
  });
  if (metricModels.length && !gtDir)
    throw new UsageError('--metric-model scores frames against the ground truth: give --gt-dir too');
  const spec: RestoreFramesSpec = {
    kind: 'restore-frames',
    inputDir: resolve(str('input-dir') ?? 'data/01_raw/input'),
    outputDir: resolve(str('output-dir') ?? 'output_inference'),
    sources,
    ...(gtDir ? { gtDir: resolve(gtDir) } : {}),
    ...(flags.tiled === true ? { tiled: true } : {}),
    ...(tileSize !== undefined ? { tileSize } : {}),
    ...(tileOverlap !== undefined ? { tileOverlap } : {}),
    resume: flags['no-resume'] !== true,
    // --no-retry-failed, or `retry_failed: false` in --config.
    retryFailed: flags['no-retry-failed'] !== true && flags['retry-failed'] !== false,
    ...(outputNames ? { outputNames: outputNames as OutputNaming } : {}),
    ...(metricModels.length ? { metricModels } : {}),
  };
  const pytorch = pythonOptionsFrom(flags);
  if (Object.keys(pytorch).length) spec.pytorch = pytorch;
  const shard = shardOption(str('shard'), flags['no-merge'] === true, io.env);
  if (shard) spec.shard = shard;

  const progressOut = values.json ? io.err : io.out;
  if (shard) progressOut(shardLine(shard));
  const device = str('device');
  const host = await cliHost(
    { ...(device ? { device } : {}), ...(str('data-dir') ? { 'data-dir': str('data-dir') } : {}) },
    io,
    loc,
  );
  try {
    await host.engine.start();
    const submitted = await host.engine.request('jobs.submit', spec);
    if (!submitted.ok) {
      io.err(`loupe infer: ${submitted.error.message}\n`);
      return 1;
    }
    let lastModel = '';
    let live = false;
    let phase: string | null = null;
    const final = await followJob(host, submitted.value, {
      onInterrupt,
      stopping: 'Stopping after the current frame…',
      progressOut,
      onEvent: (event) => {
        // What the exporter did (or that the cache made it unnecessary).
        if (event.name === 'log' && event.payload.jobId === submitted.value.id && event.payload.level === 'info') {
          if (live) io.out('\n');
          live = false;
          progressOut(`${event.payload.message}\n`);
          return;
        }
        if (event.name !== 'job:items' || event.payload.jobId !== submitted.value.id) return;
        for (const item of event.payload.items) {
          const data = item.data as RestoreItemData | undefined;
          const model = data?.model ?? '';
          if (model && model !== lastModel) {
            if (live) io.out('\n');
            live = false;
            lastModel = model;
            progressOut(
              `${model}: ${data?.modelStatus ?? (item.status === 'skipped' ? 'already written' : 'running')}\n`,
            );
          }
          if (item.status === 'failed') progressOut(`  ${item.key}: ${item.error?.message ?? 'failed'}\n`);
        }
      },
      onProgress: (job) => {
        if (job.phase && job.phase !== phase) {
          if (live) io.out('\n');
          live = false;
          progressOut(`${job.phase}…\n`);
        }
        phase = job.phase ?? null;
        if (!io.isTTY || values.json) return;
        io.out(
          `\r  ${job.done}/${job.total ?? '?'} frames · ${formatRate(job.rate, 'frames')} · ETA ${formatDuration(job.etaSec)}\u001b[K`,
        );
        live = true;
      },
    });
    if (live) io.out('\n');
    if (final.status === 'failed') {
      io.err(`loupe infer: ${final.error?.message ?? 'the batch failed'}\n`);
      return 1;
    }
    const result = final.result as RestoreFramesResult | null;
    if (values.json) io.out(JSON.stringify(result, null, 2) + '\n');
    else if (result) progressOut(summaryTable(result));
    return final.status === 'cancelled' ? 130 : 0;
  } finally {
    await host.stop();
  }
}

/** The batch summary as a table on the terminal. */
export function summaryTable(r: RestoreFramesResult): string {
  const metrics = r.metric_models ?? [];
  const rows = r.models.map((m) => [
    m.name,
    m.status,
    `${m.frames}/${r.frames}`,
    m.psnr_mean !== null ? m.psnr_mean.toFixed(2) : '—',
    m.ssim_mean !== null ? m.ssim_mean.toFixed(4) : '—',
    ...metrics.map((k) => m.metric_means?.[k.name]?.toFixed(4) ?? '—'),
    m.error ?? '',
  ]);
  const head = [
    'model',
    'status',
    'frames',
    'PSNR',
    'SSIM',
    ...metrics.map((k) => `${k.name} (${k.better === 'lower' ? '↓' : '↑'})`),
    'note',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)).toString());
  const fmt = (row: string[]): string =>
    row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(Number(widths[i])))).join('  ');
  return [`\n${fmt(head)}`, ...rows.map(fmt), `\nOutputs and batch_summary.json in ${r.outputDir}\n`].join('\n');
}
