import { spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRunSummary } from '../../src/shared/jobs';
import { blurModel, nanModel, rank3Model } from '../fixtures/onnx-models';
import { textureSvg } from '../fixtures/texture';
import { repoRoot, tempDir } from '../helpers';

/**
 * `loupe infer` with models and data that go wrong in ways a batch must report truthfully: a
 * model whose outputs are NaN, a model Loupe cannot feed, ground truth of the wrong size.
 */
const bin = join(repoRoot, 'bin', 'loupe.js');

interface Summary {
  frames: number;
  models: ModelRunSummary[];
}

describe('loupe infer: failures that tell the truth', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  let frames: string;
  beforeAll(async () => {
    tmp = await tempDir('loupe-infer-fail-');
    env = { ...process.env, LOUPE_DATA_DIR: join(tmp.path, 'data') };
    frames = join(tmp.path, 'frames');
    await mkdir(frames);
    for (let i = 0; i < 3; i++)
      await sharp(Buffer.from(textureSvg(64, 48, 5 + i)))
        .removeAlpha()
        .png()
        .toFile(join(frames, `f_${i}.png`));
  });
  afterAll(() => tmp.cleanup());

  const infer = (...args: string[]) =>
    spawnSync(process.execPath, [bin, 'infer', ...args], { env, encoding: 'utf8', timeout: 240_000 });
  const summary = async (dir: string) => JSON.parse(await readFile(join(dir, 'batch_summary.json'), 'utf8')) as Summary;
  const modelsDir = async (name: string, files: Record<string, Uint8Array>): Promise<string> => {
    const dir = join(tmp.path, name);
    await mkdir(dir, { recursive: true });
    for (const [file, bytes] of Object.entries(files)) await writeFile(join(dir, file), bytes);
    return dir;
  };

  it('fails the frames of a model that outputs NaN, with the count, and writes none of them', async () => {
    const models = await modelsDir('m-nan', { 'nan.onnx': nanModel(), 'blur.onnx': blurModel() });
    const out = join(tmp.path, 'o-nan');
    const r = infer('--models-dir', models, '--input-dir', frames, '--output-dir', out);
    expect(r.status, r.stderr).toBe(0);
    const byName = Object.fromEntries((await summary(out)).models.map((m) => [m.run_name, m]));
    expect(byName.nan).toMatchObject({
      status: 'inference_failed',
      frames: 0,
      error: expect.stringMatching(
        /3 of 3 frames failed \(3 with NaN\/Inf outputs\).*9216 of 9216 output values are not finite \(9216 NaN, 0 Inf\)/,
      ),
    });
    expect((await readdir(byName.nan!.output_dir!)).filter((f) => f.endsWith('.png'))).toEqual([]);
    expect(byName.blur).toMatchObject({ status: 'success', frames: 3 });
  });

  it('keeps the output frame when its ground truth is the wrong size, and skips only its metrics, with the reason', async () => {
    const gt = join(tmp.path, 'gt-mixed');
    await mkdir(gt);
    for (let i = 0; i < 3; i++) {
      const [w, h] = i === 0 ? [32, 24] : [64, 48];
      await sharp(Buffer.from(textureSvg(w, h, 5 + i)))
        .removeAlpha()
        .png()
        .toFile(join(gt, `f_${i}.png`));
    }
    const models = await modelsDir('m-blur', { 'blur.onnx': blurModel() });
    const out = join(tmp.path, 'o-gt');
    const r = infer('--models-dir', models, '--input-dir', frames, '--gt-dir', gt, '--output-dir', out);
    expect(r.status, r.stderr).toBe(0);
    const blur = (await summary(out)).models.find((m) => m.run_name === 'blur')!;
    expect(blur).toMatchObject({ status: 'success', frames: 3 });
    const dir = blur.output_dir!;
    expect((await readdir(dir)).filter((f) => f.endsWith('.png')).sort()).toEqual(['f_0.png', 'f_1.png', 'f_2.png']);
    const reason = /ground truth f_0\.png is 32×24, the output 64×48/;
    const metrics = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8'));
    expect(metrics.frames.map((f: { input: string }) => f.input)).toEqual(['f_1.png', 'f_2.png']);
    expect(metrics.skipped).toEqual([{ frame: 'f_0.png', input: 'f_0.png', reason: expect.stringMatching(reason) }]);
    const meta = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8'));
    expect(meta.frames[0]).toMatchObject({ input: 'f_0.png', metrics_skipped: expect.stringMatching(reason) });
    expect(meta.frames[1].metrics_skipped).toBeUndefined();
  });

  it('says what the inputs of a model with a rank-3 input are, and why Loupe cannot run it', async () => {
    const models = await modelsDir('m-rank3', { 'signal.onnx': rank3Model(), 'blur.onnx': blurModel() });
    const out = join(tmp.path, 'o-rank3');
    const r = infer('--models-dir', models, '--input-dir', frames, '--output-dir', out);
    expect(r.status, r.stderr).toBe(0);
    const byName = Object.fromEntries((await summary(out)).models.map((m) => [m.run_name, m]));
    expect(byName.signal).toMatchObject({
      status: 'unsupported_format',
      error: expect.stringMatching(
        /its input "signal" is \[1, 3, W\] \(rank 3\); Loupe runs image models with one NCHW input \[N, 3, H, W\]/,
      ),
    });
    expect(byName.signal!.error).not.toMatch(/a unknown model/);
    expect(byName.blur).toMatchObject({ status: 'success', frames: 3 });
  });

  it('lists a symbolic link loop among the frames in the summary instead of dropping it silently', async () => {
    const looped = join(tmp.path, 'frames-loop');
    await cp(frames, looped, { recursive: true });
    await symlink('f_9.png', join(looped, 'f_9.png'));
    const models = await modelsDir('m-blur-loop', { 'blur.onnx': blurModel() });
    const out = join(tmp.path, 'o-loop');
    const r = infer('--models-dir', models, '--input-dir', looped, '--output-dir', out);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(await readFile(join(out, 'batch_summary.json'), 'utf8'));
    expect(s.frames).toBe(3);
    expect(s.input_problems).toEqual([{ path: 'f_9.png', error: 'a symbolic link loop (f_9.png → f_9.png)' }]);
  });
});
