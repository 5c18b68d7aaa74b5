import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRunSummary } from '../../../src/shared/jobs';
import { MlflowFileStore } from '../../../src/engine/mlflow/file-store';
import { writeMlruns } from '../../fixtures/mlruns';
import { textureSvg } from '../../fixtures/texture';
import { repoRoot, tempDir } from '../../helpers';

/** A run folder whose meta.yaml cannot be read is listed with the reason, never left out. */
describe('MLflow file store: a run with a malformed meta.yaml', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let root: string;
  beforeAll(async () => {
    tmp = await tempDir();
    root = join(tmp.path, 'mlruns');
    await writeMlruns(root);
    const bad = join(root, '412', 'bad1');
    await mkdir(join(bad, 'params'), { recursive: true });
    await writeFile(join(bad, 'meta.yaml'), 'run_id: bad1\nstatus: [3\nstart_time: 1700000900000\n');
    await writeFile(join(bad, 'params', 'architecture'), 'unet');
  });
  afterAll(() => tmp.cleanup());

  it('lists the run, status unknown, with the problem, whatever the status filter', async () => {
    const store = new MlflowFileStore(root);
    const all = await store.runs('412');
    const bad = all.find((r) => r.runId === 'bad1');
    expect(bad).toMatchObject({
      runId: 'bad1',
      runName: 'bad1',
      status: 'UNKNOWN',
      lifecycleStage: 'unknown',
      params: { architecture: 'unet' },
      problem: expect.stringMatching(/meta\.yaml is malformed/),
    });
    // It cannot be said not to be FINISHED: listed under the filter too, so it is seen.
    expect((await store.runs('412', { status: 'FINISHED' })).map((r) => r.runId)).toContain('bad1');
    expect(await store.modelArtifact(bad!)).toEqual({
      ok: false,
      status: 'skipped',
      reason: expect.stringMatching(/^the run's meta\.yaml is malformed/),
    });
  });

  it('is skipped with the reason in a batch, and the other runs run', async () => {
    const frames = join(tmp.path, 'frames');
    await mkdir(frames);
    await sharp(Buffer.from(textureSvg(32, 24, 3)))
      .removeAlpha()
      .png()
      .toFile(join(frames, 'f.png'));
    const out = join(tmp.path, 'out');
    const r = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'bin', 'loupe.js'),
        'infer',
        '--mlflow-uri',
        root,
        '--experiment-name',
        'restoration',
        '--input-dir',
        frames,
        '--output-dir',
        out,
        '--json',
      ],
      { env: { ...process.env, LOUPE_DATA_DIR: join(tmp.path, 'data') }, encoding: 'utf8', timeout: 240_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const models = (JSON.parse(r.stdout) as { models: ModelRunSummary[] }).models;
    expect(models.find((m) => m.run_id === 'bad1')).toMatchObject({
      status: 'skipped',
      error: expect.stringMatching(/meta\.yaml is malformed/),
    });
    expect(models.find((m) => m.run_id === 'a1')).toMatchObject({ status: 'success' });
  });
});
