import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../src/shared/models';
import { writeFixtureModels } from '../fixtures/onnx-models';
import { repoRoot, tempDir, waitFor } from '../helpers';

const bin = join(repoRoot, 'bin', 'loupe.js');

describe('loupe CLI (the built bundle, as a user runs it)', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  let modelsDir: string;
  beforeAll(async () => {
    tmp = await tempDir();
    modelsDir = join(tmp.path, 'models');
    await writeFixtureModels(modelsDir);
    env = { ...process.env, LOUPE_DATA_DIR: join(tmp.path, 'data') };
  });
  afterAll(() => tmp.cleanup());

  const run = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 60_000 });

  it('prints help and the version', () => {
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/serve\s+Serve the app/);
    expect(help.stdout).toMatch(/models\s+List bundled and user models/);
    expect(run('help', 'serve').stdout).toMatch(/--port N/);
    expect(run('--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('lists models with their inputs, outputs and the provider that runs them', () => {
    const out = run('models', '--models-dir', modelsDir);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/Device auto: providers cpu/);
    expect(out.stdout).toMatch(/fixture-blur\s+restoration · user · .* · provider cpu \(loaded in \d+ ms\)/);
    expect(out.stdout).toMatch(/input\s+input float32 \[N, 3, H, W\]/);
    expect(out.stdout).toMatch(/tiny-pose\s+pose/);
    expect(out.stdout).toMatch(/layout\s+yolo-pose \(from metadata\)/);
    expect(out.stdout).toMatch(/corrupt .*UNUSABLE/);
    expect(out.stdout).toMatch(/error\s+MODEL_LOAD_FAILED: not a valid ONNX model/);
  });

  it('names the fallback when a device is not available here', () => {
    const out = run('models', '--models-dir', modelsDir, '--device', 'coreml', '--json');
    expect(out.status).toBe(0);
    const models = JSON.parse(out.stdout) as ModelInfo[];
    const blur = models.find((m) => m.id === 'fixture-blur');
    expect(blur?.provider).toMatchObject({ requested: 'coreml', active: 'cpu' });
    expect(blur?.provider?.fallbackReason).toMatch(/CoreML needs macOS on Apple silicon/);
  });

  it('fails with usage errors (exit 2) for bad commands and options', () => {
    expect(run('bogus').status).toBe(2);
    const bad = run('models', '--device', 'tpu');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--device must be one of/);
    expect(run('models', '--frobnicate').status).toBe(2);
  });

  it('serves on 127.0.0.1 with a token and stops on SIGINT', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--models-dir', modelsDir], { env });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const url = await waitFor(() => /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(stdout)?.[1], 30_000, 'the URL');
    const origin = new URL(url).origin;
    expect((await fetch(origin + '/')).status).toBe(401);
    expect((await fetch(url)).status).toBe(200);
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    expect(await exit).toBe(0);
  });

  it('says so when settings.json cannot be used, and keeps it aside', async () => {
    const dataDir = join(tmp.path, 'data-bad-settings');
    await mkdir(dataDir);
    await writeFile(join(dataDir, 'settings.json'), '{ "threads": ');
    const r = spawnSync(process.execPath, [bin, 'models', '--no-probe', '--data-dir', dataDir], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/loupe: warning: .*settings\.json is not valid JSON.*kept at .*settings\.json\.bad-/);
    const aside = (await readdir(dataDir)).find((n) => n.startsWith('settings.json.bad-'));
    expect(await readFile(join(dataDir, aside ?? 'missing'), 'utf8')).toBe('{ "threads": ');
  });
});
