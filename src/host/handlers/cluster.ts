import { basename, dirname } from 'node:path';
import { z } from 'zod';
import { keypointDirs, LABEL_DIR_NAMES } from '../label-dirs';
import type { FolderGrants } from '../folder-grants';
import { DEFAULT_STALE_AFTER_MS } from '../../core/shard/status';
import { readClusterStatus } from '../../engine/fs/shards';
import { verb, type NamespaceVerbs } from '../verb';
import { folderPath, requireFolder, type HandlerDeps } from './common';

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
      const folder = await requireFolder(outputDir);
      if (!(await predictionsOfOpened(deps.grants, folder))) await deps.grants.require(folder, { kind: 'folder' });
      return readClusterStatus(folder, {
        now: deps.now().getTime(),
        staleAfterMs: opts?.staleAfterMs ?? DEFAULT_STALE_AFTER_MS,
      });
    }),
  };
}

/**
 * Whether `folder` is the predictions folder (`alignment_labels_predicted`) of an opened folder of
 * photos, where `loupe predict` writes: the keypoint verbs read it by the same rule
 * (`findLabelDirs`: inside the photos folder, or beside it).
 */
async function predictionsOfOpened(grants: FolderGrants, folder: string): Promise<boolean> {
  if (await grants.has(folder)) return true;
  if (basename(folder) !== LABEL_DIR_NAMES.predicted) return false;
  for (const root of grants.list()) {
    if (dirname(root) === dirname(folder) && (await keypointDirs(root)).predictedDir === folder) return true;
  }
  return false;
}
