import { z } from 'zod';
import { unwrap } from '../../core/result';
import { verb, type NamespaceVerbs } from '../verb';
import { fromEngine, type HandlerDeps } from './common';

/** `settings:*`: read them, and patch them (the engine is reconfigured to match). */
export function settingsVerbs(
  deps: Pick<HandlerDeps, 'engine' | 'settings' | 'engineConfig'>,
): NamespaceVerbs<'settings'> {
  return {
    'settings:get': verb(z.tuple([]), () => deps.settings.get()),
    // A patch is checked field by field against the settings' own rules (core/settings).
    'settings:update': verb(z.tuple([z.unknown()]), async (patch) => {
      const next = unwrap(await deps.settings.update(patch));
      await fromEngine(deps.engine.request('engine.configure', deps.engineConfig(next)));
      return next;
    }),
  };
}
