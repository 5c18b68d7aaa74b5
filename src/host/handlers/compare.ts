import { z } from 'zod';
import { readCompareSession } from '../../engine/restore/compare-session';
import { verb, type NamespaceVerbs } from '../verb';
import { folderPath, requireFolder, type HandlerDeps } from './common';

/** `compare:*`: a restoration output folder, read for the side-by-side view. */
export function compareVerbs(deps: Pick<HandlerDeps, 'grants'>): NamespaceVerbs<'compare'> {
  return {
    'compare:open': verb(z.tuple([folderPath]), async (outputDir) => {
      // Opening the output folder is the user's act and grants it. The folders its
      // batch_summary.json names (frames, ground truth, models' outputs) are read only when the
      // user opened them too or they lie inside it; the others come back in `ungranted`.
      const folder = await requireFolder(outputDir);
      await deps.grants.add(folder);
      return readCompareSession(folder, (dir) => deps.grants.has(dir));
    }),
  };
}
