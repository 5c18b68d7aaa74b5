import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MlflowServerClient } from '../../src/engine/mlflow/server-client';
import { blurModel } from '../fixtures/onnx-models';
import { startMlflowServer, type TestServer } from '../fixtures/mlflow-server';
import { writeMlruns } from '../fixtures/mlruns';
import { tempDir } from '../helpers';

/** The REST client against a server that answers MLflow's documented endpoints. */
describe('MLflow tracking server client', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let store: string;
  let server: TestServer | null = null;
  beforeAll(async () => {
    tmp = await tempDir();
    store = join(tmp.path, 'mlruns');
    await writeMlruns(store);
    return () => tmp.cleanup();
  });
  afterEach(async () => {
    await server?.close();
    server = null;
  });
  const client = (over: Partial<ConstructorParameters<typeof MlflowServerClient>[0]> = {}) =>
    new MlflowServerClient({
      uri: server!.url,
      cacheDir: join(tmp.path, `cache-${Math.random()}`),
      sleep: async () => undefined,
      ...over,
    });

  it('finds the experiment and searches runs: status filter, newest first, paging', async () => {
    server = await startMlflowServer(store);
    const c = client();
    expect(await c.experimentByName('nope')).toBeNull();
    const exp = await c.experimentByName('restoration');
    expect(exp).toEqual({ experimentId: '412', name: 'restoration' });
    const finished = await c.runs('412', { status: 'FINISHED' });
    expect(finished.map((r) => r.runName)).toEqual(['lost-artifact', 'dncnn', 'unet_small', 'mlflow3']);
    const unet = finished.find((r) => r.runId === 'a1');
    expect(unet?.params).toMatchObject({ architecture: 'unet', epochs: '30' });
    expect(unet?.metrics['val/psnr']?.value).toBe(28.5);
    expect((await c.runs('412', { status: null })).map((r) => r.runId)).toEqual(['d4', 'c3', 'b2', 'a1', 'f6']);
    expect((await c.runs('412', { status: null, maxResults: 2 })).map((r) => r.runId)).toEqual(['d4', 'c3']);
    // Paging: with two runs a page, every run still arrives, in order, over three requests.
    const before = server.hits.get('/api/2.0/mlflow/runs/search') ?? 0;
    expect((await client({ pageSize: 2 }).runs('412', { status: null })).map((r) => r.runId)).toEqual([
      'd4',
      'c3',
      'b2',
      'a1',
      'f6',
    ]);
    expect((server.hits.get('/api/2.0/mlflow/runs/search') ?? 0) - before).toBe(3);
  });

  it('downloads a run’s ONNX model once, into a cache keyed by its content hash', async () => {
    server = await startMlflowServer(store);
    const cacheDir = join(tmp.path, 'cache-fixed');
    const c = client({ cacheDir });
    const run = (await c.runs('412', { status: 'FINISHED' })).find((r) => r.runId === 'a1')!;
    const first = await c.modelArtifact(run);
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(Buffer.from(await readFile(first.path)).equals(Buffer.from(blurModel()))).toBe(true);
    expect(first.path).toMatch(/cache-fixed\/[0-9a-f]{64}\/model\.onnx$/);
    const downloads = server.hits.get('/get-artifact') ?? 0;
    const again = await client({ cacheDir }).modelArtifact(run);
    expect(again).toEqual(first);
    // The MLmodel is read again; the model itself is not downloaded again.
    expect((server.hits.get('/get-artifact') ?? 0) - downloads).toBe(1);
  });

  it('says why a run has no model', async () => {
    server = await startMlflowServer(store);
    const c = client();
    const runs = await c.runs('412', { status: null });
    expect(await c.modelArtifact(runs.find((r) => r.runId === 'd4')!)).toEqual({
      ok: false,
      status: 'download_failed',
      reason: expect.stringMatching(/declares model.onnx/),
    });
    expect(await c.modelArtifact(runs.find((r) => r.runId === 'c3')!)).toEqual({
      ok: false,
      status: 'skipped',
      reason: 'run failed: no artifacts',
    });
  });

  it('downloads through the mlflow-artifacts proxy', async () => {
    server = await startMlflowServer(store, { proxiedArtifacts: true });
    const c = client();
    const run = (await c.runs('412', { status: 'FINISHED' })).find((r) => r.runId === 'b2')!;
    expect(run.artifactUri).toBe('mlflow-artifacts:/412/b2/artifacts');
    const artifact = await c.modelArtifact(run);
    expect(artifact).toMatchObject({ ok: true, mlmodel: null });
    expect(server.hits.get('/api/2.0/mlflow-artifacts/artifacts/412/b2/artifacts/weights/dncnn.onnx')).toBe(1);
  });

  it('sends the token, and fails clearly without it', async () => {
    server = await startMlflowServer(store, { token: 's3cret' });
    await expect(client().experimentByName('restoration')).rejects.toThrow(/refused the credentials/);
    expect(await client({ token: 's3cret' }).experimentByName('restoration')).not.toBeNull();
    const fromEnv = MlflowServerClient.fromEnv(server.url, join(tmp.path, 'c-env'), {
      MLFLOW_TRACKING_TOKEN: 's3cret',
    });
    expect(await fromEnv.experimentByName('restoration')).not.toBeNull();
  });

  it('retries a server that is briefly unavailable, and gives up with the reason', async () => {
    server = await startMlflowServer(store, { failFirst: 2 });
    expect(await client({ retries: 3 }).experimentByName('restoration')).not.toBeNull();
    await server.close();
    server = await startMlflowServer(store, { failFirst: 10 });
    await expect(client({ retries: 2 }).experimentByName('restoration')).rejects.toThrow(
      /after 3 attempts \(HTTP 503\)/,
    );
  });
});
