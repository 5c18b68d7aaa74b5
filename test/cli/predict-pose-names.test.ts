import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabelFile } from '../../src/shared/labels';
import { calibrate, type CalibrationInput } from '../../src/core/keypoints/calibration';
import { CALIBRATION } from '../../src/core/keypoints/calibration-table';
import { dialPoseModel, permutedDialPoseModel, STANDARD_DIAL_ORDER } from '../fixtures/onnx-models';
import { repoRoot, tempDir } from '../helpers';

/**
 * Pose keypoints by name (issue 13), as a user runs it: the built CLI, a real engine process and
 * ONNX Runtime, fixture pose models that are one model in two keypoint orders.
 */
const bin = join(repoRoot, 'bin', 'loupe.js');

describe('loupe predict with pose models in other keypoint orders', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  let images: string;
  let labels: string;
  let models: string;
  beforeAll(async () => {
    tmp = await tempDir('loupe-pose-names-');
    env = { ...process.env, LOUPE_DATA_DIR: join(tmp.path, 'data') };
    images = join(tmp.path, 'photos');
    labels = join(tmp.path, 'alignment_labels');
    models = join(tmp.path, 'models');
    await mkdir(images);
    await mkdir(labels);
    await mkdir(models);
    // Two watches, photos of different brightness: the fixture's keypoints move with it.
    for (const [name, grey] of [
      ['BRAND_m_001_01_front.jpg', 40],
      ['BRAND_m_002_01_front.jpg', 200],
    ] as const) {
      const img = sharp({
        create: { width: 320, height: 240, channels: 3, background: { r: grey, g: grey, b: grey } },
      });
      await writeFile(join(images, name), await img.jpeg().toBuffer());
    }
    await writeFile(join(models, 'standard.onnx'), dialPoseModel(STANDARD_DIAL_ORDER, STANDARD_DIAL_ORDER));
    await writeFile(join(models, 'permuted.onnx'), permutedDialPoseModel());
    await writeFile(
      join(models, 'unnamed-seven.onnx'),
      dialPoseModel(['top', 'center', 'hour', 'minute', 'right', 'bottom', 'left'], null),
    );
    await writeFile(join(models, 'unmappable.onnx'), dialPoseModel(STANDARD_DIAL_ORDER, ['a', 'b', 'c', 'd', 'e']));
  });
  afterAll(() => tmp.cleanup());

  const loupe = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 120_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const predict = async (out: string, ...args: string[]) => {
    const r = loupe(
      'predict',
      '--images-dir',
      images,
      '--labels-dir',
      labels,
      '--output-dir',
      join(tmp.path, out),
      ...args,
    );
    const all: LabelFile = {};
    if (r.code === 0) {
      for (const f of (await readdir(join(tmp.path, out))).filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
        Object.assign(all, JSON.parse(await readFile(join(tmp.path, out, f), 'utf8')));
      }
    }
    return { ...r, labels: all };
  };

  it('predicts the same points with a permuted kpt_names model as with the standard-order model, as the pipeline-fallback tier', async () => {
    const standard = await predict('standard', '--model', join(models, 'standard.onnx'));
    expect(standard.code, standard.stderr).toBe(0);
    const permuted = await predict('permuted', '--model', join(models, 'permuted.onnx'));
    expect(permuted.code, permuted.stderr).toBe(0);
    const keys = Object.keys(standard.labels).sort();
    expect(keys).toEqual(['BRAND_m_001_01', 'BRAND_m_002_01']);
    for (const key of keys) {
      const a = standard.labels[key];
      const b = permuted.labels[key];
      for (const n of STANDARD_DIAL_ORDER as (keyof NonNullable<typeof a>['coords_norm'])[]) {
        expect(b?.coords_norm[n][0]).toBeCloseTo(a?.coords_norm[n][0] as number, 6);
        expect(b?.coords_norm[n][1]).toBeCloseTo(a?.coords_norm[n][1] as number, 6);
      }
      // No template: a pose model's own keypoints are the pipeline fallback, method "pose".
      for (const r of [a, b]) {
        expect(r?.annotator).toMatch(/-pipeline-fallback$/);
        expect(r?.debug_info).toMatchObject({ method: 'pose', templates_tried: 0 });
        // Their own raw score: detector score × mean visibility; the confidence is its calibration.
        expect(r?.debug_info?.raw_confidence).toBeCloseTo(0.9 * 0.95, 3);
        expect(r?.debug_info?.calibration).toBe(CALIBRATION.id);
        expect(r?.confidence).toBe(calibrate(CALIBRATION, r?.debug_info?.calibration_input as CalibrationInput));
      }
    }
    // The points are the model's, not constants: the two photos differ.
    const [first, second] = keys.map((k) => standard.labels[k]?.coords_norm.top[0]);
    expect(first).not.toBeCloseTo(second as number, 3);
    // 12 o'clock above the centre, 3 o'clock to its right: the names were followed, not the order.
    const p = permuted.labels.BRAND_m_001_01?.coords_norm;
    expect((p?.top[1] as number) < (p?.center[1] as number)).toBe(true);
    expect((p?.right[0] as number) > (p?.center[0] as number)).toBe(true);
    expect(await readFile(join(tmp.path, 'permuted', 'predict.log'), 'utf8')).toMatch(
      /detector keypoints: top ← 12_oclock \(0\), bottom ← 6_oclock \(5\), left ← 9_oclock \(6\), right ← 3_oclock \(4\), center ← centre \(1\) · not used: hour \(2\), minute \(3\)/,
    );
  });

  it('fails at load when the names cannot be mapped, and takes a --keypoint-map instead', async () => {
    const refused = await predict('unmappable', '--model', join(models, 'unmappable.onnx'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /cannot tell which keypoints are top, bottom, left, right, center: its keypoints \(a, b, c, d, e\)/,
    );
    const standard = await predict('standard2', '--model', join(models, 'standard.onnx'));
    const mapped = await predict(
      'mapped',
      '--model',
      join(models, 'unmappable.onnx'),
      '--keypoint-map',
      'a=top,b=bottom,c=left,d=right,e=center',
    );
    expect(mapped.code, mapped.stderr).toBe(0);
    expect(mapped.labels.BRAND_m_002_01?.coords_norm).toEqual(standard.labels.BRAND_m_002_01?.coords_norm);
    // Seven unnamed keypoints: not by position; by index with a map.
    const unnamed = await predict('unnamed', '--model', join(models, 'unnamed-seven.onnx'));
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toMatch(/7 unnamed keypoints/);
    const byIndex = await predict(
      'by-index',
      '--model',
      join(models, 'unnamed-seven.onnx'),
      '--keypoint-map',
      '0=top,5=bottom,6=left,4=right,1=center',
    );
    expect(byIndex.code, byIndex.stderr).toBe(0);
    expect(byIndex.labels.BRAND_m_001_01?.coords_norm).toEqual(standard.labels.BRAND_m_001_01?.coords_norm);
    expect(loupe('predict', '--keypoint-map', 'top').code).toBe(2);
  });

  it('loupe models shows each pose model’s mapping, and why one cannot be mapped', () => {
    const r = loupe('models', '--models-dir', models, '--no-probe');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /permuted[\s\S]*?keypoints top ← 12_oclock \(0\), bottom ← 6_oclock \(5\), left ← 9_oclock \(6\), right ← 3_oclock \(4\), center ← centre \(1\) · not used: hour \(2\), minute \(3\) · by kpt_names metadata/,
    );
    expect(r.stdout).toMatch(
      /standard[\s\S]*?keypoints top \(0\), bottom \(1\), left \(2\), right \(3\), center \(4\) · by kpt_names metadata/,
    );
    expect(r.stdout).toMatch(/unmappable[\s\S]*?keypoints UNMAPPED: unmappable: cannot tell which keypoints are top/);
    // The bundled detector: by its model.json names.
    expect(r.stdout).toMatch(
      /loupe-dial-pose[\s\S]*?keypoints top \(0\), bottom \(1\), left \(2\), right \(3\), center \(4\) · by model\.json/,
    );
  });
});
