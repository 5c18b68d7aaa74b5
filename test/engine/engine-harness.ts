import { join } from 'node:path';
import type { EngineConfig } from '../../src/shared/engine-protocol';
import type { EngineEvent } from '../../src/shared/events';
import { EngineClient } from '../../src/host/engine-client';
import { createHost, type Host } from '../../src/host/host';
import { nodeEngineSpawner } from '../../src/host/node-spawn';
import { writeFixtureModels, type FixtureModels } from '../fixtures/onnx-models';
import { builtEngine, repoRoot, tempDir } from '../helpers';

export interface Harness {
  engine: EngineClient;
  events: { at: number; event: EngineEvent }[];
  models: FixtureModels;
  root: string;
  config: EngineConfig;
  close: () => Promise<void>;
}

/** A real engine child process on the built bundle, with fixture models and temp state. */
export async function startHarness(overrides: Partial<EngineConfig> = {}): Promise<Harness> {
  const tmp = await tempDir();
  const models = await writeFixtureModels(join(tmp.path, 'models'));
  const config: EngineConfig = {
    device: 'auto',
    threads: 1,
    bundledModelsDir: null,
    modelDirs: [models.dir],
    stateDir: join(tmp.path, 'state'),
    cacheDir: join(tmp.path, 'cache'),
    namingPattern: '^(?<imageKey>(?<watchId>[A-Za-z0-9-]+_(?<templateModel>[A-Za-z0-9-]+)_\\d+)_\\d+)(?:_.*)?$',
    thumbnailSize: 128,
    exporterScript: join(repoRoot, 'resources', 'python', 'loupe_export.py'),
    python: {},
    ...overrides,
  };
  const engine = new EngineClient({ spawn: nodeEngineSpawner(builtEngine, { silent: true }), config: () => config });
  const events: Harness['events'] = [];
  engine.subscribe((event) => events.push({ at: Date.now(), event }));
  await engine.start();
  return {
    engine,
    events,
    models,
    root: tmp.path,
    config,
    close: async () => {
      await engine.stop();
      await tmp.cleanup();
    },
  };
}

export async function ok<T>(
  p: Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>,
): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** A web-kind host over a real engine child, its data and cache in `root` (tests of the verbs). */
export function startTestHost(root: string, options: { extraModelDirs?: string[] } = {}): Promise<Host> {
  return createHost({
    kind: 'web',
    name: 'Loupe',
    version: 'test',
    paths: { dataDir: join(root, 'data'), cacheDir: join(root, 'cache'), resourcesDir: join(repoRoot, 'resources') },
    spawn: nodeEngineSpawner(builtEngine, { silent: true }),
    ...(options.extraModelDirs ? { extraModelDirs: options.extraModelDirs } : {}),
  });
}
