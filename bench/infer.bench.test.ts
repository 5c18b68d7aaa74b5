/**
 * Claims: `loupe infer` runs each bundled restoration model ≥ 3× faster than PyTorch eager doing
 * the same job (read PNG, pad, forward, crop, write PNG; the seed's way), and its wall time stays
 * within 1.1× of Σ session.run (decode, padding and PNG writing overlap inference).
 * Measured in the same run on the same frames at 1280×720 and 1920×1080, one model at a time,
 * without ground truth (metrics are not part of either job).
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { it } from 'vitest';

const root = join(import.meta.dirname, '..');
const FRAMES = 8;
const MODELS = ['loupe-restore-dncnn', 'loupe-restore-unet', 'loupe-restore-nafnet'];

async function frameSet(dir: string, width: number, height: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const src = join(root, 'resources', 'samples', 'frames');
  const names = (await readdir(src))
    .filter((n) => n.endsWith('.png'))
    .sort()
    .slice(0, FRAMES);
  for (const n of names)
    await sharp(join(src, n)).resize(width, height, { kernel: 'lanczos3' }).png().toFile(join(dir, n));
}

it('infer: frames/s per model vs Σ session.run and vs PyTorch eager, 720p and 1080p', async () => {
  const work = join(tmpdir(), 'loupe-bench-infer');
  await rm(work, { recursive: true, force: true });
  const threads = availableParallelism();
  const rows: Record<string, unknown>[] = [];
  for (const [label, w, h] of [
    ['1280×720', 1280, 720],
    ['1920×1080', 1920, 1080],
  ] as const) {
    const frames = join(work, `frames-${w}`);
    await frameSet(frames, w, h);
    for (const id of MODELS) {
      // One model per run: its own folder holding just that model.
      const models = join(work, 'models', id);
      await cp(join(root, 'resources', 'models', id), join(models, id), { recursive: true });
      const out = join(work, `out-${w}-${id}`);
      const started = performance.now();
      const r = spawnSync(
        process.execPath,
        [
          join(root, 'bin', 'loupe.js'),
          'infer',
          '--models-dir',
          models,
          '--input-dir',
          frames,
          '--output-dir',
          out,
          '--data-dir',
          join(work, 'data'),
        ],
        { encoding: 'utf8', timeout: 1_200_000 },
      );
      const cliMs = performance.now() - started;
      if (r.status !== 0) throw new Error(`loupe infer failed: ${r.stderr}`);
      const summary = JSON.parse(await readFile(join(out, 'batch_summary.json'), 'utf8')) as {
        models: { output_dir: string }[];
      };
      const meta = JSON.parse(await readFile(join(summary.models[0]!.output_dir, 'metadata.json'), 'utf8')) as {
        timings: { load_ms: number; session_run_ms_total: number; wall_ms: number; frames: number };
      };
      const torch = spawnSync(
        '/usr/bin/python3',
        [
          join(root, 'bench', 'torch_baseline.py'),
          join(root, 'resources', 'models', id),
          frames,
          join(work, `torch-${w}-${id}`),
          String(threads),
        ],
        { encoding: 'utf8', timeout: 1_800_000 },
      );
      if (torch.status !== 0) throw new Error(`torch baseline failed: ${torch.stderr}`);
      const t = JSON.parse(torch.stdout.trim().split('\n').pop()!) as {
        frames: number;
        wall_s: number;
        forward_s: number;
      };
      // Loupe's wall: the model's batch from its first frame to its last PNG on disk (the session
      // load is reported apart, as for the baseline, which builds its network before timing).
      const wallMs = meta.timings.wall_ms;
      const loupeFps = meta.timings.frames / (wallMs / 1000);
      const torchFps = t.frames / t.wall_s;
      rows.push({
        size: label,
        model: id,
        loupeFps: +loupeFps.toFixed(2),
        sessionRunMsPerFrame: +(meta.timings.session_run_ms_total / meta.timings.frames).toFixed(1),
        wallOverSessionRun: +(wallMs / meta.timings.session_run_ms_total).toFixed(3),
        loadMs: meta.timings.load_ms,
        cliWallS: +(cliMs / 1000).toFixed(1),
        torchFps: +torchFps.toFixed(2),
        torchForwardMsPerFrame: +((1000 * t.forward_s) / t.frames).toFixed(1),
        loupeOverTorch: +(loupeFps / torchFps).toFixed(2),
      });
      console.log(JSON.stringify(rows.at(-1)));
    }
  }
  console.table(rows);
  await writeFile(join(tmpdir(), 'loupe-bench-infer.json'), JSON.stringify({ threads, frames: FRAMES, rows }, null, 2));
}, 3_600_000);
