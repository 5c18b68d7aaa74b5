import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
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
});
