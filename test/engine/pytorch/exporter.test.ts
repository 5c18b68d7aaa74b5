import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORTER_VERSION } from '../../../src/shared/pytorch';
import { testCard } from '../../../src/core/image/test-card';
import { ModelFailure, type TorchSource } from '../../../src/engine/pytorch/exporter';
import { PythonProbe } from '../../../src/engine/pytorch/python';
import { ArtifactHasher, hashArtifact, sniffTorchFile } from '../../../src/engine/pytorch/sniff';
import { EXPORTER_SCRIPT, SYSTEM_PYTHON, testExporter } from '../../fixtures/exporter';
import { tempDir } from '../../helpers';

/** The exporter with Debian's python3-torch: what it proves, refuses and keeps. */
describe('TorchExporter', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let code: string;

  const torch = (script: string): void => {
    const r = spawnSync(SYSTEM_PYTHON, ['-c', script], {
      encoding: 'utf8',
      cwd: code,
      env: { ...process.env, PYTHONPATH: code },
    });
    if (r.status !== 0) throw new Error(r.stderr);
  };
  const source = (path: string, kind: TorchSource['kind'], name: string): TorchSource => ({
    kind,
    path,
    flavor: null,
    name,
    runId: null,
    artifactPath: null,
    params: {},
    architecture: null,
    padMultiple: null,
  });
  /** Dark on the left, bright on the right: the crop the export traces on is darker than the frame. */
  const halves = async () => {
    const width = 320;
    const height = 64;
    const data = new Float32Array(3 * width * height);
    for (let i = 0; i < data.length; i++) data[i] = i % width < 150 ? 0.05 : 0.95;
    return { data, width, height, frame: 'halves.png' };
  };

  beforeAll(async () => {
    tmp = await tempDir();
    code = join(tmp.path, 'code');
    await mkdir(code);
    // A model whose forward branches on the data: tracing bakes in the branch its example took.
    await writeFile(
      join(code, 'branchy.py'),
      [
        'import torch',
        'class Branchy(torch.nn.Module):',
        '    def forward(self, x):',
        '        return x * 0.5 if float(x.mean()) < 0.5 else x * 0.9',
        'class Slow(torch.nn.Module):',
        '    def forward(self, x):',
        '        import time; time.sleep(30); return x',
        'class Shift(torch.nn.Module):',
        '    def forward(self, x):',
        '        return x - 0.1',
        '',
      ].join('\n'),
    );
    torch(
      `import torch, branchy; torch.save(branchy.Branchy(), 'branchy.pth'); torch.save(branchy.Slow(), 'slow.pth')`,
    );
    torch(
      `import torch, branchy\ntorch.jit.script(branchy.Shift()).save('scripted.pt')\ntorch.save({'state_dict': {'w': torch.zeros(2)}}, 'ckpt.pth')\ntorch.save({'w': torch.zeros(2)}, 'legacy.pth', _use_new_zipfile_serialization=False)`,
    );
  });
  afterAll(() => tmp.cleanup());

  it('speaks the same version as the script it runs', async () => {
    const script = await readFile(EXPORTER_SCRIPT, 'utf8');
    expect(script).toMatch(new RegExp(`^EXPORTER_VERSION = ${EXPORTER_VERSION}$`, 'm'));
  });

  it('tells what a PyTorch file is without unpickling it', async () => {
    expect(await sniffTorchFile(join(code, 'scripted.pt'))).toBe('torchscript');
    expect(await sniffTorchFile(join(code, 'ckpt.pth'))).toBe('checkpoint');
    expect(await sniffTorchFile(join(code, 'branchy.pth'))).toBe('pickled-model');
    expect(await sniffTorchFile(join(code, 'legacy.pth'))).toBe('torch-file');
  });

  it('hashes an artifact once while its files are unchanged, again when they change', async () => {
    const file = join(tmp.path, 'weights.pth');
    await writeFile(file, 'a'.repeat(1000));
    const hasher = new ArtifactHasher(() => join(tmp.path, 'hash-index', 'hashes.json'));
    const first = await hasher.hash(file);
    expect(first).toBe(await hashArtifact(file));
    // A new hasher reads the index from disk: the same stamp gives the remembered hash.
    const index = JSON.parse(await readFile(join(tmp.path, 'hash-index', 'hashes.json'), 'utf8')) as Record<
      string,
      { sha256: string }
    >;
    expect(index[file]?.sha256).toBe(first);
    expect(await new ArtifactHasher(() => join(tmp.path, 'hash-index', 'hashes.json')).hash(file)).toBe(first);
    await writeFile(file, 'b'.repeat(1001));
    expect(await hasher.hash(file)).not.toBe(first);
    expect(await hasher.hash(code)).toBe(await hashArtifact(code)); // a folder: its files' paths and contents
  });

  it('finds the Python and says precisely why one will not do', async () => {
    const probe = new PythonProbe(EXPORTER_SCRIPT);
    expect(await probe.check({ executable: SYSTEM_PYTHON, origin: 'option' })).toMatchObject({
      ok: true,
      torch: expect.stringMatching(/^\d/),
      resolved: expect.stringMatching(/python/),
      error: null,
    });
    expect(await probe.check({ executable: join(tmp.path, 'nope'), origin: 'settings' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/no Python at .*nope: not found; set --python, LOUPE_PYTHON or Settings → Python/),
    });
    expect(await probe.check({ executable: '/bin/false', origin: 'option' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/\/bin\/false did not run Loupe's exporter as Python \(exit 1\)/),
    });
  });

  it('refuses an export whose ONNX differs from torch on the check frame, with the number', async () => {
    const exporter = testExporter(join(tmp.path, 'cache'), { python: SYSTEM_PYTHON, pythonPath: [code] });
    const failure = await exporter
      .ensure(source(join(code, 'branchy.pth'), 'pickled-model', 'branchy'), undefined, halves)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ModelFailure);
    expect((failure as ModelFailure).status).toBe('export_failed');
    expect((failure as ModelFailure).message).toMatch(
      /the ONNX export differs from torch by \d\.\d\de-\d+ \(max \|Δ\| on halves\.png, limit 0\.001\); not run/,
    );
    // Nothing half-made is kept: a later batch tries again.
    expect(await exporter.cached(source(join(code, 'branchy.pth'), 'pickled-model', 'branchy'))).toBeNull();
  });

  it('stops an export that runs past its time limit, and says which setting raises it', async () => {
    const exporter = testExporter(join(tmp.path, 'cache'), {
      python: SYSTEM_PYTHON,
      pythonPath: [code],
      timeoutSec: 3,
    });
    const started = Date.now();
    const failure = (await exporter
      .ensure(source(join(code, 'slow.pth'), 'pickled-model', 'slow'), undefined, halves)
      .catch((e: unknown) => e)) as ModelFailure;
    expect(failure.status).toBe('export_failed');
    expect(failure.message).toMatch(/did not finish within 3 s and was stopped \(raise --export-timeout/);
    expect(Date.now() - started).toBeLessThan(25_000);
  });

  it('a bare state dict needs the factory; a TorchScript file exports and is then served from the cache', async () => {
    const cache = join(tmp.path, 'cache2');
    const exporter = testExporter(cache, { python: SYSTEM_PYTHON });
    const ckpt = await exporter
      .ensure(source(join(code, 'ckpt.pth'), 'checkpoint', 'ckpt'), undefined, halves)
      .catch((e: unknown) => e as ModelFailure);
    expect(ckpt).toMatchObject({
      status: 'unsupported_format',
      message: expect.stringMatching(/needs a model factory.*--model-factory/),
    });

    const card = async () => ({ data: testCard(80, 60), width: 80, height: 60, frame: 'card' });
    const first = await exporter.ensure(source(join(code, 'scripted.pt'), 'torchscript', 'scripted'), undefined, card);
    expect(first).toMatchObject({
      cached: false,
      record: { cached: false, pad_multiple: 1, loaded_with: 'torch.jit.load' },
    });
    expect(first.record.parity.max_abs_diff).toBeLessThan(1e-6);
    const manifest = JSON.parse(await readFile(join(first.onnxPath, '..', 'model.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest).toMatchObject({
      task: 'restoration',
      input: { padMultiple: 1, range: [0, 1] },
      output: { layout: 'image' },
    });
    // A Python that cannot run is not even asked: the export is in the cache.
    const offline = testExporter(cache, { python: '/bin/false' });
    const again = await offline.ensure(source(join(code, 'scripted.pt'), 'torchscript', 'scripted'), undefined, card);
    expect(again).toMatchObject({ cached: true, onnxPath: first.onnxPath, record: { cached: true } });
  });
});
