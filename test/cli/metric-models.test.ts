import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricModelSummary, ModelRunSummary } from '../../src/shared/jobs';
import type { MetricModelScores } from '../../src/core/metrics/metric-scores';
import { readCompareSession } from '../../src/engine/restore/compare-session';
import { blurModel, meanAbsDiffMetricModel } from '../fixtures/onnx-models';
import { SYSTEM_PYTHON } from '../fixtures/torch-store';
import { textureSvg } from '../fixtures/texture';
import { repoRoot, tempDir } from '../helpers';

/**
 * `loupe infer --metric-model`: the built CLI, a real engine, a real restoration model and a
 * real metric model whose score is exactly computable (the mean absolute difference of its two
 * images in [-1, 1], test/fixtures/onnx-models.ts), checked against the same computed here
 * from the PNGs on disk. LPIPS itself is not installable here (no pip); docs/metric-models.md
 * gives its export.
 */
const bin = join(repoRoot, 'bin', 'loupe.js');

interface MetricsFile {
  mean: Record<string, number | null>;
  metric_models: Record<string, MetricModelScores>;
}

async function samples(path: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(path).removeAlpha().raw().toBuffer());
}

/** The fixture's score: mean |(2a/255 − 1) − (2b/255 − 1)| over every sample, scaled by (hi − lo) / 2 for another range. */
async function referenceScore(a: string, b: string, range: [number, number] = [-1, 1]): Promise<number> {
  const [x, y] = [await samples(a), await samples(b)];
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs((x[i] as number) - (y[i] as number));
  return ((range[1] - range[0]) * sum) / 255 / x.length;
}

const FRAMES = ['f_000.png', 'f_001.png', 'f_002.png'];

describe('loupe infer --metric-model', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  let frames: string;
  let gt: string;
  let models: string;
  let mad: string;
  let out: string;
  beforeAll(async () => {
    tmp = await tempDir('loupe-metric-');
    env = { ...process.env, LOUPE_DATA_DIR: join(tmp.path, 'data') };
    frames = join(tmp.path, 'frames');
    gt = join(tmp.path, 'gt');
    models = join(tmp.path, 'models');
    for (const d of [frames, gt, models]) await mkdir(d);
    for (const [i, name] of FRAMES.entries()) {
      await sharp(Buffer.from(textureSvg(64, 48, 7 + i)))
        .removeAlpha()
        .png()
        .toFile(join(gt, name));
      await sharp(join(gt, name))
        .blur(0.8 + i * 0.4)
        .png()
        .toFile(join(frames, name));
    }
    await writeFile(join(models, 'blur.onnx'), blurModel());
    mad = join(tmp.path, 'mad.onnx');
    await writeFile(mad, meanAbsDiffMetricModel());
    out = join(tmp.path, 'out');
  });
  afterAll(() => tmp.cleanup());

  const infer = (...args: string[]) =>
    spawnSync(
      process.execPath,
      [bin, 'infer', '--models-dir', models, '--input-dir', frames, '--gt-dir', gt, ...args],
      {
        env,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
  const json = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;

  it('scores every output and the input against the ground truth, with its definition and direction', async () => {
    const r = infer('--output-dir', out, '--metric-model', mad);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/mad \(↓\)/);
    const metrics = await json<MetricsFile>(join(out, 'blur', 'metrics.json'));
    const section = metrics.metric_models.mad!;
    expect(section).toMatchObject({ name: 'mad', better: 'lower', input_range: [-1, 1], path: mad });
    expect(section.definition).toContain('Mean absolute difference of the two images in [-1, 1] (a test fixture).');
    expect(section.definition).toContain('input "restored" the frame');
    expect(section.frames.map((f) => f.frame)).toEqual(FRAMES);
    for (const f of section.frames)
      expect(f.score).toBeCloseTo(await referenceScore(join(out, 'blur', f.frame), join(gt, f.input)), 5);
    const mean = section.frames.reduce((a, f) => a + f.score, 0) / FRAMES.length;
    expect(section.mean).toBeCloseTo(mean, 6);
    expect(metrics.mean.mad).toBe(section.mean);

    const input = await json<MetricsFile>(join(out, 'input_metrics.json'));
    for (const f of input.metric_models.mad!.frames)
      expect(f.score).toBeCloseTo(await referenceScore(join(frames, f.input), join(gt, f.input)), 5);

    const summary = await json<{ metric_models: MetricModelSummary[]; models: ModelRunSummary[] }>(
      join(out, 'batch_summary.json'),
    );
    expect(summary.metric_models.map((m) => [m.name, m.better])).toEqual([['mad', 'lower']]);
    expect(summary.models[0]?.metric_means).toEqual({ mad: section.mean });

    // Compare reads the scores back per frame, for the models and the input.
    const session = await readCompareSession(out, async () => true);
    expect(session.metricModels).toEqual([{ name: 'mad', better: 'lower', definition: section.definition }]);
    expect(session.models[0]?.scores.mad).toEqual(section.frames.map((f) => f.score));
    expect(session.baseline?.scores.mad).toEqual(input.metric_models.mad!.frames.map((f) => f.score));
  });

  it('on a rerun reuses the scores it has and scores the reused frames with a metric model added since', async () => {
    const before = await json<MetricsFile>(join(out, 'blur', 'metrics.json'));
    const r = infer('--output-dir', out, '--metric-model', mad, '--metric-model', `${mad},name=mad01,range=0:1`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('already written');
    const after = await json<MetricsFile>(join(out, 'blur', 'metrics.json'));
    expect(after.metric_models.mad).toEqual(before.metric_models.mad);
    const half = after.metric_models.mad01!;
    expect(half.input_range).toEqual([0, 1]);
    for (const [i, f] of half.frames.entries()) {
      expect(f.score).toBeCloseTo(await referenceScore(join(out, 'blur', f.frame), join(gt, f.input), [0, 1]), 5);
      expect(f.score).toBeCloseTo((before.metric_models.mad!.frames[i]?.score as number) / 2, 5);
    }
  });

  it('keeps the scores through a cluster run: 2 shards merge to the single run’s metric_models', async () => {
    const sharded = join(tmp.path, 'sharded');
    for (const shard of ['0/2', '1/2']) {
      const r = infer('--output-dir', sharded, '--metric-model', mad, '--shard', shard);
      expect(r.status, r.stderr).toBe(0);
    }
    const single = join(tmp.path, 'single');
    expect(infer('--output-dir', single, '--metric-model', mad).status).toBe(0);
    for (const file of ['blur/metrics.json', 'input_metrics.json']) {
      const a = await json<MetricsFile>(join(single, file));
      const b = await json<MetricsFile>(join(sharded, file));
      expect(b.metric_models, file).toEqual(a.metric_models);
      // As one process writes them, keys in the same order (test/cli/shard.test.ts compares bytes).
      expect(Object.keys(b), file).toEqual(Object.keys(a));
      expect(JSON.stringify(b.mean), file).toBe(JSON.stringify(a.mean));
    }
    const s = await json<{ models: ModelRunSummary[]; metric_models: unknown }>(join(sharded, 'batch_summary.json'));
    const t = await json<{ models: ModelRunSummary[]; metric_models: unknown }>(join(single, 'batch_summary.json'));
    expect(s.models[0]?.metric_means).toEqual(t.models[0]?.metric_means);
    expect(s.metric_models).toEqual(t.metric_models);
  });

  it('runs the LPIPS export docs/metric-models.md gives, and scores as torch does', async () => {
    // The documented snippet, run as it is in Debian's python3-torch and python3-onnx, against a
    // stand-in for the lpips package (its graph, seeded random weights; the package cannot be
    // installed here), then used by loupe infer with no overrides.
    const doc = await readFile(join(repoRoot, 'docs', 'metric-models.md'), 'utf8');
    const snippet = /## Export LPIPS[\s\S]*?```python\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(snippet).toContain('lpips.LPIPS(net="alex")');
    const work = join(tmp.path, 'lpips-export');
    await mkdir(work);
    await writeFile(join(work, 'export_lpips.py'), snippet!);
    const pyEnv = { ...process.env, PYTHONPATH: join(repoRoot, 'test', 'fixtures', 'pytorch', 'lpips_stand_in') };
    const exported = spawnSync(SYSTEM_PYTHON, ['export_lpips.py'], {
      cwd: work,
      env: pyEnv,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(exported.status, exported.stderr).toBe(0);
    const out2 = join(tmp.path, 'lpips-out');
    const r = infer('--output-dir', out2, '--metric-model', join(work, 'lpips_alex.onnx'));
    expect(r.status, r.stderr).toBe(0);
    const section = (await json<MetricsFile>(join(out2, 'blur', 'metrics.json'))).metric_models.lpips!;
    expect(section).toMatchObject({ name: 'lpips', better: 'lower', input_range: [-1, 1] });
    expect(section.definition).toMatch(/^LPIPS v0\.1, AlexNet/);
    expect(section.frames).toHaveLength(FRAMES.length);
    // The first frame's score against torch's on the same pixels: same layout, channel order, range.
    const f = section.frames[0]!;
    const rawOf = async (path: string, name: string): Promise<string> => {
      const file = join(work, name);
      await writeFile(file, await samples(path));
      return file;
    };
    const ref = spawnSync(
      SYSTEM_PYTHON,
      [
        join(repoRoot, 'test', 'fixtures', 'pytorch', 'lpips_reference.py'),
        await rawOf(join(out2, 'blur', f.frame), 'a.rgb'),
        await rawOf(join(gt, f.input), 'b.rgb'),
        '64',
        '48',
      ],
      { env: pyEnv, encoding: 'utf8', timeout: 60_000 },
    );
    expect(ref.status, ref.stderr).toBe(0);
    const torchScore = Number(ref.stdout.trim());
    expect(torchScore).toBeGreaterThan(0.01);
    expect(Math.abs(f.score - torchScore)).toBeLessThan(1e-4 * torchScore + 2e-6);
  });

  it('refuses a restoration model as a metric model, saying why, and metric models without --gt-dir', async () => {
    const r = infer('--output-dir', join(tmp.path, 'bad'), '--metric-model', join(models, 'blur.onnx'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/metric model .*blur\.onnx: a metric model takes two images/);
    const noGt = spawnSync(
      process.execPath,
      [
        bin,
        'infer',
        '--models-dir',
        models,
        '--input-dir',
        frames,
        '--output-dir',
        join(tmp.path, 'x'),
        '--metric-model',
        mad,
      ],
      { env, encoding: 'utf8', timeout: 60_000 },
    );
    expect(noGt.status).not.toBe(0);
    expect(noGt.stderr).toContain('--gt-dir');
  });
});
