/**
 * Claim (issue 15): `loupe predict` is at least as fast as the plain OpenCV-Python script a user
 * would write (bench/opencv_peer.py), at equal or better accuracy, on the same photos in the same
 * run; whole process each (start-up, model and template loading included).
 *
 * The photos: real watch photos (/work/shared/data/watches, read, never copied into the repo;
 * LOUPE_BENCH_PHOTOS names another folder), each the labelled template of its own watch ID, and
 * 12 random perspective warps of each with exact truth (bench/make_keypoint_evalset.py). Both
 * sides are scored by the same code (core/formats/labels): mean keypoint error as a share of the
 * dial diameter, and the share of images that reach the full tier (the peer has only one tier: a
 * homography with ≥ 10 inliers, or nothing).
 *
 * LOUPE_BENCH_WORKERS (default "1,2"): the `--workers` values run, one whole process each.
 * CPU time per run is the process tree's (getrusage of the waited children, through python's
 * resource module), for the 8- and 16-core projection.
 */
import { spawnSync } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
import { ensureEvalset, evalsetTruth, type EvalTruth } from './evalset';
import type { Keypoints, LabelFile } from '../src/shared/labels';
import { dialDiameter, meanKeypointError, tierOf } from '../src/core/formats/labels';

const root = join(import.meta.dirname, '..');
const WORKERS = (process.env.LOUPE_BENCH_WORKERS ?? '1,2').split(',').filter(Boolean);
const PER_ID = 12;

/** Run a command under python's getrusage: wall and CPU seconds of the whole process tree. */
function timed(cmd: string[]): { wallMs: number; cpuMs: number; stdout: string; stderr: string } {
  const wrapper =
    'import resource,subprocess,sys,time,json\n' +
    't=time.perf_counter();r=subprocess.run(sys.argv[1:],stdout=subprocess.PIPE,stderr=subprocess.PIPE)\n' +
    'w=time.perf_counter()-t;u=resource.getrusage(resource.RUSAGE_CHILDREN)\n' +
    'sys.stdout.write(r.stdout.decode());sys.stderr.write(r.stderr.decode())\n' +
    'sys.stderr.write("\\nRUSAGE "+json.dumps({"code":r.returncode,"wall":w,"cpu":u.ru_utime+u.ru_stime})+"\\n")\n';
  const r = spawnSync('/usr/bin/python3', ['-c', wrapper, ...cmd], {
    encoding: 'utf8',
    timeout: 1_500_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = /RUSAGE (.*)\n$/.exec(r.stderr)?.[1];
  if (!line) throw new Error(`no timing: ${r.stderr.slice(-2000)}`);
  const u = JSON.parse(line) as { code: number; wall: number; cpu: number };
  if (u.code !== 0) throw new Error(`${cmd.join(' ')} failed (${u.code}): ${r.stderr.slice(-2000)}`);
  return { wallMs: u.wall * 1000, cpuMs: u.cpu * 1000, stdout: r.stdout, stderr: r.stderr };
}

function score(predicted: Map<string, Keypoints | null>, truth: Record<string, EvalTruth>) {
  const errors: number[] = [];
  let fitted = 0;
  for (const [key, t] of Object.entries(truth)) {
    const p = predicted.get(key);
    if (!p) continue;
    fitted++;
    errors.push((100 * meanKeypointError(p, t.coords_norm, t.image_size)) / dialDiameter(t.coords_norm, t.image_size));
  }
  errors.sort((a, b) => a - b);
  const n = Object.keys(truth).length;
  return {
    images: n,
    full: fitted,
    fullShare: fitted / n,
    medianErrorPct: errors[Math.floor(errors.length / 2)] ?? null,
    meanErrorPct: errors.reduce((a, b) => a + b, 0) / Math.max(1, errors.length),
    maxErrorPct: errors.at(-1) ?? null,
  };
}

async function readOutputs(dir: string): Promise<LabelFile> {
  const all: LabelFile = {};
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')))
    Object.assign(all, JSON.parse(await readFile(join(dir, f), 'utf8')) as LabelFile);
  return all;
}

it('predict vs a plain OpenCV-Python script: images/s and accuracy on real-texture warps', async () => {
  const work = join(tmpdir(), 'loupe-bench-vs-opencv');
  const set = join(work, 'set');
  ensureEvalset(set, ['--per-id', String(PER_ID)]);
  const truth = await evalsetTruth(set);
  const images = Object.keys(truth).length;

  const peerOut = join(work, 'peer.json');
  const peer = timed([
    '/usr/bin/python3',
    join(root, 'bench', 'opencv_peer.py'),
    join(set, 'images'),
    join(set, 'labels'),
    peerOut,
  ]);
  const peerJson = JSON.parse(await readFile(peerOut, 'utf8')) as {
    predictions: Record<string, EvalTruth | null>;
    stages_ms: Record<string, number>;
  };
  const peerScore = score(
    new Map(Object.entries(peerJson.predictions).map(([k, v]) => [k, v?.coords_norm ?? null])),
    truth,
  );

  const loupe: Record<string, unknown>[] = [];
  for (const workers of WORKERS) {
    const out = join(work, `loupe-w${workers}`);
    await rm(out, { recursive: true, force: true });
    const args = [join(root, 'bin', 'loupe.js'), 'predict', '--images-dir', join(set, 'images')];
    args.push('--labels-dir', join(set, 'labels'), '--output-dir', out, '--data-dir', join(work, 'data'), '--json');
    if (workers !== 'default') args.push('--workers', workers);
    const run = timed([process.execPath, ...args]);
    const labels = await readOutputs(out);
    const full = new Map<string, Keypoints | null>();
    const every = new Map<string, Keypoints | null>();
    const stages: Record<string, number> = {};
    for (const [key, r] of Object.entries(labels)) {
      const debug = r.debug_info as { timings_ms?: Record<string, number> } | undefined;
      for (const [k, v] of Object.entries(debug?.timings_ms ?? {})) stages[k] = (stages[k] ?? 0) + v / images;
      full.set(key, tierOf(r.annotator ?? '') === 'full' ? r.coords_norm : null);
      every.set(key, r.coords_norm);
    }
    const tiers = (JSON.parse(run.stdout) as { tiers: Record<string, number> }).tiers;
    const s = score(full, truth);
    const fallbacks = new Map([...every].filter(([k]) => !full.get(k)));
    loupe.push({
      workers,
      imagesPerSecond: images / (run.wallMs / 1000),
      wallMs: run.wallMs,
      cpuMsPerImage: run.cpuMs / images,
      tiers,
      ...s,
      fallbackMeanErrorPct: fallbacks.size ? score(fallbacks, truth).meanErrorPct : null,
      stagesMsPerImage: stages,
      mainThread: /main thread: .*/.exec(await readFile(join(out, 'predict.log'), 'utf8'))?.[0] ?? null,
      vsPeer: peer.wallMs / run.wallMs,
    });
  }
  const cores = availableParallelism();
  const result = {
    images,
    watchIds: Object.keys(truth).length / PER_ID,
    cores,
    peer: {
      imagesPerSecond: images / (peer.wallMs / 1000),
      wallMs: peer.wallMs,
      cpuMsPerImage: peer.cpuMs / images,
      stagesMsPerImage: Object.fromEntries(Object.entries(peerJson.stages_ms).map(([k, v]) => [k, v / images])),
      ...peerScore,
    },
    loupe,
  };
  console.log(JSON.stringify(result, null, 2));
  await writeFile(join(tmpdir(), 'loupe-bench-predict-vs-opencv.json'), JSON.stringify(result, null, 2));
}, 1_800_000);
