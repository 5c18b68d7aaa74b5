import type { LogLevel } from '../../shared/events';
import { removeStrayTemps } from '../fs/atomic';

/**
 * Before a batch writes into `dir`: the temp files a killed run of it left there (see
 * removeStrayTemps, which says which are safe to remove; `owned` null: the whole folder) are
 * removed, and the job's log says so. Without this a rerun after a kill finishes the batch with
 * those files still in the folder.
 */
export async function sweepStrayTemps(
  ctx: { log(level: LogLevel, message: string, details?: Record<string, unknown>): void },
  dir: string,
  owned: ReadonlySet<string> | null = null,
): Promise<void> {
  const removed = await removeStrayTemps(dir, owned);
  if (removed.length === 0) return;
  const some = removed.slice(0, 3).join(', ') + (removed.length > 3 ? ', …' : '');
  ctx.log('info', `${dir}: removed ${removed.length} temporary file(s) an interrupted run left (${some})`, {
    removed,
  });
}
