import { z } from 'zod';
import { verb, type NamespaceVerbs } from '../verb';
import { absolutePath, fromEngine, type HandlerDeps } from './common';

/** `images:*`: a decoded view of an image inside an opened folder (preview, full, proxy, thumbnail). */
export function imagesVerbs(deps: Pick<HandlerDeps, 'engine' | 'grants'>): NamespaceVerbs<'images'> {
  return {
    'images:view': verb(
      z.tuple([
        absolutePath('an absolute image path is required'),
        z.enum(['preview', 'full', 'proxy', 'thumbnail'], {
          error: 'the variant is one of preview, full, proxy, thumbnail',
        }),
      ]),
      async (path, variant) => {
        const resolved = await deps.grants.require(path, { kind: 'file' });
        return fromEngine(deps.engine.request('images.view', { path: resolved, variant }));
      },
    ),
  };
}
