import { z } from 'zod';
import { findLabelDirs, type LabelFolders } from '../label-dirs';
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
export function clusterVerbs(deps: Pick<HandlerDeps, 'grants' | 'labelFolders' | 'now'>): NamespaceVerbs<'cluster'> {
  return {
    'cluster:status': verb(z.tuple([folderPath, options]), async (outputDir, opts) => {
      const folder = await requireFolder(outputDir);
      if (!(await predictionsOfOpened(deps.grants, deps.labelFolders, folder)))
        await deps.grants.require(folder, { kind: 'folder' });
      return readClusterStatus(folder, {
        now: deps.now().getTime(),
        staleAfterMs: opts?.staleAfterMs ?? DEFAULT_STALE_AFTER_MS,
      });
    }),
  };
}

/**
 * Whether `folder` is the predictions folder of an opened folder of photos, where `loupe predict`
 * writes: the keypoint verbs read it by the same rule (`LabelFolders`: chosen for the photos
 * folder, else inside it, or beside it).
 */
async function predictionsOfOpened(grants: FolderGrants, labelFolders: LabelFolders, folder: string): Promise<boolean> {
  if (await grants.has(folder)) return true;
  const choices = await labelFolders.choices();
  for (const root of grants.list()) {
    if ((await findLabelDirs(root, choices[root] ?? null)).predicted.path === folder) return true;
  }
  return false;
}
