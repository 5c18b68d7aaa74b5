import { z } from 'zod';
import { DEFAULT_STALE_AFTER_MS } from '../../core/shard/status';
import { readClusterStatus } from '../../engine/fs/shards';
import { verb, type NamespaceVerbs } from '../verb';
import { folderPath, requireGranted, type HandlerDeps } from './common';

const options = z
  .object({
    staleAfterMs: z
      .number({ error: 'staleAfterMs must be a number of milliseconds' })
      .int()
      .positive({ error: 'staleAfterMs must be positive' })
      .optional(),
  })
  .nullish();

/**
 * `cluster:*`: a cluster run seen from the app, read only. The output folder must have been
 * opened (granted) by the user; its shard manifests are read, never written.
 */
export function clusterVerbs(deps: Pick<HandlerDeps, 'grants' | 'now'>): NamespaceVerbs<'cluster'> {
  return {
    'cluster:status': verb(z.tuple([folderPath, options]), async (outputDir, opts) => {
      const folder = await requireGranted(deps.grants, outputDir);
      return readClusterStatus(folder, {
        now: deps.now().getTime(),
        staleAfterMs: opts?.staleAfterMs ?? DEFAULT_STALE_AFTER_MS,
      });
    }),
  };
}
