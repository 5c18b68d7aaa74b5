/**
 * Claims (the PyTorch issue): a user's PyTorch run is exported once (time per model, cold, Python
 * start included) and the exported model then runs in `loupe infer` ≥ 3× faster than PyTorch
 * eager doing the same job; a second batch takes the export from the cache (no Python).
 *
 * The user's models: the bundled networks with their trained weights, logged as MLflow pytorch
 * runs (bench/make_torch_runs.py). The baseline: bench/torch_baseline.py, the same network and
 * weights in torch eager (read PNG, reflect-pad, forward, crop, write PNG), same frames, same run.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { it } from 'vitest';
import type { ExportRecord } from '../src/shared/pytorch';

const root = join(import.meta.dirname, '..');
const FRAMES = 8;
const ARCHS = { dncnn: 'loupe-restore-dncnn', unet: 'loupe-restore-unet', nafnet: 'loupe-restore-nafnet' };

it('PyTorch runs: export time, then exported model vs PyTorch eager at 720p', async () => {
  const work = join(tmpdir(), 'loupe-bench-pytorch');
  await rm(work, { recursive: true, force: true });
  const threads = availableParallelism();
  const store = join(work, 'mlruns');
  const made = spawnSync('/usr/bin/python3', [join(root, 'bench', 'make_torch_runs.py'), store], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(made.stderr);
  const frames = join(work, 'frames');
  await mkdir(frames, { recursive: true });
  const src = join(root, 'resources', 'samples', 'frames');
  for (const n of (await readdir(src))
    .filter((f) => f.endsWith('.png'))
    .sort()
    .slice(0, FRAMES))
    await sharp(join(src, n)).resize(1280, 720).png().toFile(join(frames, n));

  const loupe = (args: string[]) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(root, 'bin', 'loupe.js'), ...args, '--data-dir', join(work, 'data')], {
      encoding: 'utf8',
      timeout: 1_800_000,
    });
    if (r.status !== 0) throw new Error(`loupe ${args[0]} failed: ${r.stderr}`);
    return { ms: performance.now() - t0, stdout: r.stdout };
  };
  const rows: Record<string, unknown>[] = [];
  for (const [arch, id] of Object.entries(ARCHS)) {
    const runArgs = ['--mlflow-uri', store, '--experiment-name', 'user-restoration', '--python', '/usr/bin/python3'];
    const runId = md5(arch);
    // 1. The export alone, cold (no cache), checked on the first frame.
    const exp = loupe([
      'export',
      ...runArgs,
      '--run-id',
      runId,
      '--sample',
      join(frames, (await readdir(frames)).sort()[0]!),
      '--json',
    ]);
    const record = (JSON.parse(exp.stdout) as { models: { export: ExportRecord }[] }).models[0]!.export;
    // 2. The batch: the export comes from the cache; frames through ONNX Runtime.
    const out = join(work, `out-${arch}`);
    const batch = loupe(['infer', ...runArgs, '--run-id', runId, '--input-dir', frames, '--output-dir', out]);
    const summary = JSON.parse(await readFile(join(out, 'batch_summary.json'), 'utf8')) as {
      models: { output_dir: string; export: { cached: boolean } }[];
    };
    const meta = JSON.parse(await readFile(join(summary.models[0]!.output_dir, 'metadata.json'), 'utf8')) as {
      timings: { session_run_ms_total: number; wall_ms: number; frames: number };
    };
    // 3. PyTorch eager, same network and weights, same frames.
    const torch = spawnSync(
      '/usr/bin/python3',
      [
        join(root, 'bench', 'torch_baseline.py'),
        join(root, 'resources', 'models', id),
        frames,
        join(work, `torch-${arch}`),
        String(threads),
      ],
      { encoding: 'utf8', timeout: 1_800_000 },
    );
    if (torch.status !== 0) throw new Error(torch.stderr);
    const t = JSON.parse(torch.stdout.trim().split('\n').pop()!) as {
      frames: number;
      wall_s: number;
      forward_s: number;
    };
    const loupeFps = meta.timings.frames / (meta.timings.wall_ms / 1000);
    const torchFps = t.frames / t.wall_s;
    rows.push({
      model: arch,
      exportCliS: +(exp.ms / 1000).toFixed(1),
      exportS: record.seconds.total,
      exportParts: `load ${record.seconds.load} · probe ${record.seconds.probe} · export ${record.seconds.export} · torch check ${record.seconds.torch_forward}`,
      parity: record.parity.max_abs_diff,
      cachedInBatch: summary.models[0]!.export.cached,
      batchCliS: +(batch.ms / 1000).toFixed(1),
      loupeFps: +loupeFps.toFixed(2),
      torchFps: +torchFps.toFixed(2),
      sessionRunMsPerFrame: +(meta.timings.session_run_ms_total / meta.timings.frames).toFixed(1),
      torchForwardMsPerFrame: +((1000 * t.forward_s) / t.frames).toFixed(1),
      loupeOverTorch: +(loupeFps / torchFps).toFixed(2),
    });
    console.log(JSON.stringify(rows.at(-1)));
  }
  console.table(rows);
  await writeFile(
    join(tmpdir(), 'loupe-bench-pytorch.json'),
    JSON.stringify({ threads, frames: FRAMES, rows }, null, 2),
  );
}, 3_600_000);

function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}
