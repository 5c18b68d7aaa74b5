import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRgb, startReadRgb, writeRgbPng } from '../../../src/engine/images/pixels';
import { tempDir } from '../../helpers';

describe('pixels (real sharp, real files)', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('reads 8- and 16-bit PNGs back as they were written', async () => {
    const px8 = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => (i * 37) & 255);
    await writeRgbPng(join(tmp.path, 'a.png'), { pixels: px8, width: 4, height: 3, depth: 8 });
    expect(await readRgb(join(tmp.path, 'a.png'))).toEqual({ pixels: px8, width: 4, height: 3, depth: 8 });
    const px16 = Uint16Array.from({ length: 2 * 2 * 3 }, (_, i) => i * 5000 + 7);
    await writeRgbPng(join(tmp.path, 'b.png'), { pixels: px16, width: 2, height: 2, depth: 16 });
    expect(await readRgb(join(tmp.path, 'b.png'))).toEqual({ pixels: px16, width: 2, height: 2, depth: 16 });
  });

  it('says when the header is read and the decode queued, before the pixels arrive', async () => {
    const path = join(tmp.path, 'c.jpg');
    await sharp({ create: { width: 640, height: 480, channels: 3, background: '#808080' } })
      .jpeg()
      .toFile(path);
    const order: string[] = [];
    const read = startReadRgb(path);
    const done = Promise.all([
      read.probed.then(() => order.push('probed')),
      read.image.then((img) => order.push(`image ${img.width}x${img.height}`)),
    ]);
    await done;
    expect(order).toEqual(['probed', 'image 640x480']);
  });

  it('settles `probed` for a file that is not an image, and fails `image` with a typed error', async () => {
    const path = join(tmp.path, 'not.png');
    await writeFile(path, 'not an image');
    const read = startReadRgb(path);
    await expect(read.probed).resolves.toBeUndefined();
    await expect(read.image).rejects.toMatchObject({ error: { code: 'IMAGE_DECODE_FAILED' } });
  });
});
