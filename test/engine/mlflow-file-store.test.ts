import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowFileStore } from '../../src/engine/mlflow/file-store';
import { writeMlruns } from '../fixtures/mlruns';
import { tempDir } from '../helpers';

describe('MLflow file store reader', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let store: MlflowFileStore;
  let root: string;
  beforeAll(async () => {
    tmp = await tempDir();
    root = join(tmp.path, 'mlruns');
    await writeMlruns(root);
    store = new MlflowFileStore(pathToFileURL(root).href);
  });
  afterAll(() => tmp.cleanup());

  it('lists experiments and finds one by name', async () => {
    expect((await store.experiments()).map((e) => e.name)).toEqual(['Default', 'restoration']);
    expect(await store.experimentByName('restoration')).toMatchObject({
      experimentId: '412',
      creationTime: 1700000000000,
    });
    expect(await store.experimentByName('nope')).toBeNull();
  });

  it('reads runs newest first with statuses, params, latest metrics and tags; deleted runs left out', async () => {
    const runs = await store.runs('412');
    expect(runs.map((r) => r.runName)).toEqual(['lost-artifact', 'crashed', 'dncnn', 'unet_small', 'mlflow3']);
    const unet = runs.find((r) => r.runId === 'a1');
    expect(unet).toMatchObject({
      status: 'FINISHED',
      userId: 'trainer',
      params: { architecture: 'unet', epochs: '30', 'optim/lr': '0.001' },
    });
    expect(unet?.metrics.train_loss).toEqual({ timestamp: 3, value: 0.1, step: 2 });
    expect(unet?.metrics['val/psnr']?.value).toBe(28.5);
    expect(unet?.tags['mlflow.runName']).toBe('unet_small');
    expect(runs.find((r) => r.runId === 'c3')?.status).toBe('FAILED');
    expect((await store.runs('412', { includeDeleted: true })).map((r) => r.runId)).toContain('e5');
  });

  it('filters by status and limits results', async () => {
    expect((await store.runs('412', { status: 'FAILED' })).map((r) => r.runId)).toEqual(['c3']);
    expect((await store.runs('412', { status: 'FINISHED', maxResults: 2 })).map((r) => r.runId)).toEqual(['d4', 'b2']);
  });

  it('reads a metric history', async () => {
    const history = await store.metricHistory({ experimentId: '412', runId: 'a1' }, 'val/psnr');
    expect(history).toEqual([
      { timestamp: 1, value: 25, step: 0 },
      { timestamp: 2, value: 28.5, step: 1 },
    ]);
    await expect(store.metricHistory({ experimentId: '412', runId: 'a1' }, '../../../meta')).rejects.toThrow(
      /bad metric key/,
    );
  });

  it('finds each run’s ONNX model (moved store, MLmodel, bare file, MLflow 3 logged model) or says why not', async () => {
    const runs = Object.fromEntries((await store.runs('412')).map((r) => [r.runId, r]));
    const a1 = await store.modelArtifact(runs.a1!);
    expect(a1).toEqual({
      ok: true,
      kind: 'onnx',
      path: join(root, '412', 'a1', 'artifacts', 'model', 'model.onnx'),
      mlmodel: join(root, '412', 'a1', 'artifacts', 'model', 'MLmodel'),
      source: 'run-artifacts',
      artifactPath: 'model/model.onnx',
      flavor: null,
      others: [],
    });
    expect(await store.modelArtifact(runs.b2!)).toMatchObject({
      ok: true,
      mlmodel: null,
      path: join(root, '412', 'b2', 'artifacts', 'weights', 'dncnn.onnx'),
    });
    expect(await store.modelArtifact(runs.f6!)).toMatchObject({
      ok: true,
      source: 'logged-model',
      path: join(root, '412', 'models', 'm-0001', 'artifacts', 'model.onnx'),
    });
    const lost = await store.modelArtifact(runs.d4!);
    expect(lost).toEqual({
      ok: false,
      status: 'download_failed',
      reason: expect.stringMatching(/MLmodel declares model.onnx, which is missing/),
    });
    expect(await store.modelArtifact(runs.c3!)).toEqual({
      ok: false,
      status: 'skipped',
      reason: expect.stringMatching(/^run failed: the run has no artifacts folder/),
    });
  });
});
