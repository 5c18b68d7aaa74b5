import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers';
import { ok, startHarness, type Harness } from './engine-harness';

const bundled = join(repoRoot, 'resources', 'models');
const samples = join(repoRoot, 'resources', 'samples');

/** The models Loupe ships, loaded by a real engine process and run once on a sample each. */
describe('bundled models', () => {
  let h: Harness;
  let photo: string;
  let frame: string;
  beforeAll(async () => {
    h = await startHarness({ bundledModelsDir: bundled, modelDirs: [] });
    // models.try writes its output beside the input: work on copies in the temp dir.
    photo = join(h.root, 'ORBIS_nab_001_01_front_q1.jpg');
    await copyFile(join(samples, 'watches', 'ORBIS_nab_001_01_front_q1.jpg'), photo);
    const first = (await readdir(join(samples, 'frames'))).sort()[0] as string;
    frame = join(h.root, first);
    await copyFile(join(samples, 'frames', first), frame);
  });
  afterAll(() => h.close());

  it('lists the detector and the three restoration models, each with its measured quality', async () => {
    const models = await ok(h.engine.request('models.list', { probe: true }));
    expect(models.map((m) => m.id).sort()).toEqual([
      'loupe-dial-pose',
      'loupe-restore-dncnn',
      'loupe-restore-nafnet',
      'loupe-restore-unet',
    ]);
    for (const m of models) {
      expect(m.source).toBe('bundled');
      expect(m.error).toBeNull();
      expect(m.provider?.active).toBeTruthy();
      expect(m.manifest?.quality?.length).toBeGreaterThan(0);
    }
    const det = models.find((m) => m.id === 'loupe-dial-pose')!;
    expect(det.task).toBe('pose');
    expect(det.opset).toBeLessThanOrEqual(17);
    // The Ultralytics metadata a YOLO-pose export carries, so one decoding path serves both.
    expect(det.metadata).toMatchObject({ task: 'pose', kpt_shape: '[5, 3]' });
    for (const m of models.filter((x) => x.id !== 'loupe-dial-pose')) expect(m.task).toBe('restoration');
  });

  it('the detector takes a letterboxed photo and returns the YOLO-pose layout: 4 box + 1 class + 5×3 keypoints per anchor', async () => {
    const r = await ok(h.engine.request('models.try', { modelId: 'loupe-dial-pose', imagePath: photo }));
    const size = r.inputShape[2] as number;
    expect(r).toMatchObject({ preparation: 'letterbox', inputShape: [1, 3, size, size] });
    // Anchors at strides 8, 16 and 32.
    const anchors = [8, 16, 32].reduce((n, s) => n + (size / s) ** 2, 0);
    expect(r.outputs[0]?.dims).toEqual([1, 20, anchors]);
  });

  for (const id of ['loupe-restore-dncnn', 'loupe-restore-unet', 'loupe-restore-nafnet']) {
    it(`${id} restores a 1280×720 sample frame, output the shape of its input`, async () => {
      const r = await ok(h.engine.request('models.try', { modelId: id, imagePath: frame }));
      expect(r.preparation).toBe('pad');
      // Try runs on a preview-sized copy (long side capped); the model keeps its shape exactly.
      const [, c, hh, ww] = r.inputShape as number[];
      expect(c).toBe(3);
      expect((ww as number) / (hh as number)).toBeCloseTo(1280 / 720, 1);
      expect(r.outputs[0]?.dims).toEqual(r.inputShape);
      const [inp, out] = await Promise.all([
        sharp(r.inputImage as string).metadata(),
        sharp(r.outputImage as string).metadata(),
      ]);
      expect([out.width, out.height]).toEqual([inp.width, inp.height]);
    });
  }
});
