import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRunSummary } from '../../src/shared/jobs';
import type { ExportRecord } from '../../src/shared/pytorch';
import { SYSTEM_PYTHON } from '../fixtures/exporter';
import { torchReference, writeTorchStore, type TorchStore } from '../fixtures/torch-store';
import { repoRoot, tempDir, waitFor } from '../helpers';

/**
 * `loupe infer` over a user's PyTorch runs, as MLflow lays them out (MLflow 2 pytorch flavor with
 * code/, an MLflow 3 logged model, TorchScript, a checkpoint dict with a factory, a model that
 * cannot be exported, a parent of nested runs), through the built CLI, a real engine, the real
 * exporter in Debian's python3-torch and real ONNX Runtime.
 */
const bin = join(repoRoot, 'bin', 'loupe.js');
const W = 70;
const H = 45;
const FRAMES = 3;

interface Summary {
  frames: number;
  models: ModelRunSummary[];
}

/** Run name → the tiny_restorers model it holds. */
const MODEL_OF: Record<string, string> = {
  'unet-pth': 'unet',
  'dncnn-mlflow3': 'mlflow3',
  'dncnn-scripted': 'scripted',
  'unet-ckpt': 'ckpt',
};

describe('loupe infer with PyTorch models', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let fx: TorchStore;
  let frames: string;
  let reference: (model: string, i: number) => string;
  let env: NodeJS.ProcessEnv;
  const dataDir = (): string => join(tmp.path, 'data');

  const infer = (...args: string[]) =>
    spawnSync(process.execPath, [bin, 'infer', ...args], { encoding: 'utf8', env, timeout: 300_000 });
  const base = (): string[] => ['--mlflow-uri', fx.store, '--experiment-name', fx.experiment, '--input-dir', frames];

  beforeAll(async () => {
    tmp = await tempDir();
    env = { ...process.env, LOUPE_DATA_DIR: dataDir() };
    delete env.LOUPE_PYTHON;
    fx = writeTorchStore(tmp.path);
    frames = join(tmp.path, 'frames');
    await mkdir(frames);
    const raws: { path: string; width: number; height: number }[] = [];
    let seed = 7;
    for (let i = 0; i < FRAMES; i++) {
      const px = Buffer.alloc(W * H * 3);
      for (let j = 0; j < px.length; j++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const x = (j / 3) % W;
        px[j] = Math.min(255, Math.round((x / W) * 160 + (seed % 90)));
      }
      const name = `frame_${String(i).padStart(4, '0')}.png`;
      await sharp(px, { raw: { width: W, height: H, channels: 3 } })
        .png()
        .toFile(join(frames, name));
      await writeFile(join(tmp.path, `${i}.raw`), px);
      raws.push({ path: join(tmp.path, `${i}.raw`), width: W, height: H });
    }
    reference = await torchReference(raws, Object.values(MODEL_OF), join(tmp.path, 'reference'));
  });
  afterAll(() => tmp.cleanup());

  const summaryOf = async (out: string): Promise<Record<string, ModelRunSummary>> => {
    const s = JSON.parse(await readFile(join(out, 'batch_summary.json'), 'utf8')) as Summary;
    return Object.fromEntries(s.models.map((m) => [m.run_name, m]));
  };

  it('exports every runnable run once, in the user’s Python, and says what became of each', async () => {
    const out = join(tmp.path, 'o1');
    // The Python options from a --config file, as a user keeps them beside a project.
    const config = join(tmp.path, 'infer.yaml');
    await writeFile(
      config,
      [`python: ${SYSTEM_PYTHON}`, `model_factory: ${fx.factory}`, 'python_path:', `  - ${fx.factoryDir}`, ''].join(
        '\n',
      ),
    );
    const r = infer(...base(), '--output-dir', out, '--config', config);
    expect(r.status, r.stderr).toBe(0);
    const by = await summaryOf(out);
    for (const name of Object.keys(MODEL_OF)) {
      expect(by[name], name).toMatchObject({ status: 'success', frames: FRAMES, error: null });
      expect(by[name]?.export).toMatchObject({ cached: false });
    }
    expect(by['fft-net']).toMatchObject({ status: 'export_failed' });
    expect(by['fft-net']?.error).toMatch(/fft_rfft2.*opset version 17/s);
    expect(by.sweep).toMatchObject({ status: 'skipped', error: expect.stringMatching(/parent run of 2 nested runs/) });
    expect(r.stdout).toMatch(/exporting unet-pth to ONNX with \/usr\/bin\/python3 \(torch /);

    // The export is recorded: parity on a real frame, where the model came from, how it was loaded.
    const unet = JSON.parse(await readFile(join(by['unet-pth']!.output_dir!, 'metadata.json'), 'utf8')) as {
      export: ExportRecord;
      model: { path: string };
    };
    expect(unet.export.parity).toMatchObject({ frame: 'frame_0000.png', provider: 'cpu', limit: 1e-3 });
    expect(unet.export.parity.max_abs_diff).toBeLessThan(1e-4);
    expect(unet.export).toMatchObject({
      cached: false,
      source: { kind: 'mlflow-pytorch', artifact_path: 'model' },
      pad_multiple: 4,
      pad_multiple_source: 'probed',
      opset: 17,
    });
    expect(unet.export.notes.join(' ')).toMatch(/code\/ folder/);
    const ckpt = JSON.parse(await readFile(join(by['unet-ckpt']!.output_dir!, 'metadata.json'), 'utf8')) as {
      export: ExportRecord;
    };
    expect(ckpt.export).toMatchObject({
      source: { kind: 'checkpoint', artifact_path: 'checkpoints/best_model.pth' },
      model_factory: fx.factory,
      loaded_with: 'factory + load_state_dict',
    });
    const scripted = JSON.parse(await readFile(join(by['dncnn-scripted']!.output_dir!, 'metadata.json'), 'utf8')) as {
      export: ExportRecord;
    };
    expect(scripted.export).toMatchObject({ source: { kind: 'torchscript' }, pad_multiple_source: 'run params' });
    const logged = JSON.parse(await readFile(join(by['dncnn-mlflow3']!.output_dir!, 'metadata.json'), 'utf8')) as {
      source: string;
      export: ExportRecord;
    };
    expect(logged.export.source.kind).toBe('mlflow-pytorch');

    // Loupe's outputs equal torch's own forward on the same frames, within 1/255.
    for (const [run, model] of Object.entries(MODEL_OF)) {
      const names = (await readdir(by[run]!.output_dir!)).filter((f) => f.endsWith('.png')).sort();
      expect(names, run).toHaveLength(FRAMES);
      for (let i = 0; i < FRAMES; i++) {
        const got = await sharp(join(by[run]!.output_dir!, names[i]!)).raw().toBuffer();
        const want = await readFile(reference(model, i));
        expect(got.length).toBe(want.length);
        let max = 0;
        for (let j = 0; j < got.length; j++) max = Math.max(max, Math.abs(got[j]! - want[j]!));
        expect(max, `${run} frame ${i}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('takes the exports from the cache the next time: no Python starts, and it says so', async () => {
    const out = join(tmp.path, 'o2');
    const r = infer(
      ...base(),
      '--output-dir',
      out,
      '--python',
      '/bin/false',
      '--model-factory',
      fx.factory,
      '--python-path',
      fx.factoryDir,
    );
    expect(r.status, r.stderr).toBe(0);
    const by = await summaryOf(out);
    for (const name of Object.keys(MODEL_OF)) {
      expect(by[name], name).toMatchObject({ status: 'success', frames: FRAMES, export: { cached: true } });
    }
    expect(r.stdout).toMatch(/unet-pth: the ONNX export in the cache .*; no Python started/);
    // The model that never exported needs Python, and /bin/false is not one.
    expect(by['fft-net']).toMatchObject({ status: 'unsupported_format' });
    expect(by['fft-net']?.error).toMatch(/\/bin\/false did not run Loupe's exporter as Python/);
  });

  it('without a Python that has torch, PyTorch runs are unsupported_format naming the setting to fix', async () => {
    const out = join(tmp.path, 'o3');
    const r = spawnSync(process.execPath, [bin, 'infer', ...base(), '--output-dir', out], {
      encoding: 'utf8',
      env: { ...env, LOUPE_DATA_DIR: join(tmp.path, 'data-fresh'), LOUPE_PYTHON: join(tmp.path, 'no-such-python') },
      timeout: 300_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const by = await summaryOf(out);
    for (const name of [...Object.keys(MODEL_OF), 'fft-net']) {
      expect(by[name], name).toMatchObject({ status: 'unsupported_format', frames: 0 });
      expect(by[name]?.error).toMatch(
        /no Python at .*no-such-python: not found; set --python, LOUPE_PYTHON or Settings → Python/,
      );
    }
  });

  it('a checkpoint without a model factory is unsupported_format, saying what the checkpoint holds', async () => {
    const out = join(tmp.path, 'o4');
    const r = spawnSync(
      process.execPath,
      [bin, 'infer', ...base(), '--run-id', runId('unet-ckpt'), '--output-dir', out, '--python', SYSTEM_PYTHON],
      { encoding: 'utf8', env: { ...env, LOUPE_DATA_DIR: join(tmp.path, 'data-nofactory') }, timeout: 300_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const by = await summaryOf(out);
    expect(by['unet-ckpt']).toMatchObject({ status: 'unsupported_format' });
    expect(by['unet-ckpt']?.error).toMatch(
      /best_model\.pth is a state-dict checkpoint \(architecture, epoch, model_config, model_state_dict.*--model-factory/,
    );
  });

  it('an export killed with the engine leaves no Python behind, and the batch resumes', async () => {
    const out = join(tmp.path, 'o5');
    const data = join(tmp.path, 'data-kill');
    const args = [
      bin,
      'infer',
      ...base(),
      '--run-id',
      runId('unet-ckpt'),
      '--output-dir',
      out,
      '--python',
      SYSTEM_PYTHON,
      '--model-factory',
      fx.factory,
      '--python-path',
      fx.factoryDir,
    ];
    const child = spawn(process.execPath, args, {
      env: { ...env, LOUPE_DATA_DIR: data, LOUPE_FIXTURE_FACTORY_DELAY: '60' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let said = '';
    child.stdout.on('data', (d: Buffer) => (said += d.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // The CLI says it is exporting, and the exporter runs.
    await waitFor(
      async () => /exporting unet-ckpt/.test(said) && processes('loupe_export.py export', data).length > 0,
      120_000,
      'the exporter to start',
    );
    // The CLI and its engine die at once, as in a crash or `kill -9`; the exporter is not touched.
    const engines = processes('engine.js', data);
    expect(engines).toHaveLength(1);
    child.kill('SIGKILL');
    for (const pid of engines) process.kill(pid, 'SIGKILL');
    await exited;
    // The exporter notices its engine is gone and ends (it looks at its parent every second).
    await waitFor(async () => processes('loupe_export.py export', data).length === 0, 20_000, 'the exporter to exit');
    const r = spawnSync(process.execPath, args, {
      encoding: 'utf8',
      env: { ...env, LOUPE_DATA_DIR: data },
      timeout: 300_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect((await summaryOf(out))['unet-ckpt']).toMatchObject({ status: 'success', frames: FRAMES });
    const partials = (await readdir(join(data, 'cache', 'exports'))).filter((n) => n.startsWith('.partial-'));
    expect(partials).toEqual([]);
  });
});

/** The fixture store derives run ids from names (md5), as make_torch_store.py does. */
function runId(name: string): string {
  return createHash('md5').update(name).digest('hex');
}

/** Pids of processes whose command line holds both strings. */
function processes(what: string, alsoHolding: string): number[] {
  const r = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .filter((l) => l.includes(what) && l.includes(alsoHolding) && !l.includes('ps -eo'))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}
