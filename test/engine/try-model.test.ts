import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from '../fixtures/images';
import { ok, startHarness, type Harness } from './engine-harness';

describe('models.try: a model on a real image, through the engine', () => {
  let h: Harness;
  let photo: string;
  let deep: string;
  beforeAll(async () => {
    h = await startHarness();
    photo = join(h.root, 'photo.jpg');
    await writeFile(photo, await jpeg(300, 200, 6)); // displayed 200×300
    deep = join(h.root, 'deep.png');
    const samples = Uint16Array.from({ length: 37 * 23 * 3 }, (_, i) => (i * 2731) % 65536);
    await sharp(Buffer.from(samples.buffer), { raw: { width: 37, height: 23, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toFile(deep);
  });
  afterAll(() => h.close());

  it('letterboxes a photo for a detector and reports its output shape', async () => {
    const r = await ok(h.engine.request('models.try', { modelId: 'tiny-pose', imagePath: photo }));
    expect(r).toMatchObject({ preparation: 'letterbox', inputShape: [1, 3, 64, 64], outputImage: null });
    expect(r.outputs).toEqual([{ name: 'output0', type: 'float32', dims: [1, 20, 64] }]);
    expect(r.runMs).toBeGreaterThan(0);
  });

  it('runs a restoration model at the image size and writes its output beside the input, 16-bit kept', async () => {
    const r = await ok(h.engine.request('models.try', { modelId: 'fixture-blur', imagePath: deep }));
    expect(r).toMatchObject({ preparation: 'pad', inputShape: [1, 3, 23, 37] });
    expect(r.outputs[0]?.dims).toEqual([1, 3, 23, 37]);
    const out = await sharp(r.outputImage as string).metadata();
    expect([out.width, out.height, out.depth]).toEqual([37, 23, 'ushort']);
    // A 3×3 box blur keeps the mean of a smooth image (borders aside): a real computation happened.
    const raw = async (p: string) =>
      new Uint16Array((await sharp(p).raw({ depth: 'ushort' }).toBuffer()).buffer.slice(0));
    const [a, b] = [await raw(r.inputImage as string), await raw(r.outputImage as string)];
    expect(b).not.toEqual(a);
    const mean = (x: Uint16Array) => x.reduce((s, v) => s + v, 0) / x.length;
    expect(Math.abs(mean(a) - mean(b)) / mean(a)).toBeLessThan(0.1);
  });

  it('fails clearly for a corrupt model or an unreadable image', async () => {
    const corrupt = await h.engine.request('models.try', { modelId: 'corrupt', imagePath: photo });
    expect(corrupt.ok ? null : corrupt.error.code).toBe('MODEL_LOAD_FAILED');
    const text = join(h.root, 'text.jpg');
    await writeFile(text, 'not an image');
    const bad = await h.engine.request('models.try', { modelId: 'fixture-blur', imagePath: text });
    expect(bad.ok ? null : bad.error.code).toBe('IMAGE_DECODE_FAILED');
  });
});
