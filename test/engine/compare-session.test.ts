import { spawnSync } from 'node:child_process';
import { cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompareSession } from '../../src/shared/compare';
import { readCompareSession } from '../../src/engine/restore/compare-session';
import { listMlflowExperiments, listMlflowRuns } from '../../src/engine/mlflow/listing';
import { meanOf } from '../../src/core/compare/metrics';
import { temporalPsnr } from '../../src/core/metrics/quality';
import { writeFixtureModels } from '../fixtures/onnx-models';
import { testExporter } from '../fixtures/exporter';
import { writeMlruns } from '../fixtures/mlruns';
import { textureSvg } from '../fixtures/texture';
import { repoRoot, tempDir } from '../helpers';

/** Every folder may be read (the host passes its grants; see test/host/host-grants.test.ts). */
const anyFolder = async (): Promise<boolean> => true;

/** An output folder written by the real `loupe infer`, read back as a comparison. */
describe('compare sessions', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let out: string;
  let frames: string;
  let gt: string;
  beforeAll(async () => {
    tmp = await tempDir('loupe-compare-');
    frames = join(tmp.path, 'frames');
    gt = join(tmp.path, 'gt');
    await mkdir(frames);
    await mkdir(gt);
    for (let i = 0; i < 4; i++) {
      const name = `f_${String(i).padStart(3, '0')}.png`;
      await sharp(Buffer.from(textureSvg(96, 64, 3 + i)))
        .removeAlpha()
        .png()
        .toFile(join(gt, name));
      await sharp(join(gt, name)).blur(1.2).png().toFile(join(frames, name));
    }
    const models = (await writeFixtureModels(join(tmp.path, 'models'))).dir;
    out = join(tmp.path, 'output_inference');
    const r = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'bin', 'loupe.js'),
        'infer',
        '--models-dir',
        models,
        '--input-dir',
        frames,
        '--gt-dir',
        gt,
        '--output-dir',
        out,
      ],
      { env: { ...process.env, LOUPE_DATA_DIR: join(tmp.path, 'data') }, encoding: 'utf8', timeout: 240_000 },
    );
    expect(r.status, r.stderr).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  const check = async (session: CompareSession, root: string): Promise<void> => {
    expect(session.frames.map((f) => f.name)).toEqual(['f_000.png', 'f_001.png', 'f_002.png', 'f_003.png']);
    const blur = session.models.find((m) => m.name === 'fixture-blur')!;
    expect(blur.status).toBe('success');
    expect(blur.outputs).toEqual([0, 1, 2, 3].map((i) => join(blur.folder, `f_${String(i).padStart(3, '0')}.png`)));
    expect(blur.folder.startsWith(root)).toBe(true);
    // The same numbers as the model's metrics.json, frame by frame and in the mean.
    const metrics = JSON.parse(await readFile(join(blur.folder, 'metrics.json'), 'utf8')) as {
      frames: { input: string; psnr: number; ssim: number }[];
      mean: { psnr: number; ssim: number };
    };
    expect(blur.psnr).toEqual(metrics.frames.map((f) => f.psnr));
    expect(blur.ssim).toEqual(metrics.frames.map((f) => f.ssim));
    expect(blur.mean).toEqual(metrics.mean);
    expect(meanOf(blur.psnr)).toBeCloseTo(metrics.mean.psnr, 3);
    // A model that could not run is listed with its reason, without outputs.
    const corrupt = session.models.find((m) => m.name === 'corrupt')!;
    expect(corrupt.status).toBe('load_failed');
    expect(corrupt.error).toBeTruthy();
    expect(corrupt.outputs.every((o) => o === null)).toBe(true);
  };

  it('reads frames, outputs and metrics as metrics.json states them; failed models with their reason', async () => {
    const session = await readCompareSession(out, anyFolder);
    expect(session.inputDir).toBe(frames);
    expect(session.gtDir).toBe(gt);
    expect(session.frames[2]).toEqual({
      index: 2,
      name: 'f_002.png',
      input: join(frames, 'f_002.png'),
      gt: join(gt, 'f_002.png'),
    });
    expect(session.ssimDefinition).toMatch(/structural_similarity/);
    await check(session, out);
    // The input against the ground truth, measured once by the run: the baseline row.
    const input = JSON.parse(await readFile(join(out, 'input_metrics.json'), 'utf8')) as {
      frames: { input: string; psnr: number; ssim: number }[];
      mean: { psnr: number; ssim: number };
      definition: string;
    };
    expect(input.frames.map((f) => f.input)).toEqual(['f_000.png', 'f_001.png', 'f_002.png', 'f_003.png']);
    expect(input.definition).toMatch(/structural_similarity/);
    expect(session.baseline).toEqual({
      psnr: input.frames.map((f) => f.psnr),
      ssim: input.frames.map((f) => f.ssim),
      scores: {},
      mean: input.mean,
    });
    expect(meanOf(session.baseline!.psnr)).toBeCloseTo(input.mean.psnr, 3);
    // The temporal metric: frame k's change against the ground truth's, as metrics.json states it,
    // and as temporalPsnr gives it on the files themselves.
    const blur = session.models.find((m) => m.name === 'fixture-blur')!;
    const q = JSON.parse(await readFile(join(blur.folder, 'metrics.json'), 'utf8')) as {
      mean: { tpsnr: number };
      temporal: { definition: string; frames: { input: string; tpsnr: number }[]; mean: number };
    };
    expect(q.temporal.definition).toMatch(/\(out_k − out_\{k−1\}\) − \(gt_k − gt_\{k−1\}\)/);
    expect(q.temporal.frames.map((f) => f.input)).toEqual(['f_001.png', 'f_002.png', 'f_003.png']);
    expect(blur.tpsnr).toEqual([null, ...q.temporal.frames.map((f) => f.tpsnr)]);
    expect(q.mean.tpsnr).toBe(q.temporal.mean);
    expect(session.temporalDefinition).toBe(q.temporal.definition);
    const raw = async (path: string) => {
      const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return { data, width: info.width, height: info.height, channels: 3 };
    };
    const t = temporalPsnr(
      await raw(blur.outputs[2]!),
      await raw(blur.outputs[1]!),
      await raw(join(gt, 'f_002.png')),
      await raw(join(gt, 'f_001.png')),
      255,
    );
    expect(blur.tpsnr[2]).toBeCloseTo(t, 3);
  });

  it('opens a copied output folder whose inputs are gone', async () => {
    const moved = join(tmp.path, 'elsewhere', 'results');
    await cp(out, moved, { recursive: true });
    const stash = join(tmp.path, 'frames-away');
    await cp(frames, stash, { recursive: true });
    await rm(frames, { recursive: true });
    await rm(out, { recursive: true });
    try {
      const session = await readCompareSession(moved, anyFolder);
      expect(session.inputDir).toBeNull();
      expect(session.frames.every((f) => f.input === null)).toBe(true);
      await check(session, moved);
    } finally {
      await cp(stash, frames, { recursive: true });
      await cp(moved, out, { recursive: true });
    }
  });

  it('pairs the outputs of an earlier version (frame_%06d.png, no output_names) with their inputs', async () => {
    const old = join(tmp.path, 'old-version');
    await cp(out, old, { recursive: true });
    const summaryFile = join(old, 'batch_summary.json');
    const summary = JSON.parse(await readFile(summaryFile, 'utf8')) as { models: { output_dir: string | null }[] };
    for (const m of summary.models) if (m.output_dir) m.output_dir = join(old, basename(m.output_dir));
    await writeFile(summaryFile, JSON.stringify(summary));
    const blurDir = join(old, basename(summary.models.find((m) => m.output_dir?.includes('blur'))!.output_dir!));
    const meta = JSON.parse(await readFile(join(blurDir, 'metadata.json'), 'utf8')) as {
      output_names?: string;
      frames: { index: number; input: string; output: string }[];
    };
    delete meta.output_names;
    // Written in reverse, so pairing by position in the list would be caught.
    for (const f of meta.frames.reverse()) {
      const renamed = `frame_${String(f.index).padStart(6, '0')}.png`;
      await rename(join(blurDir, f.output), join(blurDir, renamed));
      f.output = renamed;
    }
    await writeFile(join(blurDir, 'metadata.json'), JSON.stringify(meta));
    const session = await readCompareSession(old, anyFolder);
    const blur = session.models.find((m) => m.name === 'fixture-blur')!;
    expect(blur.outputs).toEqual([0, 1, 2, 3].map((i) => join(blurDir, `frame_00000${i}.png`)));
    expect(session.frames.map((f) => f.name)).toEqual(['f_000.png', 'f_001.png', 'f_002.png', 'f_003.png']);
  });

  it('neither lists nor reads the folders it may not read, and names them', async () => {
    const session = await readCompareSession(out, async (dir) => dir.startsWith(out));
    expect(session.inputDir).toBeNull();
    expect(session.gtDir).toBeNull();
    expect(session.ungranted).toEqual([
      { role: 'frames', path: frames },
      { role: 'ground-truth', path: gt },
    ]);
    // The frames are the ones the models recorded; no path outside the output folder is given out.
    expect(session.frames.map((f) => f.name)).toEqual(['f_000.png', 'f_001.png', 'f_002.png', 'f_003.png']);
    expect(session.frames.every((f) => f.input === null && f.gt === null)).toBe(true);
    const blur = session.models.find((m) => m.name === 'fixture-blur')!;
    expect(blur.outputs.every((o) => o !== null && o.startsWith(out))).toBe(true);
    // A model folder outside the output folder is named too, and nothing in it is read.
    const none = await readCompareSession(out, async () => false);
    expect(none.ungranted.filter((u) => u.role === 'model').map((u) => u.model)).toContain('fixture-blur');
    expect(none.models.every((m) => m.outputs.every((o) => o === null))).toBe(true);
  });

  it('refuses a folder that is not a batch output', async () => {
    await expect(readCompareSession(frames, anyFolder)).rejects.toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('lists MLflow runs with params, metrics and whether the model is there', async () => {
    const store = join(tmp.path, 'mlruns');
    await writeMlruns(store);
    const exporter = testExporter(join(tmp.path, 'exports'));
    expect((await listMlflowExperiments(store)).map((e) => e.name)).toContain('restoration');
    const all = await listMlflowRuns(
      { uri: store, experiment: 'restoration', status: null },
      () => {
        throw new Error('no server here');
      },
      exporter,
    );
    const byName = Object.fromEntries(all.runs.map((r) => [r.runName, r]));
    expect(byName.unet_small).toMatchObject({ status: 'FINISHED', params: { epochs: '30' }, model: { ok: true } });
    expect(byName['lost-artifact']?.model).toMatchObject({ ok: false });
    const finished = await listMlflowRuns(
      { uri: store, experiment: 'restoration', status: 'FINISHED' },
      () => {
        throw new Error('no server here');
      },
      exporter,
    );
    expect(finished.runs.every((r) => r.status === 'FINISHED')).toBe(true);
    await expect(
      listMlflowRuns(
        { uri: store, experiment: 'nope' },
        () => {
          throw new Error('no server here');
        },
        exporter,
      ),
    ).rejects.toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});
