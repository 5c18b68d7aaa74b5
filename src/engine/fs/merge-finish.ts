import type { Merged } from '../../core/shard/merge';
import { addTemporalToMerged } from '../runners/restore/temporal';

/**
 * The merge's last step before writing, for the CLI's `loupe merge` and the last shard alike:
 * an infer run's tPSNR, measured from the outputs on disk (its frame pairs cross the shards'
 * ranges, so no shard could). Apart from engine/fs/shards.ts, which the host reads manifests
 * with, so that the host (and Electron's main) never loads sharp.
 */
export async function finishMerge(outputDir: string, merged: Merged): Promise<void> {
  if (merged.kind === 'infer') await addTemporalToMerged(outputDir, merged.files, () => undefined);
}
