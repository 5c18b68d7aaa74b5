import { z } from 'zod';
import type { AppInfo } from '../../shared/ipc';
import { verb, type NamespaceVerbs } from '../verb';
import type { HandlerDeps } from './common';

/** The place the bundled samples are offered under (see createHost). */
export const SAMPLES_LABEL = 'Loupe samples';

/** `app:*`: what the renderer knows about the host and the engine it runs on. */
export function appVerbs(deps: Pick<HandlerDeps, 'engine' | 'settings' | 'host' | 'places'>): NamespaceVerbs<'app'> {
  return {
    'app:info': verb(z.tuple([]), async (): Promise<AppInfo> => {
      const info = deps.engine.info ?? (await deps.engine.start().catch(() => null));
      return {
        name: deps.host.name,
        version: deps.host.version,
        host: deps.host.kind,
        platform: process.platform,
        arch: process.arch,
        dataDir: deps.host.dataDir,
        cacheDir: deps.host.cacheDir,
        samplesDir: deps.places?.().find((p) => p.label === SAMPLES_LABEL)?.path ?? null,
        engineState: deps.engine.state,
        engine: info,
        warnings: deps.settings.warnings(),
      };
    }),
  };
}
