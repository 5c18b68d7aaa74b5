import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { PROGRESS_FILE, readPredictProgress, writePredictProgress } from '../../../src/engine/runners/predict/progress';
import {
  INFER_PROGRESS_FILE,
  readRestoreProgress,
  writeRestoreProgress,
} from '../../../src/engine/runners/restore/progress';
import { tempDir } from '../../helpers';

/** The runners' progress files keep the layout earlier versions wrote, so a rerun after an upgrade resumes. */
describe('progress files', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    tmp = await tempDir('loupe-progress-');
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  it('predict: reads a file of the old layout, under the same config and images folder only', async () => {
    const file = {
      version: 1,
      imagesDir: '/photos',
      labelsDir: '/labels',
      configKey: 'cfg',
      updatedAt: '2026-01-01T00:00:00.000Z',
      done: { A_1: 'full', B_1: 'failed', C_1: 'failed' },
      failures: { B_1: { code: 'IMAGE_DECODE_FAILED', message: 'empty file' } },
    };
    await writeFile(join(tmp.path, PROGRESS_FILE), JSON.stringify(file));
    const m = await readPredictProgress(tmp.path, '/photos', 'cfg', undefined);
    expect(m.done('A_1')).toBe('full');
    expect(m.failure('B_1')).toEqual({ code: 'IMAGE_DECODE_FAILED', message: 'empty file' });
    expect(m.failure('C_1')).toBeNull(); // failed, the file did not say why
    expect((await readPredictProgress(tmp.path, '/other', 'cfg', undefined)).doneCount).toBe(0);
    expect((await readPredictProgress(tmp.path, '/photos', 'other', undefined)).doneCount).toBe(0);
    expect((await readPredictProgress(tmp.path, '/photos', 'cfg', false)).doneCount).toBe(0);

    const where = { outputDir: tmp.path, imagesDir: '/photos', labelsDir: '/labels', configKey: 'cfg' };
    await writePredictProgress(m, where, Date.parse('2026-02-03T04:05:06.000Z'));
    expect(JSON.parse(await readFile(join(tmp.path, PROGRESS_FILE), 'utf8'))).toEqual({
      ...file,
      updatedAt: '2026-02-03T04:05:06.000000+00:00',
    });
  });

  it('predict: a file that is not progress is no progress', async () => {
    await writeFile(
      join(tmp.path, PROGRESS_FILE),
      JSON.stringify({ version: 1, imagesDir: '/p', configKey: 'c', done: null }),
    );
    expect((await readPredictProgress(tmp.path, '/p', 'c', undefined)).doneCount).toBe(0);
  });

  it('restore: reads and writes {version, configKey, done, failed}; an infinite PSNR (null in JSON) is kept', async () => {
    const file = {
      version: 1,
      configKey: 'k',
      done: {
        'frame_000000.png': { ms: 12.5, tiled: false, psnr: 31.2, ssim: 0.91 },
        'frame_000001.png': { ms: 10, tiled: true, psnr: null, ssim: 1 },
      },
      failed: { 'frame_000002.png': 'bad pixels' },
    };
    await writeFile(join(tmp.path, INFER_PROGRESS_FILE), JSON.stringify(file));
    const m = await readRestoreProgress(tmp.path, 'k', undefined);
    expect(m.done('frame_000001.png')).toEqual({ ms: 10, tiled: true, psnr: null, ssim: 1 });
    expect(m.failure('frame_000002.png')).toBe('bad pixels');
    await writeRestoreProgress(tmp.path, m);
    expect(JSON.parse(await readFile(join(tmp.path, INFER_PROGRESS_FILE), 'utf8'))).toEqual(file);
    // Files from before failures were recorded have no `failed`.
    await writeFile(join(tmp.path, INFER_PROGRESS_FILE), JSON.stringify({ ...file, failed: undefined }));
    expect((await readRestoreProgress(tmp.path, 'k', undefined)).failedCount).toBe(0);
    expect((await readRestoreProgress(tmp.path, 'other', undefined)).doneCount).toBe(0);
  });
});
