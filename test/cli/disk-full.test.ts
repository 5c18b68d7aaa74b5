import { spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blurModel } from '../fixtures/onnx-models';
import { mountSmallDisk, type SmallDisk } from '../fixtures/tmpfs';
import { repoRoot, tempDir } from '../helpers';

/**
 * `loupe infer` and `loupe predict` writing to a disk that fills up (a small tmpfs, real ENOSPC):
 * the batch stops with "disk full", the exit code is not 0, and no temp file is left behind.
 */
const bin = join(repoRoot, 'bin', 'loupe.js');
const samples = join(repoRoot, 'resources', 'samples');

async function filesBelow(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true }).catch(() => [] as string[])).map(String);
}

describe('a full disk', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  let disk: SmallDisk;
  beforeAll(async () => {
    tmp = await tempDir('loupe-enospc-');
    env = { ...process.env, LOUPE_DATA_DIR: join(tmp.path, 'data') };
    disk = await mountSmallDisk(join(tmp.path, 'disk'), 2 * 1024 * 1024);
  });
  afterAll(async () => {
    if (disk.ok) await disk.cleanup();
    await tmp.cleanup();
  });
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 240_000 });

  it('stops `loupe infer` with "disk full" and a non-zero exit, leaving no .tmp files', async (ctx) => {
    if (!disk.ok) return ctx.skip(disk.reason);
    const frames = join(tmp.path, 'frames');
    await mkdir(frames);
    // Noise (deterministic): PNG cannot shrink it, so each output frame takes ~200 KB.
    let seed = 12345;
    for (let i = 0; i < 8; i++) {
      const px = Buffer.alloc(320 * 240 * 3);
      for (let j = 0; j < px.length; j++) {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        px[j] = seed & 255;
      }
      await sharp(px, { raw: { width: 320, height: 240, channels: 3 } })
        .png()
        .toFile(join(frames, `f_${i}.png`));
    }
    const models = join(tmp.path, 'models');
    await mkdir(models);
    await writeFile(join(models, 'blur.onnx'), blurModel());
    const out = join(disk.dir, 'out');
    await mkdir(out);
    // Room for a frame or two of output, not for eight.
    await disk.fill(400 * 1024);
    const r = run('infer', '--models-dir', models, '--input-dir', frames, '--output-dir', out);
    expect(r.status, r.stdout + r.stderr).not.toBe(0);
    expect(r.stderr).toMatch(/disk full/i);
    const left = await filesBelow(out);
    expect(left.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(left.filter((f) => f.endsWith('.png')).length).toBeLessThan(8);
  });

  it('stops `loupe predict` with "disk full" and a non-zero exit, leaving no zero-byte .tmp files', async (ctx) => {
    if (!disk.ok) return ctx.skip(disk.reason);
    const images = join(tmp.path, 'watches');
    await mkdir(images);
    const names = (await readdir(join(samples, 'watches'))).filter((n) => n.startsWith('KESTREL')).slice(0, 3);
    for (const n of names) await cp(join(samples, 'watches', n), join(images, n));
    const labels = join(tmp.path, 'labels');
    await mkdir(labels);
    const out = join(disk.dir, 'predicted');
    await mkdir(out);
    await disk.fill(0);
    const r = run(
      'predict',
      '--images-dir',
      images,
      '--labels-dir',
      labels,
      '--output-dir',
      out,
      '--checkpoint-freq',
      '1',
    );
    expect(r.status, r.stdout + r.stderr).not.toBe(0);
    expect(r.stderr).toMatch(/disk full/i);
    expect((await filesBelow(out)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
