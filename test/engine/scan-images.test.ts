import { stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobItem, JobSnapshot } from '../../src/shared/jobs';
import { writeImageFolder, type ImageFolder } from '../fixtures/images';
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

  it('reads every image, applies EXIF orientation, writes thumbnails, fails bad files and goes on', async () => {
    const job = await ok(h.engine.request('jobs.submit', { kind: 'scan-images', folder: folder.dir }));
    const done = await finished(job.id);
    expect(done.total).toBe(folder.good.length + folder.bad.length);
    expect(done.counts).toEqual({ ok: folder.good.length, failed: folder.bad.length, skipped: 0 });
    expect(done.result).toEqual({ folder: folder.dir, images: 6, failed: 3, watchIds: 4 });

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
    for (const bad of folder.bad) {
      expect(byKey[bad]?.status).toBe('failed');
      expect(byKey[bad]?.error?.code).toBe('IMAGE_DECODE_FAILED');
      expect(byKey[bad]?.error?.message).toBeTruthy();
    }
    expect(byKey['empty.jpg']?.error?.message).toMatch(/empty/);

    // Thumbnails: webp, longest side = thumbnailSize (128), oriented like the display.
    const thumb = byKey['PATEK_nab_002_01_rotated.jpg']?.data?.thumbnail as string;
    expect(thumb.startsWith(h.config.cacheDir)).toBe(true);
    const meta = await sharp(thumb).metadata();
    expect(meta.format).toBe('webp');
    expect([meta.width, meta.height]).toEqual([96, 128]);
  });

  it('reuses cached thumbnails on a rescan', async () => {
    const first = await ok(h.engine.request('jobs.submit', { kind: 'scan-images', folder: folder.dir }));
    await finished(first.id);
    const second = await ok(h.engine.request('jobs.submit', { kind: 'scan-images', folder: folder.dir }));
    await finished(second.id);
    const a = await ok(h.engine.request('jobs.items', { jobId: first.id, offset: 0, limit: 100 }));
    const b = await ok(h.engine.request('jobs.items', { jobId: second.id, offset: 0, limit: 100 }));
    const thumbs = (page: typeof a) =>
      page.items
        .filter((i) => i.status === 'ok')
        .map((i) => (i as JobItem<'scan-images'>).data?.thumbnail as string)
        .sort();
    expect(thumbs(b)).toEqual(thumbs(a));
    // Not rewritten: same modification time as after the first scan.
    const before = await Promise.all(thumbs(a).map(async (t) => (await stat(t)).mtimeMs));
    const third = await ok(h.engine.request('jobs.submit', { kind: 'scan-images', folder: folder.dir }));
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
    expect(done.result).toMatchObject({ images: 6, failed: 5 });
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
