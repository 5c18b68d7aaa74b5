import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { AppApi } from '../../src/shared/ipc';
import { buildInvokeApi } from '../../src/core/contract/invoke-api';
import { invokeHandler } from '../../src/host/verb';
import { createHost, type Host } from '../../src/host/host';
import { nodeEngineSpawner } from '../../src/host/node-spawn';
import { builtEngine, repoRoot, tempDir } from '../helpers';

/**
 * The renderer's AppApi bound in-process to a real host (real engine process, settings file,
 * folder grants): what the store tests drive, with no HTTP or Electron in between.
 */
export async function hostApi(dir: string): Promise<{ api: AppApi; host: Host }> {
  const host = await createHost({
    kind: 'web',
    name: 'Loupe',
    version: 'test',
    paths: { dataDir: join(dir, 'data'), cacheDir: join(dir, 'cache'), resourcesDir: join(repoRoot, 'resources') },
    spawn: nodeEngineSpawner(builtEngine, { silent: true }),
  });
  const invoke = buildInvokeApi((channel, args) => invokeHandler(host.handlers, channel, args));
  const api: AppApi = {
    ...invoke,
    host: { kind: 'web', capabilities: { nativeDialogs: false, droppedFilePaths: false } },
    events: { subscribe: (listener) => host.engine.subscribe(listener) },
    images: { ...invoke.images, url: (path) => `file://${path}` },
    files: { pathForFile: () => null },
  };
  return { api, host };
}

/**
 * {@link hostApi} for a whole suite: a temp dir and a host started before its tests and stopped
 * after them. Read `api`, `host` and `dir` inside the tests (they are set once the suite starts).
 */
export function hostApiForSuite(): { readonly api: AppApi; readonly host: Host; readonly dir: string } {
  let state: { api: AppApi; host: Host; tmp: { path: string; cleanup: () => Promise<void> } } | null = null;
  beforeAll(async () => {
    const tmp = await tempDir();
    state = { ...(await hostApi(tmp.path)), tmp };
  });
  afterAll(async () => {
    await state?.host.stop();
    await state?.tmp.cleanup();
  });
  const started = () => {
    if (!state) throw new Error('hostApiForSuite: read api/host/dir inside a test or a hook');
    return state;
  };
  return {
    get api() {
      return started().api;
    },
    get host() {
      return started().host;
    },
    get dir() {
      return started().tmp.path;
    },
  };
}
