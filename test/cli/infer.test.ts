import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRunSummary } from '../../src/shared/jobs';
import { writeFixtureModels } from '../fixtures/onnx-models';
import { writeMlruns } from '../fixtures/mlruns';
import { textureSvg } from '../fixtures/texture';
import { NO_SUCH_PID, repoRoot, tempDir, waitFor } from '../helpers';

/** `loupe infer` as a user runs it: the built CLI, a real engine, real ONNX models, real PNGs. */
const bin = join(repoRoot, 'bin', 'loupe.js');

interface Summary {
  frames: number;
  models: ModelRunSummary[];
  ranking: { run_name: string; psnr_mean: number }[];
}

async function writeFrames(
  dir: string,
  count: number,
  width: number,
  height: number,
  depth: 8 | 16 = 8,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const img = sharp(Buffer.from(textureSvg(width, height, 11 + i))).removeAlpha();
    const out = join(dir, `cam_${String(i * 5).padStart(4, '0')}.png`);
    if (depth === 16) await img.toColourspace('rgb16').png().toFile(out);
    else await img.png().toFile(out);
  }
}

async function raw(
  path: string,
): Promise<{ data: Uint8Array | Uint16Array; width: number; height: number; depth: string }> {
  const meta = await sharp(path).metadata();
  if (meta.depth === 'ushort') {
    const b = await sharp(path).toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer();
    return {
      data: new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2),
      width: meta.width!,
      height: meta.height!,
      depth: 'ushort',
    };
  }
  return {
    data: new Uint8Array(await sharp(path).raw().toBuffer()),
    width: meta.width!,
    height: meta.height!,
    depth: 'uchar',
  };
}

describe('loupe infer', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  let frames: string;
  let models: string;
  beforeAll(async () => {
    tmp = await tempDir('loupe-infer-');
    env = { ...process.env, LOUPE_DATA_DIR: join(tmp.path, 'data') };
    frames = join(tmp.path, 'frames');
    await writeFrames(frames, 3, 160, 120);
    models = (await writeFixtureModels(join(tmp.path, 'models'))).dir;
  });
  afterAll(() => tmp.cleanup());

  const infer = (...args: string[]) =>
    spawnSync(process.execPath, [bin, 'infer', ...args], { env, encoding: 'utf8', timeout: 240_000 });
  const summary = async (dir: string) => JSON.parse(await readFile(join(dir, 'batch_summary.json'), 'utf8')) as Summary;

  it('runs every FINISHED MLflow run over every frame; a run whose model is missing is download_failed', async () => {
    const store = join(tmp.path, 'mlruns');
    await writeMlruns(store);
    const out = join(tmp.path, 'o-mlflow');
    const r = infer(
      '--mlflow-uri',
      store,
      '--experiment-name',
      'restoration',
      '--input-dir',
      frames,
      '--gt-dir',
      frames,
      '--output-dir',
      out,
    );
    expect(r.status).toBe(0);
    const s = await summary(out);
    const byName = Object.fromEntries(s.models.map((m) => [m.run_name, m]));
    expect(Object.keys(byName).sort()).toEqual(['dncnn', 'lost-artifact', 'mlflow3', 'unet_small']);
    expect(byName['lost-artifact']).toMatchObject({
      status: 'download_failed',
      error: expect.stringMatching(/model.onnx, which is missing/),
    });
    for (const name of ['dncnn', 'mlflow3', 'unet_small'])
      expect(byName[name]).toMatchObject({ status: 'success', frames: 3, provider: 'cpu' });
    // The seed's folder naming: <run_name>_<epoch>ep_loss<loss>, when the run says both.
    expect(byName.unet_small?.output_dir).toMatch(/unet_small_30ep_loss0\.1000$/);
    const dir = byName.unet_small!.output_dir!;
    // Each output keeps its input's name.
    expect((await readdir(dir)).filter((f) => f.endsWith('.png'))).toEqual([
      'cam_0000.png',
      'cam_0005.png',
      'cam_0010.png',
    ]);
    const frame = await raw(join(dir, 'cam_0005.png'));
    expect([frame.width, frame.height, frame.depth]).toEqual([160, 120, 'uchar']);
    const meta = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8'));
    expect(meta).toMatchObject({
      run_id: 'a1',
      run_name: 'unet_small',
      epoch: 30,
      architecture: 'unet',
      params: { epochs: '30' },
      provider: { active: 'cpu' },
      padding: { mode: 'reflect' },
      output_names: 'stem',
    });
    expect(meta.frames).toHaveLength(3);
    expect(meta.timings.session_run_ms_total).toBeGreaterThan(0);
    const metrics = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8'));
    expect(metrics.frames).toHaveLength(3);
    expect(metrics.mean.psnr).toBeGreaterThan(10);
    expect(metrics.definition).toMatch(/structural_similarity/);
    expect(s.ranking.length).toBe(3);

    // `output_names: index` in --config (as --output-names index): the seed's frame_%06d.png.
    const config = join(tmp.path, 'index-names.yaml');
    await writeFile(config, 'output_names: index\n');
    const all = infer(
      '--config',
      config,
      '--mlflow-uri',
      store,
      '--experiment-name',
      'restoration',
      '--filter-status',
      'none',
      '--input-dir',
      frames,
      '--output-dir',
      join(tmp.path, 'o-all'),
      '--json',
    );
    expect(all.status).toBe(0);
    const crashed = (JSON.parse(all.stdout) as Summary).models.find((m) => m.run_name === 'crashed');
    expect(crashed).toMatchObject({ status: 'skipped', error: expect.stringMatching(/run failed/) });
    const indexed = (JSON.parse(all.stdout) as Summary).models.find((m) => m.run_name === 'unet_small')!;
    expect((await readdir(indexed.output_dir!)).filter((f) => f.endsWith('.png'))).toEqual([
      'frame_000000.png',
      'frame_000001.png',
      'frame_000002.png',
    ]);
    const indexedMeta = JSON.parse(await readFile(join(indexed.output_dir!, 'metadata.json'), 'utf8'));
    expect(indexedMeta.output_names).toBe('index');
    expect(indexedMeta.frames[1]).toMatchObject({ index: 1, input: 'cam_0005.png', output: 'frame_000001.png' });
    expect(infer('--output-names', 'numbered', '--input-dir', frames).stderr).toMatch(
      /--output-names must be one of stem, index/,
    );
  });

  it('reports a corrupt .onnx as load_failed and runs the others', async () => {
    const out = join(tmp.path, 'o-folder');
    const r = infer('--models-dir', models, '--input-dir', frames, '--output-dir', out);
    expect(r.status).toBe(0);
    const byName = Object.fromEntries((await summary(out)).models.map((m) => [m.run_name, m]));
    expect(byName.corrupt).toMatchObject({
      status: 'load_failed',
      error: expect.stringMatching(/not a valid ONNX model/),
    });
    expect(byName['fixture-blur']).toMatchObject({ status: 'success', frames: 3 });
    expect(byName['tiny-pose']).toMatchObject({ status: 'skipped' });
    expect(r.stdout).toMatch(/fixture-blur\s+success\s+3\/3/);
  });

  it('measures JPEG frames against PNG ground truth of the same stem', async () => {
    const jpegs = join(tmp.path, 'frames-jpeg');
    await mkdir(jpegs);
    for (const f of await readdir(frames))
      await sharp(join(frames, f))
        .jpeg({ quality: 60 })
        .toFile(join(jpegs, f.replace(/\.png$/, '.jpg')));
    const out = join(tmp.path, 'o-jpeg');
    const r = infer('--models-dir', models, '--input-dir', jpegs, '--gt-dir', frames, '--output-dir', out);
    expect(r.status).toBe(0);
    const blur = (await summary(out)).models.find((m) => m.run_name === 'fixture-blur')!;
    const metrics = JSON.parse(await readFile(join(blur.output_dir!, 'metrics.json'), 'utf8')) as {
      frames: { input: string; psnr: number | null }[];
    };
    expect(metrics.frames.map((f) => f.input)).toEqual(['cam_0000.jpg', 'cam_0005.jpg', 'cam_0010.jpg']);
    for (const f of metrics.frames) expect(f.psnr).toBeGreaterThan(10);
    // A JPEG frame's output keeps its stem, as a (lossless) PNG.
    expect((await readdir(blur.output_dir!)).filter((f) => /\.(png|jpg)$/.test(f))).toEqual([
      'cam_0000.png',
      'cam_0005.png',
      'cam_0010.png',
    ]);
  });

  it('gives the same output tiled as whole-frame for a model whose receptive field is inside the overlap', async () => {
    const big = join(tmp.path, 'frames-big');
    await writeFrames(big, 1, 300, 220);
    const whole = join(tmp.path, 'o-whole');
    const tiled = join(tmp.path, 'o-tiled');
    expect(infer('--models-dir', models, '--input-dir', big, '--output-dir', whole).status).toBe(0);
    expect(
      infer(
        '--models-dir',
        models,
        '--input-dir',
        big,
        '--output-dir',
        tiled,
        '--tiled',
        '--tile-size',
        '96',
        '--tile-overlap',
        '16',
      ).status,
    ).toBe(0);
    const t = (await summary(tiled)).models.find((m) => m.run_name === 'fixture-blur');
    expect(t?.frames_tiled).toBe(1);
    const a = await raw(join(whole, 'fixture-blur', 'cam_0000.png'));
    const b = await raw(join(tiled, 'fixture-blur', 'cam_0000.png'));
    let max = 0;
    for (let i = 0; i < a.data.length; i++)
      max = Math.max(max, Math.abs((a.data[i] as number) - (b.data[i] as number)));
    expect(max).toBeLessThanOrEqual(1); // within 1/255
  });

  it('keeps 16-bit frames 16-bit, at the input size', async () => {
    const deep = join(tmp.path, 'frames-16');
    await writeFrames(deep, 2, 97, 61, 16);
    const out = join(tmp.path, 'o-16');
    expect(infer('--models-dir', models, '--input-dir', deep, '--output-dir', out).status).toBe(0);
    const input = await raw(join(deep, 'cam_0000.png'));
    const output = await raw(join(out, 'fixture-blur', 'cam_0000.png'));
    expect([output.width, output.height, output.depth]).toEqual([97, 61, 'ushort']);
    // Values use the 16-bit range: not 8-bit values scaled up (they would all be multiples of 257).
    expect(Array.from(output.data).some((v) => v % 257 !== 0)).toBe(true);
    // A 3×3 box blur of the input, to 16-bit precision away from the border.
    const at = (d: Uint8Array | Uint16Array, x: number, y: number, c: number) => d[(y * 97 + x) * 3 + c] as number;
    let expected = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) expected += at(input.data, 40 + dx, 30 + dy, 1);
    expect(Math.abs(at(output.data, 40, 30, 1) - expected / 9)).toBeLessThanOrEqual(1);
  });

  it('writes each frame its own output while the output buffers are reused from frame to frame', async () => {
    // Six frames of one size (every output after the second reuses a buffer an earlier frame's PNG
    // was encoded from), 8-bit then 16-bit: each PNG is the blur of its own input.
    for (const depth of [8, 16] as const) {
      const dir = join(tmp.path, `frames-reuse-${depth}`);
      await writeFrames(dir, 6, 64, 48, depth);
      const out = join(tmp.path, `o-reuse-${depth}`);
      expect(infer('--models-dir', models, '--input-dir', dir, '--output-dir', out).status).toBe(0);
      const names = (await readdir(dir)).sort();
      for (const name of names) {
        const input = await raw(join(dir, name));
        const output = await raw(join(out, 'fixture-blur', name));
        const at = (d: Uint8Array | Uint16Array, x: number, y: number, c: number) => d[(y * 64 + x) * 3 + c] as number;
        for (const [x, y] of [
          [10, 10],
          [32, 24],
          [50, 37],
        ] as const) {
          let sum = 0;
          for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) sum += at(input.data, x + dx, y + dy, 0);
          expect(Math.abs(at(output.data, x, y, 0) - sum / 9), `${depth}-bit ${name} at ${x},${y}`).toBeLessThanOrEqual(
            1,
          );
        }
      }
    }
  });

  it('resumes after SIGKILL: only unfinished frames are redone, and the outputs equal an uninterrupted run', async () => {
    const many = join(tmp.path, 'frames-many');
    await writeFrames(many, 16, 640, 480);
    const blurOnly = join(tmp.path, 'blur-only');
    await mkdir(blurOnly);
    await writeFile(join(blurOnly, 'blur.onnx'), await readFile(join(models, 'blur', 'model.onnx')));
    const reference = join(tmp.path, 'o-reference');
    expect(infer('--models-dir', blurOnly, '--input-dir', many, '--output-dir', reference).status).toBe(0);

    const out = join(tmp.path, 'o-killed');
    const pngs = async () =>
      (await readdir(join(out, 'blur')).catch(() => [] as string[])).filter((f) => f.endsWith('.png')).length;
    for (let kill = 0; kill < 2; kill++) {
      const before = await pngs();
      const child = spawn(
        process.execPath,
        [bin, 'infer', '--models-dir', blurOnly, '--input-dir', many, '--output-dir', out],
        { env, stdio: 'ignore' },
      );
      const exited = new Promise((resolve) => child.on('exit', resolve));
      await waitFor(async () => (await pngs()) >= before + 3, 120_000, 'frames before the kill');
      child.kill('SIGKILL');
      await exited;
    }
    const partial = await pngs();
    expect(partial).toBeLessThan(16);
    // A kill in the middle of a write leaves its temp file (named after the writer's pid); whether
    // these kills did depends on timing, so two such files are put there as a killed run leaves them.
    await writeFile(join(out, 'blur', `.cam_0075.png.${NO_SUCH_PID}.0a1b2c3d.tmp`), 'partial');
    await writeFile(join(out, `.batch_summary.json.${NO_SUCH_PID}.0a1b2c3d.tmp`), '{');
    const r = infer('--models-dir', blurOnly, '--input-dir', many, '--output-dir', out, '--json');
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as Summary).models[0]).toMatchObject({ status: 'success', frames: 16 });
    expect(r.stderr).toMatch(/removed 1 temporary file\(s\) an interrupted run left/);
    const temps = async (dir: string) => (await readdir(dir)).filter((n) => n.endsWith('.tmp'));
    expect([...(await temps(out)), ...(await temps(join(out, 'blur')))]).toEqual([]);
    for (let i = 0; i < 16; i++) {
      const name = `cam_${String(i * 5).padStart(4, '0')}.png`;
      const a = await raw(join(reference, 'blur', name));
      const b = await raw(join(out, 'blur', name));
      expect(Buffer.from(b.data.buffer).equals(Buffer.from(a.data.buffer))).toBe(true);
    }
  });

  it('retries frames that failed before on a rerun; --no-retry-failed keeps them failed', async () => {
    const input = join(tmp.path, 'frames-retry');
    await writeFrames(input, 3, 80, 60);
    const good = await readFile(join(input, 'cam_0005.png'));
    await writeFile(join(input, 'cam_0005.png'), 'not a PNG yet\n');
    const blurOnly = join(tmp.path, 'blur-retry');
    await mkdir(blurOnly);
    await writeFile(join(blurOnly, 'blur.onnx'), await readFile(join(models, 'blur', 'model.onnx')));
    const run = (out: string, ...extra: string[]) => {
      const r = infer('--models-dir', blurOnly, '--input-dir', input, '--output-dir', out, '--json', ...extra);
      expect(r.status, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as Summary).models[0];
    };
    const retried = join(tmp.path, 'o-retry');
    const kept = join(tmp.path, 'o-retry-kept');
    expect(run(retried)).toMatchObject({ status: 'inference_failed', frames: 2 });
    expect(run(kept)).toMatchObject({ status: 'inference_failed', frames: 2 });
    await writeFile(join(input, 'cam_0005.png'), good);
    const keep = run(kept, '--no-retry-failed');
    expect(keep).toMatchObject({ status: 'inference_failed', frames: 2 });
    expect(keep?.error).toMatch(/cam_0005\.png: .*failed in an earlier run.*--no-retry-failed/);
    expect(await readdir(join(kept, 'blur'))).not.toContain('cam_0005.png');
    expect(run(retried)).toMatchObject({ status: 'success', frames: 3 });
    expect(await readdir(join(retried, 'blur'))).toContain('cam_0005.png');
  });
});
