import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRunSummary } from '../../src/shared/jobs';
import { blurModel } from '../fixtures/onnx-models';
import { textureSvg } from '../fixtures/texture';
import { repoRoot, tempDir } from '../helpers';

/**
 * A frame the user may not read says "permission denied", not "unsupported image format". Root
 * reads every file, so as root the CLI runs as `nobody` (uid 65534) for this test; as any other
 * user it runs as that user.
 */
const bin = join(repoRoot, 'bin', 'loupe.js');
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const NOBODY = 65534;

describe('an image Loupe may not read', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    tmp = await tempDir('loupe-eacces-');
    // The unprivileged engine must reach the temp folder and write its outputs and data there.
    await chmod(tmp.path, 0o777);
  });
  afterAll(() => tmp.cleanup());

  it('fails that frame with "permission denied" and runs the others', async () => {
    const frames = join(tmp.path, 'frames');
    await mkdir(frames, { mode: 0o755 });
    for (let i = 0; i < 2; i++)
      await sharp(Buffer.from(textureSvg(40, 30, 4 + i)))
        .removeAlpha()
        .png()
        .toFile(join(frames, `f_${i}.png`));
    await chmod(join(frames, 'f_0.png'), 0o644);
    await chmod(join(frames, 'f_1.png'), 0o000);
    const models = join(tmp.path, 'models');
    await mkdir(models, { mode: 0o755 });
    await writeFile(join(models, 'blur.onnx'), blurModel(), { mode: 0o644 });
    const out = join(tmp.path, 'out');
    await mkdir(out, { mode: 0o777 });
    await chmod(out, 0o777);
    const data = join(tmp.path, 'data');
    await mkdir(data, { mode: 0o777 });
    await chmod(data, 0o777);
    // Ground truth: the readable frame's is unreadable, so its metrics are skipped with the reason.
    const gt = join(tmp.path, 'gt');
    await mkdir(gt, { mode: 0o755 });
    for (const f of ['f_0.png', 'f_1.png']) await writeFile(join(gt, f), await readFile(join(frames, 'f_0.png')));
    await chmod(join(gt, 'f_0.png'), 0o000);
    await chmod(join(gt, 'f_1.png'), 0o644);
    const r = spawnSync(
      process.execPath,
      [bin, 'infer', '--models-dir', models, '--input-dir', frames, '--gt-dir', gt, '--output-dir', out, '--json'],
      {
        env: { ...process.env, LOUPE_DATA_DIR: data, HOME: tmp.path },
        encoding: 'utf8',
        timeout: 240_000,
        ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const blur = (JSON.parse(await readFile(join(out, 'batch_summary.json'), 'utf8')) as { models: ModelRunSummary[] })
      .models[0]!;
    expect(blur).toMatchObject({ status: 'inference_failed', frames: 1 });
    expect(blur.error).toMatch(/f_1\.png: permission denied: cannot read .*f_1\.png/);
    expect(blur.error).not.toMatch(/unsupported image format/);
    const metrics = JSON.parse(await readFile(join(blur.output_dir!, 'metrics.json'), 'utf8'));
    expect(metrics.skipped).toEqual([
      {
        frame: 'f_0.png',
        input: 'f_0.png',
        reason: expect.stringMatching(/^ground truth f_0\.png could not be read: permission denied/),
      },
    ]);
  });
});
