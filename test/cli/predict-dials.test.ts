import { spawnSync } from 'node:child_process';
import { cp, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabelFile } from '../../src/shared/labels';
import { dialsOf } from '../../src/core/keypoints/dials';
import { errorPercent, samplesDir, sampleTruth, writeTwoDialPhoto, type TwoDialPhoto } from '../fixtures/sample-truth';
import { repoRoot, tempDir } from '../helpers';

/**
 * Several dials (issue 17 item 3), as a user runs it: the built CLI, a real engine, the bundled
 * detector and opencv.js on a photo of two sample watches side by side. Both detections are
 * recorded with their own keypoints; the record follows the most confident.
 */
const bin = join(repoRoot, 'bin', 'loupe.js');

describe('loupe predict on a photo with two dials', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let photo: TwoDialPhoto;
  let labels: LabelFile;
  let stderr = '';
  beforeAll(async () => {
    tmp = await tempDir('loupe-dials-');
    const images = join(tmp.path, 'photos');
    await mkdir(images);
    await mkdir(join(tmp.path, 'labels'));
    // The watch's one human label is the template of both dials.
    await cp(
      join(samplesDir, 'alignment_labels', 'HALDEN_tonneau_001.json'),
      join(tmp.path, 'labels', 'HALDEN_tonneau_001.json'),
    );
    await cp(
      join(samplesDir, 'watches', 'HALDEN_tonneau_001_01_front_q1.jpg'),
      join(images, 'HALDEN_tonneau_001_01_front_q1.jpg'),
    );
    const truth = await sampleTruth();
    photo = await writeTwoDialPhoto(
      join(images, 'HALDEN_tonneau_001_90_pair.jpg'),
      'HALDEN_tonneau_001_02',
      'HALDEN_tonneau_001_04',
      truth,
    );
    const out = join(tmp.path, 'out');
    const r = spawnSync(
      process.execPath,
      [bin, 'predict', '--images-dir', images, '--labels-dir', join(tmp.path, 'labels'), '--output-dir', out],
      { env: { ...process.env, LOUPE_DATA_DIR: join(tmp.path, 'data') }, encoding: 'utf8', timeout: 240_000 },
    );
    stderr = r.stderr;
    expect(r.status, r.stderr).toBe(0);
    labels = JSON.parse(await readFile(join(out, 'HALDEN_tonneau_001.json'), 'utf8')) as LabelFile;
  }, 240_000);
  afterAll(() => tmp.cleanup());

  it('records both detections, each with its own keypoints, and follows the most confident', () => {
    const record = labels.HALDEN_tonneau_001_90;
    expect(record, stderr).toBeDefined();
    expect(record!.image_size).toEqual(photo.size);
    expect(record!.debug_info?.yolo_detections).toBe(2);
    const dials = dialsOf(record);
    expect(dials).toHaveLength(2);
    // Best first, and the record is the first dial's.
    expect(dials[0]!.score).toBeGreaterThanOrEqual(dials[1]!.score);
    expect(dials[0]!.coords_norm).toEqual(record!.coords_norm);
    expect(dials[0]!.confidence).toBe(record!.confidence);
    // One dial per half, each predicted on its own dial: within 2 % of its diameter of the truth.
    const halves = dials.map((d) => ((d.box_norm[0] + d.box_norm[2]) / 2 < photo.split ? 0 : 1));
    expect([...halves].sort()).toEqual([0, 1]);
    dials.forEach((d, i) => {
      const truth = photo.truths[halves[i]!]!;
      expect(d.tier).toBe('full');
      expect(errorPercent(d, truth)).toBeLessThan(2);
      const [x1, y1, x2, y2] = d.box_norm;
      expect(d.coords_norm.center[0]).toBeGreaterThan(x1);
      expect(d.coords_norm.center[0]).toBeLessThan(x2);
      expect(d.coords_norm.center[1]).toBeGreaterThan(y1);
      expect(d.coords_norm.center[1]).toBeLessThan(y2);
    });
    // The other dials' matching time is said with the record's.
    const timings = record!.debug_info?.timings_ms as Record<string, number>;
    expect(timings.other_dials).toBeGreaterThan(0);
  });

  it('keeps the label format: one record per image key, no new top-level fields', () => {
    const record = labels.HALDEN_tonneau_001_90!;
    expect(Object.keys(record).sort()).toEqual(
      ['annotator', 'confidence', 'coords_norm', 'debug_info', 'full_image_name', 'image_size', 'timestamp'].sort(),
    );
    expect(record.full_image_name).toBe('HALDEN_tonneau_001_90_pair.jpg');
  });
});
