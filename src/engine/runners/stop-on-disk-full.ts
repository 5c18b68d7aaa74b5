import type { JobKind } from '../../shared/jobs';
import { diskFullFailure } from '../fs/disk-full';
import type { JobRunner } from '../jobs/manager';

/**
 * A batch that stops on a full disk (every later write would fail too): the job fails with
 * "disk full", naming the file, whichever write found it. What was written is kept.
 */
export function stopOnDiskFull<K extends JobKind>(run: JobRunner<K>): JobRunner<K> {
  return async (ctx) => {
    try {
      return await run(ctx);
    } catch (e) {
      throw diskFullFailure(e) ?? e;
    }
  };
}
