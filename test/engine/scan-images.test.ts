import { stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobItem, JobSnapshot } from '../../src/shared/jobs';
import { ScanIndex } from '../../src/engine/images/scan-index';
import { jpeg, writeImageFolder, type ImageFolder } from '../fixtures/images';
import { waitFor } from '../helpers';
import { ok, startHarness, type Harness } from './engine-harness';

describe('scan-images job (real sharp, real files)', () => {
  let h: Harness;
  let folder: ImageFolder;
  beforeEach(async () => {
    h = await startHarness();
    folder = await writeImageFolder(join(h.root, 'photos'));
  });
  afterEach(async () => {
    await h.close();
  });

  const finished = async (id: string): Promise<JobSnapshot> =>
    waitFor(
      async () => {
        const job = (await ok(h.engine.request('jobs.list', null))).find((j) => j.id === id);
        return job && job.status === 'completed' ? job : undefined;
      },
      30_000,
      'scan to finish',
    );

  it('reads every image from its header, applies EXIF orientation, fails bad files and goes on', async () => {
    const job = await ok(h.engine.request('jobs.submit', { kind: 'scan-images', folder: folder.dir }));
    const done = await finished(job.id);
    expect(done.total).toBe(folder.good.length + folder.bad.length);
    // Headers only: a truncated JPEG has a whole header, so it lists; its thumbnail fails (below).
    expect(done.counts).toEqual({ ok: folder.good.length + 1, failed: folder.bad.length - 1, skipped: 0 });
    expect(done.result).toEqual({ folder: folder.dir, images: 7, failed: 2, watchIds: 5 });

    const { items } = await ok(h.engine.request('jobs.items', { jobId: job.id, offset: 0, limit: 100 }));
    const byKey = Object.fromEntries(items.map((i) => [i.key, i as JobItem<'scan-images'>]));
    expect(byKey['PATEK_nab_001_01_front.jpg']?.data).toMatchObject({
      width: 640,
      height: 480,
      format: 'jpeg',
      imageKey: 'PATEK_nab_001_01',
      watchId: 'PATEK_nab_001',
      templateModel: 'nab',
      named: true,
    });
    // Displayed size: orientation 6 swaps width and height.
    expect(byKey['PATEK_nab_002_01_rotated.jpg']?.data).toMatchObject({ width: 480, height: 640, orientation: 6 });
    // A name that does not match the pattern is grouped by its folder.
    expect(byKey[join('casio', 'IMG_0039.jpg')]?.data).toMatchObject({
      imageKey: 'IMG_0039',
      watchId: 'casio',
      named: false,
    });
    for (const bad of folder.bad.filter((b) => b !== 'truncated.jpg')) {
      expect(byKey[bad]?.status).toBe('failed');
      expect(byKey[bad]?.error?.code).toBe('IMAGE_DECODE_FAILED');
      expect(byKey[bad]?.error?.message).toBeTruthy();
    }
    expect(byKey['empty.jpg']?.error?.message).toMatch(/empty/);
    const truncated = await h.engine.request('images.view', {
      path: join(folder.dir, 'truncated.jpg'),
      variant: 'thumbnail',
    });
    expect(truncated).toMatchObject({ ok: false, error: { code: 'IMAGE_DECODE_FAILED' } });
    // That failure is the scan's too: its item for the file is now failed, with the reason, so the
    // folder counts it as unreadable and does not offer it to Predict.
    const after = await ok(h.engine.request('jobs.items', { jobId: job.id, offset: 0, limit: 100 }));
    const amended = after.items.find((i) => i.key === 'truncated.jpg');
    expect(amended).toMatchObject({ status: 'failed', error: { code: 'IMAGE_DECODE_FAILED' } });
    expect(amended?.error?.message).toMatch(/premature end|could not decode/i);
    expect(after.items).toHaveLength(items.length);
    const amendedJob = await finished(job.id);
    expect(amendedJob.counts).toEqual({ ok: folder.good.length, failed: folder.bad.length, skipped: 0 });
    // The completed scan's totals say so too, not what its header reads found.
    expect(amendedJob.result).toEqual({ folder: folder.dir, images: 6, failed: 3, watchIds: 4 });

    // Lazy by default: no thumbnail is written by the scan.
    expect(byKey['PATEK_nab_002_01_rotated.jpg']?.data?.thumbnail).toBeUndefined();

    // The grid asks for one on screen: webp, longest side = thumbnailSize (128), oriented like the display.
    const image = join(folder.dir, 'PATEK_nab_002_01_rotated.jpg');
    const view = await ok(h.engine.request('images.view', { path: image, variant: 'thumbnail' }));
    expect(view).toMatchObject({ variant: 'thumbnail', width: 96, height: 128, imageWidth: 480, imageHeight: 640 });
    expect(view.generated).toBe(true);
    expect(view.path.startsWith(h.config.cacheDir)).toBe(true);
    const meta = await sharp(view.path).metadata();
    expect(meta.format).toBe('webp');
    expect([meta.width, meta.height]).toEqual([96, 128]);
    expect((await ok(h.engine.request('images.view', { path: image, variant: 'thumbnail' }))).generated).toBe(false);

    // A rescan names the thumbnail that now exists, and only that one.
    const again = await ok(h.engine.request('jobs.submit', { kind: 'scan-images', folder: folder.dir }));
    await finished(again.id);
    const page = await ok(h.engine.request('jobs.items', { jobId: again.id, offset: 0, limit: 100 }));
    const named = page.items.filter((i) => (i as JobItem<'scan-images'>).data?.thumbnail);
    expect(named.map((i) => (i as JobItem<'scan-images'>).data?.thumbnail)).toEqual([view.path]);
  });

  it('reuses its header index on a rescan and reads the header again when size or mtime change', async () => {
    const scan = async () => {
      const job = await ok(h.engine.request('jobs.submit', { kind: 'scan-images', folder: folder.dir }));
      await finished(job.id);
      const page = await ok(h.engine.request('jobs.items', { jobId: job.id, offset: 0, limit: 100 }));
      return Object.fromEntries(page.items.map((i) => [i.key, i as JobItem<'scan-images'>]));
    };
    await scan();
    expect((await stat(ScanIndex.pathFor(h.config.cacheDir, folder.dir))).isFile()).toBe(true);
    const name = 'PATEK_nab_001_01_front.jpg';
    const path = join(folder.dir, name);
    // Whole seconds, so setting the same mtime again gives back exactly the same mtimeMs.
    await utimes(path, 1_700_000_000, 1_700_000_000);
    await scan();
    const before = await stat(path);

    // Same size and mtime, different bytes (not an image any more): the index answers, no decode.
    await writeFile(path, Buffer.alloc(before.size, 7));
    await utimes(path, 1_700_000_000, 1_700_000_000);
    expect((await scan())[name]).toMatchObject({ status: 'ok', data: { width: 640, height: 480 } });

    // The mtime moves: the header is read again (and fails, as the file is no image now).
    await utimes(path, 1_700_000_000, 1_700_000_005);
    expect((await scan())[name]?.status).toBe('failed');

    // A new image of another size with the old mtime: read again, new size.
    await writeFile(path, await jpeg(300, 200));
    await utimes(path, 1_700_000_000, 1_700_000_000);
    expect((await scan())[name]).toMatchObject({ status: 'ok', data: { width: 300, height: 200 } });

    // A corrupt index is ignored: the scan is still right and writes a good one.
    await writeFile(ScanIndex.pathFor(h.config.cacheDir, folder.dir), '{"version":1,"entr');
    const after = await scan();
    expect(after[name]).toMatchObject({ status: 'ok', data: { width: 300, height: 200 } });
    expect(Object.values(after).filter((i) => i.status === 'ok')).toHaveLength(folder.good.length + 1);
  });

  it("writes every thumbnail with thumbnails: 'eager' and reuses them on a rescan", async () => {
    const spec = { kind: 'scan-images', folder: folder.dir, thumbnails: 'eager' } as const;
    const first = await ok(h.engine.request('jobs.submit', spec));
    await finished(first.id);
    const second = await ok(h.engine.request('jobs.submit', { kind: 'scan-images', folder: folder.dir }));
    await finished(second.id);
    const a = await ok(h.engine.request('jobs.items', { jobId: first.id, offset: 0, limit: 100 }));
    const b = await ok(h.engine.request('jobs.items', { jobId: second.id, offset: 0, limit: 100 }));
    const thumbs = (page: typeof a) =>
      page.items
        .filter((i) => i.status === 'ok')
        .flatMap((i) => (i as JobItem<'scan-images'>).data?.thumbnail ?? [])
        .sort();
    expect(thumbs(a)).toHaveLength(folder.good.length);
    expect(thumbs(b)).toEqual(thumbs(a));
    // Not rewritten: same modification time as after the first scan.
    const before = await Promise.all(thumbs(a).map(async (t) => (await stat(t)).mtimeMs));
    const third = await ok(h.engine.request('jobs.submit', spec));
    await finished(third.id);
    const after = await Promise.all(thumbs(a).map(async (t) => (await stat(t)).mtimeMs));
    expect(after).toEqual(before);
  });

  it('reports symbolic link loops and broken links as failed items, not silently dropped', async () => {
    await symlink('loop.jpg', join(folder.dir, 'loop.jpg'));
    await symlink('PATEK_nab_999_01_missing.jpg', join(folder.dir, 'broken.jpg'));
    const job = await ok(h.engine.request('jobs.submit', { kind: 'scan-images', folder: folder.dir }));
    const done = await finished(job.id);
    expect(done.total).toBe(folder.good.length + folder.bad.length + 2);
    expect(done.result).toMatchObject({ images: 7, failed: 4 });
    const { items } = await ok(h.engine.request('jobs.items', { jobId: job.id, offset: 0, limit: 100 }));
    const byKey = Object.fromEntries(items.map((i) => [i.key, i]));
    expect(byKey['loop.jpg']).toMatchObject({
      status: 'failed',
      error: { code: 'IO_ERROR', message: 'a symbolic link loop (loop.jpg → loop.jpg)' },
    });
    expect(byKey['broken.jpg']).toMatchObject({
      status: 'failed',
      error: { code: 'NOT_FOUND', message: expect.stringMatching(/broken symbolic link/) },
    });
  });

  it('fails the job, not the engine, for a folder that does not exist', async () => {
    const job = await ok(h.engine.request('jobs.submit', { kind: 'scan-images', folder: join(h.root, 'nope') }));
    const failed = await waitFor(async () => {
      const j = (await ok(h.engine.request('jobs.list', null))).find((x) => x.id === job.id);
      return j?.status === 'failed' ? j : undefined;
    });
    expect(failed.error?.code).toBe('NOT_FOUND');
    expect((await ok(h.engine.request('engine.info', null))).pid).toBe(h.engine.pid);
  });
});
