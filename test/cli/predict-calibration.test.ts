import { spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabelFile } from '../../src/shared/labels';
import { calibrate, type CalibrationInput } from '../../src/core/keypoints/calibration';
import { CALIBRATION } from '../../src/core/keypoints/calibration-table';
import { copySamplePhotos, errorPercent, samplesDir, sampleTruth } from '../fixtures/sample-truth';
import { repoRoot, tempDir } from '../helpers';

/**
 * Calibrated confidence (issue 17 item 2), as a user runs it: the built CLI, a real engine, the
 * bundled detector and opencv.js on two sample watches, one with its human label (template fits)
 * and one without (the pose detector's own keypoints). Every record's confidence is the shipped
 * table's probability for the raw score it keeps in debug_info.
 */
const bin = join(repoRoot, 'bin', 'loupe.js');

describe('loupe predict writes calibrated confidence', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let predicted: LabelFile;
  let truth: LabelFile;
  beforeAll(async () => {
    tmp = await tempDir('loupe-calibration-');
    const images = join(tmp.path, 'photos');
    await copySamplePhotos(images, ['HALDEN_tonneau_001', 'KESTREL_dive_001']);
    await mkdir(join(tmp.path, 'labels'));
    await cp(
      join(samplesDir, 'alignment_labels', 'HALDEN_tonneau_001.json'),
      join(tmp.path, 'labels', 'HALDEN_tonneau_001.json'),
    );
    const out = join(tmp.path, 'out');
    const r = spawnSync(
      process.execPath,
      [bin, 'predict', '--images-dir', images, '--labels-dir', join(tmp.path, 'labels'), '--output-dir', out],
      { env: { ...process.env, LOUPE_DATA_DIR: join(tmp.path, 'data') }, encoding: 'utf8', timeout: 240_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    predicted = {};
    for (const f of (await readdir(out)).filter((n) => n.endsWith('.json') && !n.startsWith('.')))
      Object.assign(predicted, JSON.parse(await readFile(join(out, f), 'utf8')) as LabelFile);
    truth = await sampleTruth();
  }, 240_000);
  afterAll(() => tmp.cleanup());

  it('keeps the raw score and the table id in debug_info; the confidence is the table’s probability', () => {
    const records = Object.values(predicted);
    expect(records.length).toBeGreaterThan(10);
    for (const r of records) {
      const d = r.debug_info!;
      expect(d.calibration).toBe(CALIBRATION.id);
      expect(typeof d.raw_confidence).toBe('number');
      expect(r.confidence).toBeGreaterThanOrEqual(0);
      expect(r.confidence).toBeLessThanOrEqual(1);
      const input = d.calibration_input as CalibrationInput;
      expect(input.raw).toBe(d.raw_confidence);
      expect(r.confidence).toBe(calibrate(CALIBRATION, input));
    }
  });

  it('says template fits are likely right and a pose detector’s keypoints likely not, as they are', () => {
    const fits = Object.entries(predicted).filter(([, r]) => r.debug_info?.method === 'YOLO-Match-Homography');
    const pose = Object.entries(predicted).filter(([k]) => k.startsWith('KESTREL'));
    expect(fits.length).toBeGreaterThan(5);
    expect(pose.length).toBe(10);
    for (const [, r] of fits) expect(r.confidence).toBeGreaterThan(0.8);
    for (const [, r] of pose) expect(r.confidence).toBeLessThan(0.3);
    // The raw score ranked them the other way round on most images.
    const rawFit = fits.map(([, r]) => r.debug_info!.raw_confidence as number);
    const rawPose = pose.map(([, r]) => r.debug_info!.raw_confidence as number);
    expect(Math.max(...rawPose)).toBeGreaterThan(Math.min(...rawFit));
    // And what they say holds: the fits within 2 % of the diameter, the pose keypoints mostly not.
    const right = (e: [string, LabelFile[string]]): boolean => errorPercent(e[1], truth[e[0]]!) <= 2;
    expect(fits.filter(right).length / fits.length).toBeGreaterThan(0.8);
    expect(pose.filter(right).length / pose.length).toBeLessThan(0.3);
  });
});
