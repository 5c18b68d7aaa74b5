import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MlflowFileStore } from '../../src/engine/mlflow/file-store';
import { repoRoot } from '../helpers';

const root = join(repoRoot, 'resources', 'samples', 'mlruns');

/** The MLflow store Loupe ships as a sample (training/make_mlruns.py), read by Loupe's own reader. */
describe('sample MLflow store (resources/samples/mlruns)', () => {
  const store = new MlflowFileStore(root);

  it('has the restoration experiment with one run per bundled model, one failed and one without its model', async () => {
    const exp = await store.experimentByName('loupe-restoration');
    expect(exp).not.toBeNull();
    const runs = await store.runs(exp!.experimentId);
    const byName = Object.fromEntries(runs.map((r) => [r.runName, r]));
    expect(Object.keys(byName).sort()).toEqual([
      'restore-dncnn-c32d8',
      'restore-dncnn-short',
      'restore-nafnet-lr5e-2',
      'restore-nafnet-w16',
      'restore-unet-c16',
    ]);
    expect(runs.map((r) => r.status).sort()).toEqual(['FAILED', 'FINISHED', 'FINISHED', 'FINISHED', 'FINISHED']);
    expect(byName['restore-nafnet-lr5e-2']?.status).toBe('FAILED');
    // Newest first, each with a start before its end.
    const starts = runs.map((r) => r.startTime ?? 0);
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    for (const r of runs) expect(r.endTime ?? 0).toBeGreaterThan(r.startTime ?? Infinity);
    expect((await store.runs(exp!.experimentId, { status: 'FAILED' })).map((r) => r.runName)).toEqual([
      'restore-nafnet-lr5e-2',
    ]);
  });

  it('holds the training params and per-epoch train/val loss and val PSNR of each run', async () => {
    const exp = (await store.experimentByName('loupe-restoration'))!;
    for (const r of await store.runs(exp.experimentId)) {
      expect(r.params).toMatchObject({ loss: 'l1', lr_schedule: 'cosine' });
      expect(['dncnn', 'unet', 'nafnet']).toContain(r.params.architecture);
      expect(Number(r.params.epochs)).toBeGreaterThan(0);
      expect(r.tags['mlflow.runName']).toBe(r.runName);
      const psnr = await store.metricHistory(r, 'val_psnr');
      const train = await store.metricHistory(r, 'train_loss');
      const val = await store.metricHistory(r, 'val_loss');
      expect(psnr.length).toBeGreaterThan(0);
      expect(train.map((p) => p.step)).toEqual(psnr.map((p) => p.step));
      expect(val.map((p) => p.step)).toEqual(psnr.map((p) => p.step));
      expect(r.metrics.val_psnr).toEqual(psnr.at(-1));
      if (r.status === 'FINISHED') {
        // A finished run logged every epoch it was asked for.
        expect(psnr.map((p) => p.step)).toEqual(Array.from({ length: Number(r.params.epochs) }, (_, i) => i + 1));
        expect(psnr.at(-1)!.value).toBeGreaterThan(20);
      }
    }
  });

  it('finds each finished run’s ONNX model, the same bytes as the bundled model; says why for the others', async () => {
    const exp = (await store.experimentByName('loupe-restoration'))!;
    const byName = Object.fromEntries((await store.runs(exp.experimentId)).map((r) => [r.runName, r]));
    for (const [run, id] of [
      ['restore-dncnn-c32d8', 'loupe-restore-dncnn'],
      ['restore-unet-c16', 'loupe-restore-unet'],
      ['restore-nafnet-w16', 'loupe-restore-nafnet'],
    ] as const) {
      const r = byName[run]!;
      const a = await store.modelArtifact(r);
      expect(a).toEqual({
        ok: true,
        kind: 'onnx',
        path: join(root, exp.experimentId, r.runId, 'artifacts', 'model', 'model.onnx'),
        mlmodel: join(root, exp.experimentId, r.runId, 'artifacts', 'model', 'MLmodel'),
        source: 'run-artifacts',
        artifactPath: 'model/model.onnx',
        flavor: null,
        others: [],
      });
      if (!a.ok) continue;
      const [artifact, shipped] = await Promise.all([
        readFile(a.path),
        readFile(join(repoRoot, 'resources', 'models', id, 'model.onnx')),
      ]);
      expect(artifact.equals(shipped)).toBe(true);
      expect(await readFile(a.mlmodel!, 'utf8')).toMatch(/flavors:\n {2}onnx:/);
    }
    const missing = await store.modelArtifact(byName['restore-dncnn-short']!);
    expect(missing).toEqual({
      ok: false,
      status: 'download_failed',
      reason: expect.stringMatching(/model\.onnx, which is missing/),
    });
    const failed = await store.modelArtifact(byName['restore-nafnet-lr5e-2']!);
    expect(failed.ok).toBe(false);
    expect((await stat(join(root, exp.experimentId, byName['restore-nafnet-lr5e-2']!.runId))).isDirectory()).toBe(true);
  });
});
