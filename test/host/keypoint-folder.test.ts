import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabelFile, RejectionFile } from '../../src/shared/labels';
import type { ReviewAction } from '../../src/shared/review';
import { DEFAULT_NAMING_PATTERN } from '../../src/shared/settings';
import { applyReview, exportReviewed, loadKeypointFolder } from '../../src/host/keypoint-folder';
import { LabelStore } from '../../src/engine/labels/label-store';
import { designRecord } from '../fixtures/labels';
import { jpeg } from '../fixtures/images';
import { tempDir } from '../helpers';
import { checkUltralyticsPoseDataset } from '../ultralytics-rules';

describe('keypoint folder: load, review, export', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let photos: string;
  const now = () => new Date('2026-11-22T12:00:00Z');
  const store = new LabelStore();
  beforeEach(async () => {
    tmp = await tempDir();
    photos = join(tmp.path, 'downloaded_images');
    await mkdir(photos);
    await mkdir(join(tmp.path, 'alignment_labels_predicted'));
    for (const n of ['PATEK_nab_001_03_tiltface_q1.jpg', 'PATEK_nab_001_04_front.jpg', 'IMG_9.jpg'])
      await writeFile(join(photos, n), await jpeg(40, 30));
    const predicted: LabelFile = {
      PATEK_nab_001_03: designRecord(),
      PATEK_nab_001_04: { ...designRecord(), full_image_name: 'PATEK_nab_001_04_front.jpg' },
    };
    await writeFile(join(tmp.path, 'alignment_labels_predicted', 'PATEK_nab_001.json'), JSON.stringify(predicted));
  });
  afterEach(() => tmp.cleanup());

  it('finds the images and the sibling label folders', async () => {
    const f = await loadKeypointFolder(photos, DEFAULT_NAMING_PATTERN);
    expect(f.labelsDir).toBe(join(tmp.path, 'alignment_labels'));
    expect(f.predictedDir).toBe(join(tmp.path, 'alignment_labels_predicted'));
    expect(f.entries.map((e) => [e.imageKey, e.watchId, Boolean(e.predicted), Boolean(e.human)])).toEqual([
      ['IMG_9', 'downloaded_images', false, false],
      ['PATEK_nab_001_03', 'PATEK_nab_001', true, false],
      ['PATEK_nab_001_04', 'PATEK_nab_001', true, false],
    ]);
  });

  it('accepts into the human labels file, merging with a change made on disk meanwhile', async () => {
    await mkdir(join(tmp.path, 'alignment_labels'));
    // Someone else labelled another image of the same watch after we loaded.
    const other = { PATEK_nab_001_09: { ...designRecord(), annotator: 'bob', full_image_name: 'x.jpg' } };
    await writeFile(join(tmp.path, 'alignment_labels', 'PATEK_nab_001.json'), JSON.stringify(other));
    const coords = { ...designRecord().coords_norm, top: [0.45, 0.19] as [number, number] };
    const entry = await applyReview(
      store,
      photos,
      DEFAULT_NAMING_PATTERN,
      { kind: 'accept', imageKey: 'PATEK_nab_001_03', coords },
      'alice',
      now,
    );
    expect(entry.human?.annotator).toBe('alice');
    const file = JSON.parse(
      await readFile(join(tmp.path, 'alignment_labels', 'PATEK_nab_001.json'), 'utf8'),
    ) as LabelFile;
    expect(Object.keys(file).sort()).toEqual(['PATEK_nab_001_03', 'PATEK_nab_001_09']);
    expect(file.PATEK_nab_001_03?.coords_norm.top).toEqual([0.45, 0.19]);
    expect(file.PATEK_nab_001_03?.prediction?.coords_norm.top).toEqual([0.442, 0.184]);
    expect(file.PATEK_nab_001_09?.annotator).toBe('bob');
    // Re-correcting keeps the original prediction, not the first correction.
    await applyReview(
      store,
      photos,
      DEFAULT_NAMING_PATTERN,
      { kind: 'accept', imageKey: 'PATEK_nab_001_03', coords: { ...coords, top: [0.46, 0.2] } },
      'alice',
      now,
    );
    const again = JSON.parse(
      await readFile(join(tmp.path, 'alignment_labels', 'PATEK_nab_001.json'), 'utf8'),
    ) as LabelFile;
    expect(again.PATEK_nab_001_03?.prediction?.coords_norm.top).toEqual([0.442, 0.184]);
  });

  const rejectionsFile = () => join(tmp.path, 'alignment_labels', 'rejected', 'PATEK_nab_001.json');
  const readRejections = async () => JSON.parse(await readFile(rejectionsFile(), 'utf8')) as RejectionFile;
  const isRejected = async (key: string) =>
    (await loadKeypointFolder(photos, DEFAULT_NAMING_PATTERN)).entries.find((e) => e.imageKey === key)?.rejected;
  const review = (action: ReviewAction, reviewer = 'alice', on = store) =>
    applyReview(on, photos, DEFAULT_NAMING_PATTERN, action, reviewer, now);

  it('records rejections beside the human labels, with the prediction, and takes them back', async () => {
    expect((await review({ kind: 'reject', imageKey: 'PATEK_nab_001_04', reason: ' wrong dial ' })).rejected).toBe(
      true,
    );
    expect(await readRejections()).toEqual({
      PATEK_nab_001_04: {
        full_image_name: 'PATEK_nab_001_04_front.jpg',
        reviewer: 'alice',
        timestamp: '2026-11-22T12:00:00.000000+00:00',
        reason: 'wrong dial',
        prediction: { ...designRecord(), full_image_name: 'PATEK_nab_001_04_front.jpg' },
      },
    });
    // Nothing hidden in the predictions folder, and no rejection among the label files.
    expect(await readdir(join(tmp.path, 'alignment_labels_predicted'))).toEqual(['PATEK_nab_001.json']);
    expect(await readdir(join(tmp.path, 'alignment_labels'))).toEqual(['rejected']);
    expect(await isRejected('PATEK_nab_001_04')).toBe(true);
    await review({ kind: 'unreject', imageKey: 'PATEK_nab_001_04' });
    expect(await isRejected('PATEK_nab_001_04')).toBe(false);
    expect(await readRejections()).toEqual({});
    await expect(
      review({ kind: 'accept', imageKey: 'IMG_9', coords: designRecord().coords_norm }, 'a'),
    ).rejects.toThrow(/no prediction/);
  });

  it('a rejection survives deleting and regenerating the predictions folder; accepting takes it back', async () => {
    await review({ kind: 'reject', imageKey: 'PATEK_nab_001_03' });
    await rm(join(tmp.path, 'alignment_labels_predicted'), { recursive: true });
    expect(await isRejected('PATEK_nab_001_03')).toBe(true);
    // Regenerated with other points: still rejected, and the rejected prediction is the old one.
    await mkdir(join(tmp.path, 'alignment_labels_predicted'));
    const moved = {
      ...designRecord(),
      coords_norm: { ...designRecord().coords_norm, center: [0.4, 0.4] as [number, number] },
    };
    await writeFile(
      join(tmp.path, 'alignment_labels_predicted', 'PATEK_nab_001.json'),
      JSON.stringify({ PATEK_nab_001_03: moved } satisfies LabelFile),
    );
    expect(await isRejected('PATEK_nab_001_03')).toBe(true);
    expect((await readRejections()).PATEK_nab_001_03?.prediction?.coords_norm.center).toEqual([0.51, 0.436]);
    await review({ kind: 'accept', imageKey: 'PATEK_nab_001_03', coords: moved.coords_norm });
    expect(await isRejected('PATEK_nab_001_03')).toBe(false);
    expect(await readRejections()).toEqual({});
  });

  it('concurrent rejections from two writers and a tool that takes no lock are all kept', async () => {
    const other = new LabelStore({
      // Another tool rewrites the file, with a field of its own, between Loupe's read and rename.
      beforeCommit: async (path, attempt) => {
        if (attempt > 0) return;
        const onDisk = JSON.parse(await readFile(path, 'utf8').catch(() => '{}')) as RejectionFile;
        onDisk.PATEK_nab_001_09 = { reviewer: 'tool', timestamp: '2026-11-22T11:00:00.000000+00:00', tool: 1 };
        await writeFile(`${path}.other`, JSON.stringify(onDisk));
        await rename(`${path}.other`, path);
      },
    });
    await Promise.all([
      review({ kind: 'reject', imageKey: 'PATEK_nab_001_03' }, 'alice', store),
      review({ kind: 'reject', imageKey: 'PATEK_nab_001_04' }, 'bob', other),
    ]);
    const file = await readRejections();
    expect(Object.keys(file)).toEqual(['PATEK_nab_001_03', 'PATEK_nab_001_04', 'PATEK_nab_001_09']);
    expect([file.PATEK_nab_001_03?.reviewer, file.PATEK_nab_001_04?.reviewer, file.PATEK_nab_001_09?.tool]).toEqual([
      'alice',
      'bob',
      1,
    ]);
    expect((await readdir(join(tmp.path, 'alignment_labels', 'rejected'))).filter((n) => n.startsWith('.'))).toEqual(
      [],
    );
  });

  it('moves the rejections of a legacy .loupe-review.json beside the labels on first read', async () => {
    const legacy = join(tmp.path, 'alignment_labels_predicted', '.loupe-review.json');
    await writeFile(
      legacy,
      JSON.stringify({
        version: 1,
        rejected: {
          PATEK_nab_001_04: { reviewer: 'ann', at: '2026-12-01T09:30:00.250Z' },
          GONE_1: { reviewer: 'ann', at: '2026-12-01T09:31:00.000Z' },
        },
      }),
    );
    // Read without a store (the CLI's way): seen as rejected, nothing written.
    expect(await isRejected('PATEK_nab_001_04')).toBe(true);
    await expect(readFile(rejectionsFile())).rejects.toThrow();
    // Through the load verb's store: moved, with the prediction and one timestamp format.
    await loadKeypointFolder(photos, DEFAULT_NAMING_PATTERN, undefined, store);
    expect(await readRejections()).toEqual({
      PATEK_nab_001_04: {
        full_image_name: 'PATEK_nab_001_04_front.jpg',
        reviewer: 'ann',
        timestamp: '2026-12-01T09:30:00.250000+00:00',
        prediction: { ...designRecord(), full_image_name: 'PATEK_nab_001_04_front.jpg' },
      },
    });
    // The one whose image is gone (no watch ID to file it under) stays where it was.
    expect(JSON.parse(await readFile(legacy, 'utf8'))).toEqual({
      version: 1,
      rejected: { GONE_1: { reviewer: 'ann', at: '2026-12-01T09:31:00.000Z' } },
    });
    await rm(join(photos, 'PATEK_nab_001_04_front.jpg'));
    await writeFile(join(photos, 'GONE_1.jpg'), await jpeg(40, 30));
    await loadKeypointFolder(photos, DEFAULT_NAMING_PATTERN, undefined, store);
    await expect(readFile(legacy)).rejects.toThrow();
    // A name the pattern does not match is filed under its folder's watch ID, like its labels.
    expect(await readdir(join(tmp.path, 'alignment_labels', 'rejected'))).toEqual([
      'PATEK_nab_001.json',
      'downloaded_images.json',
    ]);
    expect(await isRejected('GONE_1')).toBe(true);
  });

  it('exports only corrected labels for retraining', async () => {
    const base = designRecord().coords_norm;
    await applyReview(
      store,
      photos,
      DEFAULT_NAMING_PATTERN,
      { kind: 'accept', imageKey: 'PATEK_nab_001_03', coords: { ...base, left: [0.2, 0.44] } },
      'a',
      now,
    );
    await applyReview(
      store,
      photos,
      DEFAULT_NAMING_PATTERN,
      { kind: 'accept', imageKey: 'PATEK_nab_001_04', coords: base },
      'a',
      now,
    );
    const coco = join(tmp.path, 'corrected.json');
    expect(
      await exportReviewed(photos, DEFAULT_NAMING_PATTERN, { format: 'coco', onlyCorrected: true, out: coco }, now),
    ).toEqual({ images: 1, out: coco, skipped: [] });
    expect(JSON.parse(await readFile(coco, 'utf8')).images.map((i: { file_name: string }) => i.file_name)).toEqual([
      'PATEK_nab_001_03_tiltface_q1.jpg',
    ]);
    // A label of a second watch: a YOLO-pose export splits by watch ID, so it needs two.
    await writeFile(
      join(tmp.path, 'alignment_labels', 'downloaded_images.json'),
      JSON.stringify({ IMG_9: { ...designRecord(), full_image_name: 'IMG_9.jpg', annotator: 'bob' } }),
    );
    const yolo = join(tmp.path, 'yolo');
    const all = await exportReviewed(
      photos,
      DEFAULT_NAMING_PATTERN,
      { format: 'yolo-pose', onlyCorrected: false, out: yolo },
      now,
    );
    expect(all).toMatchObject({ images: 3, out: yolo, skipped: [] });
    expect((all.split?.train.watches ?? 0) + (all.split?.val.watches ?? 0)).toBe(2);
    expect(all.split?.val.watches).toBe(1);
    await expect(checkUltralyticsPoseDataset(join(yolo, 'dataset.yaml'))).resolves.toMatchObject({ errors: [] });
  });

  it('does not show a partial label (a Label Studio import with --allow-partial): reports it, leaves it on disk', async () => {
    await mkdir(join(tmp.path, 'alignment_labels'));
    const { top, center } = designRecord().coords_norm;
    const partial = { ...designRecord(), annotator: 'human:1', coords_norm: { top, center } };
    const text = JSON.stringify({ PATEK_nab_001_03: partial });
    await writeFile(join(tmp.path, 'alignment_labels', 'PATEK_nab_001.json'), text);
    const f = await loadKeypointFolder(photos, DEFAULT_NAMING_PATTERN);
    expect(f.entries.find((e) => e.imageKey === 'PATEK_nab_001_03')?.human).toBeNull();
    expect(f.problems).toEqual([
      {
        severity: 'warning',
        file: join(tmp.path, 'alignment_labels', 'PATEK_nab_001.json'),
        key: 'PATEK_nab_001_03',
        message: 'partial record (bottom, left, right absent): not shown until all five points are labelled',
      },
    ]);
    expect(await readFile(join(tmp.path, 'alignment_labels', 'PATEK_nab_001.json'), 'utf8')).toBe(text);
  });
});
