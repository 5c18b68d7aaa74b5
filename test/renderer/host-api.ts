import { join } from 'node:path';
import type { AppApi } from '../../src/shared/ipc';
import { buildInvokeApi } from '../../src/core/contract/invoke-api';
import { invokeHandler } from '../../src/host/verb';
import { createHost, type Host } from '../../src/host/host';
import { nodeEngineSpawner } from '../../src/host/node-spawn';
import { builtEngine, repoRoot } from '../helpers';

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
