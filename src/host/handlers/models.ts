import { z } from 'zod';
import { verb, type NamespaceVerbs } from '../verb';
import { absolutePath, fromEngine, type HandlerDeps } from './common';

/** `models:*`: the catalog, and one model tried on one image. */
export function modelsVerbs(deps: Pick<HandlerDeps, 'engine' | 'grants'>): NamespaceVerbs<'models'> {
  return {
    'models:list': verb(
      z.tuple([
        z
          .object({
            probe: z.boolean({ error: 'probe must be true or false' }).optional(),
            dir: absolutePath('dir must be an absolute folder path').optional(),
          })
          .nullish(),
      ]),
      async (options) => {
        // A folder's models are read only from a folder the user opened.
        const dir = options?.dir ? await deps.grants.require(options.dir, { kind: 'folder' }) : undefined;
        return fromEngine(
          deps.engine.request('models.list', { probe: options?.probe === true, ...(dir ? { dir } : {}) }),
        );
      },
    ),
    'models:try': verb(
      z.tuple([
        z.string({ error: 'a model id is required' }),
        absolutePath('a model id and an absolute image path are required'),
      ]),
      async (modelId, imagePath) => {
        // The engine copies the image (and the model's output) into the granted cache: only an
        // image the user opened may be tried.
        const granted = await deps.grants.require(imagePath, { kind: 'file' });
        return fromEngine(deps.engine.request('models.try', { modelId, imagePath: granted }));
      },
    ),
  };
}
