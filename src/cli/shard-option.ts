import type { ShardSpec } from '../shared/shard';
import { resolveShard } from '../core/shard/env';
import { parseShardFlag } from '../core/shard/flag';
import { UsageError } from './context';

export const SHARD_HELP = `Cluster runs (docs/cluster.md):
  --shard I/N | auto      Run only shard I of N (0-based: 0 … N-1); auto reads the scheduler's
                          index: SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT or _MIN/_MAX
                          (sbatch --array), JOB_COMPLETION_INDEX with LOUPE_SHARD_COUNT
                          (Kubernetes Indexed Job), AWS_BATCH_JOB_ARRAY_INDEX with _SIZE. Shards
                          write disjoint files plus <output-dir>/.loupe-shards/shard-I-of-N.json;
                          the last one to finish merges (loupe merge does it by hand)
  --no-merge              Never merge at the end of this shard (run loupe merge later)
`;

/**
 * The job's shard from `--shard` (and `--no-merge`), or undefined without one. `auto` reads the
 * scheduler's variables from `env`; a value that cannot be used is a usage error saying why.
 */
export function shardOption(
  value: string | undefined,
  noMerge: boolean,
  env: NodeJS.ProcessEnv,
): ShardSpec | undefined {
  if (value === undefined) {
    if (noMerge) throw new UsageError('--no-merge is for sharded runs: give --shard I/N or --shard auto');
    return undefined;
  }
  const flag = parseShardFlag(value);
  if (!flag.ok) throw new UsageError(flag.error.message);
  const shard = resolveShard(flag.value, env);
  if (!shard.ok) throw new UsageError(shard.error.message);
  return { ...shard.value, ...(noMerge ? { merge: false } : {}) };
}

/** The line a sharded command prints first: which shard (0-based) and where that came from. */
export function shardLine(shard: ShardSpec): string {
  return `shard ${shard.index}/${shard.count} (0-based index of ${shard.count} shards) from ${shard.detail}\n`;
}
