import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PredictKeypointsResult } from '../../src/shared/jobs';
import type { LabelFile } from '../../src/shared/labels';
import { dialDiameter, meanKeypointError } from '../../src/core/formats/labels';
import { FIXTURE_MATCHER_MANIFEST, fixtureMatcherModel } from '../fixtures/onnx-models';
import { NO_SUCH_PID, repoRoot, tempDir, waitFor } from '../helpers';

/**
 * `loupe predict` as a user runs it (the built CLI, a real engine process, the bundled detector,
 * opencv.js) on the bundled sample photos.
 */
const bin = join(repoRoot, 'bin', 'loupe.js');
const samples = join(repoRoot, 'resources', 'samples');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('loupe predict', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    tmp = await tempDir('loupe-predict-');
    env = { ...process.env, LOUPE_DATA_DIR: join(tmp.path, 'data') };
  });
  afterAll(() => tmp.cleanup());

  const predict = (...args: string[]): Run => {
    const r = spawnSync(process.execPath, [bin, 'predict', ...args], { env, encoding: 'utf8', timeout: 240_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  /** All records of a label folder; with `tolerant`, files that do not parse are skipped. */
  const readOutputs = async (dir: string, tolerant = false): Promise<LabelFile> => {
    const all: LabelFile = {};
    for (const f of (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
      const text = await readFile(join(dir, f), 'utf8');
      try {
        Object.assign(all, JSON.parse(text));
      } catch (e) {
        if (!tolerant) throw e;
      }
    }
    return all;
  };
  /** What must be identical between runs: everything but times. */
  const stable = (labels: LabelFile) =>
    Object.fromEntries(
      Object.entries(labels).map(([k, r]) => {
        const { timings_ms: _t, ...debug } = (r.debug_info ?? {}) as Record<string, unknown>;
        return [k, { ...r, timestamp: undefined, debug_info: debug }];
      }),
    );

  it('writes one file per watch ID for every unlabelled sample, counts tiers, validates, and is accurate', async () => {
    const out = join(tmp.path, 'p');
    const run = predict(
      '--images-dir',
      join(samples, 'watches'),
      '--labels-dir',
      join(samples, 'alignment_labels'),
      '--output-dir',
      out,
      '--json',
    );
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as PredictKeypointsResult & { status: string };
    const images = (await readdir(join(samples, 'watches'))).filter((n) => n.endsWith('.jpg'));
    const human = await readOutputs(join(samples, 'alignment_labels'));
    expect(summary.status).toBe('completed');
    expect(summary.images).toBe(images.length);
    expect(summary.skippedHuman).toBe(Object.keys(human).length);
    expect(summary.predicted).toBe(images.length - Object.keys(human).length);
    expect(summary.tiers.full + summary.tiers['pipeline-fallback'] + summary.tiers['geometric-fallback']).toBe(
      summary.predicted,
    );
    expect(summary.failed).toBe(0);

    const watchIds = (await readdir(join(samples, 'alignment_labels'))).map((f) => f.replace(/\.json$/, '')).sort();
    expect((await readdir(out)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()).toEqual(
      watchIds.map((w) => `${w}.json`),
    );
    const predicted = await readOutputs(out);
    expect(Object.keys(predicted)).toHaveLength(summary.predicted);
    for (const key of Object.keys(human)) expect(predicted[key]).toBeUndefined();

    const validate = spawnSync(process.execPath, [bin, 'validate', out], { encoding: 'utf8' });
    expect(validate.status).toBe(0);
    expect(validate.stdout).toMatch(/0 errors/);

    // Accuracy against the generator's exact ground truth, full tier only.
    const truth = await readOutputs(join(samples, 'ground_truth'));
    const errors: number[] = [];
    for (const [key, r] of Object.entries(predicted)) {
      const t = truth[key];
      if (!t || r.annotator.endsWith('fallback')) continue;
      errors.push(
        (100 * meanKeypointError(r.coords_norm, t.coords_norm, t.image_size)) /
          dialDiameter(t.coords_norm, t.image_size),
      );
    }
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    console.log(
      `full-tier mean keypoint error: ${mean.toFixed(3)}% of the dial diameter over ${errors.length} images (${summary.tiers['pipeline-fallback']} pipeline, ${summary.tiers['geometric-fallback']} geometric fallbacks)`,
    );
    expect(errors.length).toBeGreaterThan(summary.predicted / 2);
    expect(mean).toBeLessThanOrEqual(1.5);
  });

  it('survives SIGKILL mid-batch: every file parses at every point, and resuming gives the same predictions', async () => {
    const images = join(tmp.path, 'kill-images');
    await mkdir(images);
    const names = (await readdir(join(samples, 'watches'))).filter((n) => /^(ORBIS|KESTREL)/.test(n));
    for (const n of names) await cp(join(samples, 'watches', n), join(images, n));
    const args = (out: string) => [
      '--images-dir',
      images,
      '--labels-dir',
      join(samples, 'alignment_labels'),
      '--output-dir',
      out,
      '--checkpoint-freq',
      '2',
    ];

    const reference = join(tmp.path, 'reference');
    expect(predict(...args(reference)).code).toBe(0);

    const out = join(tmp.path, 'killed');
    let parses = 0;
    const checkEveryFile = async (): Promise<void> => {
      for (const f of (await readdir(out).catch(() => [])).filter((n) => n.endsWith('.json'))) {
        const text = await readFile(join(out, f), 'utf8').catch(() => null);
        if (text === null) continue;
        JSON.parse(text); // throws if a reader ever sees a partial file
        parses++;
      }
    };
    for (let kill = 0; kill < 3; kill++) {
      const child: ChildProcess = spawn(process.execPath, [bin, 'predict', ...args(out)], { env, stdio: 'ignore' });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      const before = Object.keys(await readOutputs(out).catch(() => ({}))).length;
      await waitFor(
        async () => {
          await checkEveryFile();
          const now = Object.keys(await readOutputs(out).catch(() => ({}))).length;
          return now >= before + 3;
        },
        120_000,
        'progress before the kill',
      );
      child.kill('SIGKILL');
      await exited;
      await checkEveryFile();
    }
    // A kill during a write leaves its temp file; whether these did depends on timing, so the
    // rerun also finds one, as a kill leaves it.
    const someLabel = (await readdir(reference)).find((n) => n.endsWith('.json') && !n.startsWith('.')) as string;
    await writeFile(join(out, `.${someLabel}.${NO_SUCH_PID}.0a1b2c3d.tmp`), '{');
    const final = predict(...args(out), '--json');
    expect(final.code).toBe(0);
    expect((await readdir(out)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const summary = JSON.parse(final.stdout) as PredictKeypointsResult;
    expect(summary.skippedDone).toBeGreaterThanOrEqual(9);
    expect(parses).toBeGreaterThan(0);
    expect(stable(await readOutputs(out))).toEqual(stable(await readOutputs(reference)));
  });

  it('keeps going through bad input, one failure record per bad image, and never overwrites a malformed file', async () => {
    const images = join(tmp.path, 'bad-images');
    const labels = join(tmp.path, 'bad-labels');
    const out = join(tmp.path, 'bad-out');
    await mkdir(images);
    await mkdir(labels);
    await mkdir(out);
    const good = 'ORBIS_nab_001_03_tiltface_q3.jpg';
    const photo = await readFile(join(samples, 'watches', good));
    await writeFile(join(images, good), photo);
    await writeFile(
      join(images, 'ORBIS_nab_001_01_front_q1.jpg'),
      await readFile(join(samples, 'watches', 'ORBIS_nab_001_01_front_q1.jpg')),
    );
    await writeFile(join(images, 'BAD_zero_001_01.jpg'), Buffer.alloc(0));
    await writeFile(join(images, 'BAD_trunc_001_01.jpg'), photo.subarray(0, Math.floor(photo.length / 2)));
    await writeFile(join(images, 'BAD_text_001_01.jpg'), 'not a photo at all\n');
    await writeFile(join(images, 'ODD_cmyk_001_01.jpg'), await sharp(photo).toColourspace('cmyk').jpeg().toBuffer());
    await writeFile(join(images, 'ODD_deep_001_01.png'), await sharp(photo).toColourspace('rgb16').png().toBuffer());
    await writeFile(join(images, 'ODD_grey_001_01.jpg'), await sharp(photo).greyscale().jpeg().toBuffer());
    await writeFile(
      join(images, 'ODD_rotated_001_01.jpg'),
      await sharp(photo).rotate(90).withMetadata({ orientation: 8 }).jpeg().toBuffer(),
    );
    // 100 MP (bounded memory: shrink-on-load, never a full decode).
    await sharp({ create: { width: 10_000, height: 10_000, channels: 3, background: '#8090a0' } })
      .jpeg({ quality: 60 })
      .toFile(join(images, 'ODD_huge_001_01.jpg'));
    const human = JSON.parse(
      await readFile(join(samples, 'alignment_labels', 'ORBIS_nab_001.json'), 'utf8'),
    ) as LabelFile;
    human.ORBIS_nab_001_99 = { ...human.ORBIS_nab_001_01!, full_image_name: '../../etc/passwd' };
    await writeFile(join(labels, 'ORBIS_nab_001.json'), JSON.stringify(human));
    await writeFile(join(labels, 'BROKEN_x_001.json'), '{ "this is": not json');
    const malformed = '{ "ODD_grey_001_01": { truncated';
    await writeFile(join(out, 'ODD_grey_001.json'), malformed);

    const run = spawnSync(
      process.execPath,
      [bin, 'predict', '--images-dir', images, '--labels-dir', labels, '--output-dir', out, '--json'],
      { env, encoding: 'utf8', timeout: 240_000 },
    );
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout) as PredictKeypointsResult;
    expect(summary.failed).toBe(4); // zero-byte, truncated, text, and the image whose output file is malformed
    expect(summary.predicted).toBe(5); // the good photo, CMYK, 16-bit, EXIF-rotated, 100 MP
    expect(summary.skippedHuman).toBe(1); // ORBIS_nab_001_01 has a human label
    expect(await readFile(join(out, 'ODD_grey_001.json'), 'utf8')).toBe(malformed);
    const log = await readFile(join(out, 'predict.log'), 'utf8');
    expect(log).toMatch(/BAD_zero_001_01\.jpg: FAILED IMAGE_DECODE_FAILED: .*empty/);
    expect(log).toMatch(/BAD_trunc_001_01\.jpg: FAILED IMAGE_DECODE_FAILED/);
    expect(log).toMatch(/BAD_text_001_01\.jpg: FAILED IMAGE_DECODE_FAILED/);
    expect(log).toMatch(/ODD_grey_001_01\.jpg: FAILED IO_ERROR: the output file ODD_grey_001\.json is malformed/);
    expect(log).toMatch(/BROKEN_x_001\.json is malformed .*not used/);
    expect(log).toMatch(/ORBIS_nab_001_99: full_image_name "\.\.\/\.\.\/etc\/passwd" refused/);
    const predicted = await readOutputs(out, true);
    expect(predicted.ODD_huge_001_01?.image_size).toEqual([10_000, 10_000]);
    // Stored turned a quarter, EXIF orientation 8 turns it back: displayed like the original.
    const meta = await sharp(photo).metadata();
    expect(predicted.ODD_rotated_001_01?.image_size).toEqual([meta.width, meta.height]);
    expect(predicted.ODD_deep_001_01?.coords_norm).toBeDefined();
    expect(predicted.ODD_cmyk_001_01?.coords_norm).toBeDefined();
  });

  it('takes a learned ONNX matcher in place of ORB (--config matcher: onnx:<path>)', async () => {
    const images = join(tmp.path, 'onnx-images');
    const out = join(tmp.path, 'onnx-out');
    const matcherDir = join(tmp.path, 'matcher');
    await mkdir(images);
    await mkdir(matcherDir);
    for (const n of ['ORBIS_nab_001_01_front_q1.jpg', 'ORBIS_nab_001_03_tiltface_q3.jpg'])
      await cp(join(samples, 'watches', n), join(images, n));
    await writeFile(join(matcherDir, 'model.onnx'), fixtureMatcherModel());
    await writeFile(join(matcherDir, 'model.json'), JSON.stringify(FIXTURE_MATCHER_MANIFEST));
    const config = join(tmp.path, 'predict.yaml');
    await writeFile(
      config,
      `matcher:\n  type: onnx:${join(matcherDir, 'model.onnx')}\nhomography:\n  min_inliers: 10\n`,
    );
    const run = spawnSync(
      process.execPath,
      [
        bin,
        'predict',
        '--images-dir',
        images,
        '--labels-dir',
        join(samples, 'alignment_labels'),
        '--output-dir',
        out,
        '--config',
        config,
        '--json',
      ],
      { env, encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.status).toBe(0);
    const predicted = await readOutputs(out);
    // The fixture matcher's 24 matches (18 confident) reached the homography stage.
    const debug = predicted.ORBIS_nab_001_03?.debug_info as { features: number[]; matches: number };
    expect(debug.features).toEqual([24, 24]);
    expect(debug.matches).toBe(18);
  });

  it('retries images that failed before on a rerun; --no-retry-failed keeps them failed', async () => {
    const images = join(tmp.path, 'retry-images');
    const labels = join(tmp.path, 'retry-labels');
    await mkdir(images);
    await mkdir(labels);
    const name = 'ORBIS_nab_001_03_tiltface_q3.jpg';
    await writeFile(join(images, name), 'not a photo yet\n');
    const run = (out: string, ...extra: string[]) => {
      const r = predict('--images-dir', images, '--labels-dir', labels, '--output-dir', out, '--json', ...extra);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as PredictKeypointsResult;
    };
    const retried = join(tmp.path, 'retry-out');
    const kept = join(tmp.path, 'retry-kept');
    expect(run(retried).failed).toBe(1);
    expect(run(kept).failed).toBe(1);
    // The photo is fixed (copied in whole) before the reruns.
    await cp(join(samples, 'watches', name), join(images, name));
    const keep = run(kept, '--no-retry-failed');
    expect(keep).toMatchObject({ failed: 1, predicted: 0 });
    expect((await readOutputs(kept)).ORBIS_nab_001_03).toBeUndefined();
    const retry = run(retried);
    expect(retry).toMatchObject({ failed: 0, predicted: 1, skippedDone: 0 });
    expect((await readOutputs(retried)).ORBIS_nab_001_03?.coords_norm).toBeDefined();
  });

  it('refuses a human label with coordinates outside the image as a matching template', async () => {
    const images = join(tmp.path, 'range-images');
    const labels = join(tmp.path, 'range-labels');
    const out = join(tmp.path, 'range-out');
    await mkdir(images);
    await mkdir(labels);
    for (const n of ['ORBIS_nab_001_01_front_q1.jpg', 'ORBIS_nab_001_03_tiltface_q3.jpg'])
      await cp(join(samples, 'watches', n), join(images, n));
    const human = JSON.parse(
      await readFile(join(samples, 'alignment_labels', 'ORBIS_nab_001.json'), 'utf8'),
    ) as LabelFile;
    human.ORBIS_nab_001_01!.coords_norm.top = [1.3, 0.11616];
    await writeFile(join(labels, 'ORBIS_nab_001.json'), JSON.stringify(human));
    const run = predict('--images-dir', images, '--labels-dir', labels, '--output-dir', out, '--json');
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as PredictKeypointsResult;
    expect(summary.templates).toBe(0);
    expect(summary.skippedHuman).toBe(1);
    expect(await readFile(join(out, 'predict.log'), 'utf8')).toMatch(
      /human label ORBIS_nab_001_01: refused as a template: keypoint top \(1\.3, 0\.11616\) is outside \[0, 1\]/,
    );
  });
});
