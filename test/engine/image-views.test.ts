import { readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { thumbnailPath } from '../../src/engine/images/thumbnails';
import { ImageViews } from '../../src/engine/images/views';
import { PROXY_SIZE } from '../../src/shared/images';
import { jpeg } from '../fixtures/images';
import { tempDir } from '../helpers';

describe('ImageViews (editor previews and full-resolution views)', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let views: ImageViews;
  beforeEach(async () => {
    dir = await tempDir();
    views = new ImageViews({ cacheDir: () => join(dir.path, 'cache'), previewSize: 512, maxCached: 3 });
  });
  afterEach(() => dir.cleanup());

  it('serves a small upright JPEG as it is', async () => {
    const path = join(dir.path, 'small.jpg');
    await writeFile(path, await jpeg(400, 300));
    for (const variant of ['preview', 'full'] as const) {
      const v = await views.view(path, variant);
      expect(v).toMatchObject({ path, width: 400, height: 300, imageWidth: 400, imageHeight: 300, generated: false });
    }
  });

  it('makes a bounded, upright preview of an EXIF-rotated photo, and an upright full view', async () => {
    const path = join(dir.path, 'rotated.jpg');
    await writeFile(path, await jpeg(1200, 800, 6)); // stored landscape, displayed portrait
    const preview = await views.view(path, 'preview');
    expect(preview).toMatchObject({ imageWidth: 800, imageHeight: 1200, width: 341, height: 512, generated: true });
    const meta = await sharp(preview.path).metadata();
    expect([meta.width, meta.height, meta.orientation ?? 1]).toEqual([341, 512, 1]);

    const full = await views.view(path, 'full');
    expect(full).toMatchObject({ width: 800, height: 1200, generated: true });
    const fullMeta = await sharp(full.path).metadata();
    expect([fullMeta.width, fullMeta.height, fullMeta.orientation ?? 1]).toEqual([800, 1200, 1]);

    // Cached: the second request reads the file made by the first.
    expect(await views.view(path, 'preview')).toMatchObject({ path: preview.path, generated: false });
  });

  it('shares one piece of work between concurrent requests', async () => {
    const path = join(dir.path, 'big.jpg');
    await writeFile(path, await jpeg(1600, 1200));
    const [a, b] = await Promise.all([views.view(path, 'preview'), views.view(path, 'preview')]);
    expect(a).toBe(b);
    expect(a).toMatchObject({ width: 512, height: 384, generated: true });
  });

  it('makes a grid thumbnail once, where the scan names it, and a new one when the file changes', async () => {
    const cache = join(dir.path, 'cache');
    const lazy = new ImageViews({ cacheDir: () => cache, thumbnailSize: () => 128 });
    const path = join(dir.path, 'photo.jpg');
    await writeFile(path, await jpeg(640, 480, 6));
    await utimes(path, 1_700_000_000, 1_700_000_000);
    const [a, b] = await Promise.all([lazy.view(path, 'thumbnail'), lazy.view(path, 'thumbnail')]);
    expect(a).toBe(b);
    expect(a).toMatchObject({ variant: 'thumbnail', width: 96, height: 128, imageWidth: 480, imageHeight: 640 });
    expect(a.generated).toBe(true);
    const { size } = await stat(path);
    expect(a.path).toBe(thumbnailPath(cache, path, size, 1_700_000_000_000, 128));
    expect(await sharp(a.path).metadata()).toMatchObject({ format: 'webp', width: 96, height: 128 });
    expect((await lazy.view(path, 'thumbnail')).generated).toBe(false);
    await utimes(path, 1_700_000_000, 1_700_000_010);
    const changed = await lazy.view(path, 'thumbnail');
    expect(changed.path).not.toBe(a.path);
    expect(changed.generated).toBe(true);
  });

  it('fails with typed errors for a missing or undecodable file', async () => {
    await expect(views.view(join(dir.path, 'none.jpg'), 'preview')).rejects.toMatchObject({
      error: { code: 'NOT_FOUND' },
    });
    const bad = join(dir.path, 'bad.jpg');
    await writeFile(bad, 'not a jpeg at all');
    await expect(views.view(bad, 'preview')).rejects.toMatchObject({ error: { code: 'IMAGE_DECODE_FAILED' } });
  });

  it('makes proxies: small JPEGs for frames in motion, the original when it already is one', async () => {
    const png = join(dir.path, 'frame.png');
    await sharp(await jpeg(1600, 1200))
      .png()
      .toFile(png);
    const proxy = await views.view(png, 'proxy');
    // PROXY_SIZE on the longer side, the aspect kept.
    expect(proxy).toMatchObject({
      variant: 'proxy',
      width: PROXY_SIZE,
      height: (PROXY_SIZE * 3) / 4,
      imageWidth: 1600,
      imageHeight: 1200,
    });
    expect((await sharp(proxy.path).metadata()).format).toBe('jpeg');
    const small = join(dir.path, 'small.jpg');
    await writeFile(small, await jpeg(PROXY_SIZE, 360));
    expect(await views.view(small, 'proxy')).toMatchObject({ path: small, generated: false });
  });

  it('keeps the cache bounded', async () => {
    for (let i = 0; i < 5; i++) {
      const path = join(dir.path, `p${i}.jpg`);
      await writeFile(path, await jpeg(900 + i, 700));
      await views.view(path, 'preview');
    }
    expect(await views.trim()).toBe(2);
    expect((await readdir(join(dir.path, 'cache', 'views'))).length).toBe(3);
  });
});
