import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportModelsResult } from '../../src/shared/jobs';
import { SYSTEM_PYTHON } from '../fixtures/exporter';
import { writeTorchStore, type TorchStore } from '../fixtures/torch-store';
import { repoRoot, tempDir } from '../helpers';

/** `loupe export`: the conversion alone, as a user runs it on a GPU box or in CI. */
const bin = join(repoRoot, 'bin', 'loupe.js');

describe('loupe export', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let fx: TorchStore;
  let env: NodeJS.ProcessEnv;
  const loupe = (...args: string[]) =>
    spawnSync(process.execPath, [bin, 'export', ...args], { encoding: 'utf8', env, timeout: 300_000 });

  beforeAll(async () => {
    tmp = await tempDir();
    fx = writeTorchStore(tmp.path);
    env = { ...process.env, LOUPE_DATA_DIR: join(tmp.path, 'data') };
    delete env.LOUPE_PYTHON;
  });
  afterAll(() => tmp.cleanup());

  it('says which Python it would use', () => {
    const r = loupe('--check', '--python', SYSTEM_PYTHON);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\/usr\/bin\/python3 \(Python 3\.\d+\.\d+\): torch \d/);
    const bad = loupe('--check', '--python', '/bin/false');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/\/bin\/false did not run Loupe's exporter as Python/);
  });

  it('exports a checkpoint with the user’s factory into a folder, with its model.json and export record', async () => {
    const ckpt = join(fx.store, fx.experimentId, md5('unet-ckpt'), 'artifacts', 'checkpoints', 'best_model.pth');
    const out = join(tmp.path, 'onnx');
    const r = loupe(
      '--checkpoint',
      ckpt,
      '--model-factory',
      fx.factory,
      '--python-path',
      fx.factoryDir,
      '--python',
      SYSTEM_PYTHON,
      '--output-dir',
      out,
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as ExportModelsResult;
    expect(result.models).toEqual([
      expect.objectContaining({ name: 'best_model', status: 'success', onnx: join(out, 'best_model', 'model.onnx') }),
    ]);
    expect((await readdir(join(out, 'best_model'))).sort()).toEqual(['export.json', 'model.json', 'model.onnx']);
    const manifest = JSON.parse(await readFile(join(out, 'best_model', 'model.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest).toMatchObject({
      task: 'restoration',
      input: { padMultiple: 4, padMode: 'reflect', range: [0, 1] },
      provenance: { model_factory: fx.factory, source_kind: 'checkpoint', parity_frame: 'the Loupe test card' },
    });
    expect(r.stderr).toMatch(
      /best_model: exported in [\d.]+ s with torch .*max \|torch − ONNX\| \d\.\d\de-\d+ on the Loupe test card/,
    );
  });

  it('exports an experiment’s runs, once: the next time they come from the cache', () => {
    const args = ['--mlflow-uri', fx.store, '--experiment-name', fx.experiment, '--python', SYSTEM_PYTHON];
    const first = loupe(...args, '--run-id', md5('unet-pth'), '--run-id', md5('fft-net'));
    expect(first.status).toBe(1); // fft-net cannot be exported
    expect(first.stdout).toMatch(/unet-pth: exported in/);
    expect(first.stdout).toMatch(
      /fft-net: export_failed: export: UnsupportedOperatorError: Exporting the operator 'aten::fft_rfft2'/,
    );
    const again = loupe(...args, '--run-id', md5('unet-pth'));
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/unet-pth: from the cache \(no Python started\)/);
  });
});

function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}
