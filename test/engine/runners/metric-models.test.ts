import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSnapshot, MetricModelRef } from '../../../src/shared/jobs';
import { meanAbsDiffMetricModel, perPixelMetricModel } from '../../fixtures/onnx-models';
import { textureSvg } from '../../fixtures/texture';
import { waitFor } from '../../helpers';
import { ok, startHarness, type Harness } from '../engine-harness';

/**
 * A metric model that breaks the contract fails the batch before any model runs, with a code
 * that says so (the real engine, real ONNX files; the contract's every rule is in
 * test/core/metrics/metric-model.test.ts).
 */
describe('restore-frames with a metric model that cannot be used', () => {
  let h: Harness;
  let frames: string;
  beforeAll(async () => {
    h = await startHarness();
    frames = join(h.root, 'frames');
    await mkdir(frames);
    await sharp(Buffer.from(textureSvg(32, 24, 5)))
      .removeAlpha()
      .png()
      .toFile(join(frames, 'f_000.png'));
  });
  afterAll(() => h.close());

  async function failure(ref: MetricModelRef): Promise<JobSnapshot['error']> {
    const out = join(h.root, `out-${Math.random().toString(36).slice(2)}`);
    const job = await ok(
      h.engine.request('jobs.submit', {
        kind: 'restore-frames',
        inputDir: frames,
        gtDir: frames,
        outputDir: out,
        sources: [{ type: 'models', ids: ['fixture-blur'] }],
        metricModels: [ref],
      }),
    );
    const done = await waitFor(
      async () => {
        const j = (await ok(h.engine.request('jobs.list', null))).find((x) => x.id === job.id);
        return j && j.status !== 'running' && j.status !== 'queued' ? j : undefined;
      },
      30_000,
      'the batch to stop',
    );
    expect(done.status).toBe('failed');
    expect(done.done).toBe(0);
    return done.error;
  }

  it('names the broken part: one input (a restoration model), bad metadata, a per-pixel output', async () => {
    const inputs = await failure({ path: h.models.blur });
    expect(inputs).toMatchObject({ code: 'METRIC_MODEL_INVALID', details: { problem: 'inputs' } });
    expect(inputs?.message).toContain('takes two images');
    const badMeta = join(h.root, 'bad-meta.onnx');
    await writeFile(badMeta, meanAbsDiffMetricModel({ 'loupe.metric.better': 'smaller' }));
    expect(await failure({ path: badMeta })).toMatchObject({
      code: 'METRIC_MODEL_INVALID',
      details: { problem: 'metadata' },
    });
    // An output whose dynamic shape holds a map, not one number: found by a run at load.
    const perPixel = join(h.root, 'per-pixel.onnx');
    await writeFile(perPixel, perPixelMetricModel());
    const map = await failure({ path: perPixel });
    expect(map).toMatchObject({ code: 'METRIC_MODEL_INVALID', details: { problem: 'output' } });
    expect(map?.message).toContain('[1, 3, 64, 64]');
    // Two metric models of one name are refused.
    const mad = join(h.root, 'mad.onnx');
    await writeFile(mad, meanAbsDiffMetricModel());
    const job = await ok(
      h.engine.request('jobs.submit', {
        kind: 'restore-frames',
        inputDir: frames,
        gtDir: frames,
        outputDir: join(h.root, 'out-twins'),
        sources: [{ type: 'models', ids: ['fixture-blur'] }],
        metricModels: [{ path: mad }, { path: mad }],
      }),
    );
    const twins = await waitFor(
      async () => {
        const j = (await ok(h.engine.request('jobs.list', null))).find((x) => x.id === job.id);
        return j && j.status === 'failed' ? j : undefined;
      },
      30_000,
      'the batch to fail',
    );
    expect(twins.error).toMatchObject({ code: 'METRIC_MODEL_INVALID', details: { problem: 'name' } });
  });

  it('says a file is missing or is not ONNX', async () => {
    expect(await failure({ path: join(h.root, 'nope.onnx') })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await failure({ path: h.models.corrupt })).toMatchObject({ code: 'MODEL_LOAD_FAILED' });
  });

  it('refuses metric models without ground truth when the job is submitted', async () => {
    const r = await h.engine.request('jobs.submit', {
      kind: 'restore-frames',
      inputDir: frames,
      outputDir: join(h.root, 'out-nogt'),
      sources: [{ type: 'bundled' }],
      metricModels: [{ path: h.models.blur }],
    });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('INVALID_ARGUMENT');
  });
});
