import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MlflowRun } from '../../src/shared/mlflow';
import { testCard } from '../../src/core/image/test-card';
import { MlflowFileStore } from '../../src/engine/mlflow/file-store';
import { listMlflowRuns } from '../../src/engine/mlflow/listing';
import { MlflowServerClient } from '../../src/engine/mlflow/server-client';
import { hashArtifact } from '../../src/engine/pytorch/sniff';
import { SYSTEM_PYTHON, testExporter } from '../fixtures/exporter';
import { startMlflowServer, type TestServer } from '../fixtures/mlflow-server';
import { writeTorchStore, type TorchStore } from '../fixtures/torch-store';
import { tempDir } from '../helpers';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/**
 * PyTorch runs as MLflow writes them (test/fixtures/pytorch/make_torch_store.py), read by Loupe
 * from the file store and through the tracking server's REST API.
 */
describe('PyTorch models in MLflow runs', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let fx: TorchStore;
  let store: MlflowFileStore;
  let runs: Record<string, MlflowRun>;
  let server: TestServer | null = null;

  beforeAll(async () => {
    tmp = await tempDir();
    fx = writeTorchStore(tmp.path);
    store = new MlflowFileStore(fx.store);
    runs = Object.fromEntries((await store.runs(fx.experimentId)).map((r) => [r.runName, r]));
  });
  afterEach(async () => {
    await server?.close();
    server = null;
  });
  afterAll(() => tmp.cleanup());

  it('says what each run of a file store holds, and what the batch would run', async () => {
    expect(await store.modelArtifact(runs['unet-pth']!)).toMatchObject({
      ok: true,
      kind: 'mlflow-pytorch',
      path: join(fx.store, fx.experimentId, md5('unet-pth'), 'artifacts', 'model'),
      artifactPath: 'model',
      flavor: { modelData: 'data', code: 'code', pickleModule: 'mlflow.pytorch.pickle_module' },
      source: 'run-artifacts',
    });
    expect(await store.modelArtifact(runs['dncnn-mlflow3']!)).toMatchObject({
      ok: true,
      kind: 'mlflow-pytorch',
      source: 'logged-model',
      path: expect.stringMatching(/\/models\/m-[0-9a-f]+\/artifacts$/),
    });
    expect(await store.modelArtifact(runs['dncnn-scripted']!)).toMatchObject({
      ok: true,
      kind: 'torchscript',
      artifactPath: 'weights/model_scripted.pt',
    });
    // Both checkpoints are found; the best one runs.
    expect(await store.modelArtifact(runs['unet-ckpt']!)).toMatchObject({
      ok: true,
      kind: 'checkpoint',
      artifactPath: 'checkpoints/best_model.pth',
      others: ['PyTorch checkpoint (checkpoints/epoch_3.pth)'],
    });
    expect(await store.modelArtifact(runs.sweep!, 2)).toEqual({
      ok: false,
      status: 'skipped',
      reason: 'a parent run of 2 nested runs, with no model of its own',
    });
  });

  it('lists the runs with what will happen to each: export, cached ONNX, or why it cannot run', async () => {
    const exporter = testExporter(join(tmp.path, 'cache'), { python: SYSTEM_PYTHON });
    const list = async () =>
      Object.fromEntries(
        (
          await listMlflowRuns(
            { uri: fx.store, experiment: fx.experiment, status: null },
            () => {
              throw new Error('no server');
            },
            exporter,
          )
        ).runs.map((r) => [r.runName, r.model]),
      );
    const before = await list();
    expect(before['unet-pth']).toMatchObject({
      ok: true,
      kind: 'mlflow-pytorch',
      what: 'PyTorch (MLflow pytorch flavor, torch 1.13.0a0, model)',
      plan: { action: 'export', python: SYSTEM_PYTHON, torch: expect.stringMatching(/^1\./) },
    });
    expect(before['unet-ckpt']).toMatchObject({
      ok: false,
      status: 'unsupported_format',
      plan: { action: 'cannot', reason: expect.stringMatching(/needs a model factory/) },
    });
    expect(before.sweep).toMatchObject({ ok: false, status: 'skipped', kind: null });

    const artifact = await store.modelArtifact(runs['dncnn-scripted']!);
    if (!artifact.ok || artifact.kind === 'onnx') throw new Error('expected a TorchScript model');
    await exporter.ensure(
      {
        kind: artifact.kind,
        path: artifact.path,
        flavor: null,
        name: 'dncnn-scripted',
        runId: runs['dncnn-scripted']!.runId,
        artifactPath: artifact.artifactPath,
        params: runs['dncnn-scripted']!.params,
        architecture: 'dncnn',
        padMultiple: 1,
      },
      undefined,
      async () => ({ data: testCard(64, 48), width: 64, height: 48, frame: 'card' }),
    );
    expect((await list())['dncnn-scripted']).toMatchObject({
      ok: true,
      plan: { action: 'cached', parity: expect.any(Number), onnx: expect.stringMatching(/model\.onnx$/) },
    });
  });

  it('finds the same models through a tracking server, and downloads a model folder whole, once', async () => {
    server = await startMlflowServer(fx.store);
    const cacheDir = join(tmp.path, 'downloads');
    const client = new MlflowServerClient({ uri: server.url, cacheDir, sleep: async () => undefined });
    const byName = Object.fromEntries(
      (await client.runs(fx.experimentId, { status: null })).map((r) => [r.runName, r]),
    );
    const kinds: Record<string, string> = {};
    for (const [name, run] of Object.entries(byName)) {
      const located = await client.runModels(run);
      kinds[name] = located.flatMap((l) => l.found.models.map((m) => `${l.source}:${m.kind}`)).join(',');
    }
    // A server's PyTorch files are not downloaded to list them: a checkpoint is a "torch-file" until opened.
    expect(kinds).toEqual({
      sweep: '',
      'unet-pth': 'run-artifacts:mlflow-pytorch',
      'dncnn-mlflow3': 'logged-model:mlflow-pytorch',
      'dncnn-scripted': 'run-artifacts:torch-file',
      'unet-ckpt': 'run-artifacts:torch-file,run-artifacts:torch-file',
      'fft-net': 'run-artifacts:mlflow-pytorch',
    });
    expect(server.hits.get('/api/2.0/mlflow/logged-models/search')).toBe(1); // once per experiment

    const logged = await client.modelArtifact(byName['dncnn-mlflow3']!);
    expect(logged).toMatchObject({ ok: true, kind: 'mlflow-pytorch', source: 'logged-model' });
    if (!logged.ok) return;
    expect((await readdir(logged.path)).sort()).toEqual([
      'MLmodel',
      'code',
      'conda.yaml',
      'data',
      'python_env.yaml',
      'requirements.txt',
    ]);
    // The downloaded folder is byte for byte the logged model: the export cache key is the same.
    const local = await store.modelArtifact(runs['dncnn-mlflow3']!);
    expect(await hashArtifact(logged.path)).toBe(await hashArtifact(local.ok ? local.path : ''));
    const downloads = [...server.hits].filter(([p]) => p.endsWith('/artifacts/files')).reduce((a, [, n]) => a + n, 0);
    expect(await client.modelArtifact(byName['dncnn-mlflow3']!)).toEqual(logged);
    const again = [...server.hits].filter(([p]) => p.endsWith('/artifacts/files')).reduce((a, [, n]) => a + n, 0);
    expect(again - downloads).toBe(1); // the MLmodel is read again; the weights are not

    const ckpt = await client.modelArtifact(byName['unet-ckpt']!);
    expect(ckpt).toMatchObject({
      ok: true,
      artifactPath: 'checkpoints/best_model.pth',
      path: expect.stringMatching(/best_model\.pth$/),
    });
  });

  it('an MLflow 2 server has no logged models: that run holds no model', async () => {
    server = await startMlflowServer(fx.store, { mlflow2: true });
    const client = new MlflowServerClient({
      uri: server.url,
      cacheDir: join(tmp.path, 'd2'),
      sleep: async () => undefined,
    });
    const run = (await client.runs(fx.experimentId, { status: null })).find((r) => r.runName === 'dncnn-mlflow3')!;
    expect(await client.modelArtifact(run)).toEqual({
      ok: false,
      status: 'skipped',
      reason: 'the run logged no model (no artifacts)',
    });
  });
});
