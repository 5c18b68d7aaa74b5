import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRunSummary } from '../../src/shared/jobs';
import { blurModel } from '../fixtures/onnx-models';
import { refusedUrl, startHangingServer, type TcpServer } from '../fixtures/tcp-servers';
import { textureSvg } from '../fixtures/texture';
import { repoRoot, tempDir } from '../helpers';

/**
 * `loupe infer` with a tracking server that hangs or is not there, beside a folder of models:
 * the server's source fails alone (download_failed, with the reason), the folder's models run.
 */
const bin = join(repoRoot, 'bin', 'loupe.js');

describe('loupe infer with an unreachable MLflow server', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let frames: string;
  let models: string;
  let hanging: TcpServer;
  beforeAll(async () => {
    tmp = await tempDir('loupe-infer-mlflow-down-');
    frames = join(tmp.path, 'frames');
    await mkdir(frames);
    for (let i = 0; i < 2; i++)
      await sharp(Buffer.from(textureSvg(48, 32, 9 + i)))
        .removeAlpha()
        .png()
        .toFile(join(frames, `f_${i}.png`));
    models = join(tmp.path, 'models');
    await mkdir(models);
    await writeFile(join(models, 'blur.onnx'), blurModel());
    hanging = await startHangingServer();
  });
  afterAll(async () => {
    await hanging.close();
    await tmp.cleanup();
  });

  const infer = (env: Record<string, string>, ...args: string[]) =>
    spawnSync(process.execPath, [bin, 'infer', ...args], {
      env: { ...process.env, LOUPE_DATA_DIR: join(tmp.path, 'data'), ...env },
      encoding: 'utf8',
      timeout: 240_000,
    });
  const summary = async (dir: string) =>
    (JSON.parse(await readFile(join(dir, 'batch_summary.json'), 'utf8')) as { models: ModelRunSummary[] }).models;

  it('a server that accepts and never answers fails its source alone; the --models-dir models run', async () => {
    const out = join(tmp.path, 'o-hang');
    const r = infer(
      { MLFLOW_HTTP_REQUEST_TIMEOUT: '1' },
      '--mlflow-uri',
      hanging.url,
      '--experiment-name',
      'restoration',
      '--models-dir',
      models,
      '--input-dir',
      frames,
      '--output-dir',
      out,
    );
    expect(r.status, r.stderr).toBe(0);
    const entries = await summary(out);
    expect(entries.map((m) => [m.run_name, m.status])).toEqual([
      [`restoration (${hanging.url})`, 'download_failed'],
      ['blur', 'success'],
    ]);
    expect(entries[0]?.error).toMatch(/did not answer GET .*after 1 attempt \(no answer within 1 s\)/);
  });

  it('a refused connection fails each named run with the reason; --mlflow-timeout sets the limit', async () => {
    const url = await refusedUrl();
    const out = join(tmp.path, 'o-refused');
    const r = infer(
      {},
      '--mlflow-uri',
      url,
      '--experiment-name',
      'restoration',
      '--run-id',
      'a1',
      '--run-id',
      'b2',
      '--mlflow-timeout',
      '5',
      '--models-dir',
      models,
      '--input-dir',
      frames,
      '--output-dir',
      out,
    );
    expect(r.status, r.stderr).toBe(0);
    const entries = await summary(out);
    expect(entries.map((m) => [m.run_name, m.run_id, m.status])).toEqual([
      ['a1', 'a1', 'download_failed'],
      ['b2', 'b2', 'download_failed'],
      ['blur', null, 'success'],
    ]);
    expect(entries[0]?.error).toMatch(/connection refused/);
    expect(entries[0]?.error).toMatch(/the limit is 5 s a request/);
  });
});
