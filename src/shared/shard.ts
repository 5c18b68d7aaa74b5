/**
 * One process's share of a batch that a cluster runs as N processes ("shards"). Shard `index` of
 * `count` is 0-based: shards 0 … count − 1 together cover the batch exactly once.
 */

/** Where the shard came from: `--shard I/N`, or `--shard auto` read from one scheduler's variables. */
export type ShardSource = 'flag' | 'slurm' | 'kubernetes' | 'aws-batch';

export const SHARD_SOURCES: readonly ShardSource[] = ['flag', 'slurm', 'kubernetes', 'aws-batch'];

export interface Shard {
  index: number;
  count: number;
  source: ShardSource;
  /** Which variables (or flag) gave the index and count, for the CLI to print: `SLURM_ARRAY_TASK_ID=3 …`. */
  detail: string;
}

/** A job's shard, as its spec carries it. */
export interface ShardSpec extends Shard {
  /** Merge when this shard finds every shard done (default true; `--no-merge` sets false). */
  merge?: boolean;
}
