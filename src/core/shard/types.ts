/**
 * One process's share of a batch that a cluster runs as N processes ("shards"). Shard `index` of
 * `count` is 0-based: shards 0 … count − 1 together cover the batch exactly once.
 */

/** Where the shard came from: `--shard I/N`, or `--shard auto` read from one scheduler's variables. */
export type ShardSource = 'flag' | 'slurm' | 'kubernetes' | 'aws-batch';

export interface Shard {
  index: number;
  count: number;
  source: ShardSource;
  /** Which variables (or flag) gave the index and count, for the CLI to print: `SLURM_ARRAY_TASK_ID=3 …`. */
  detail: string;
}

/** A parsed `--shard` value: a fixed `I/N`, or `auto` (resolve from the scheduler's environment). */
export type ShardFlag = { kind: 'fixed'; index: number; count: number } | { kind: 'auto' };

/** Environment variables as plain data (core never reads `process.env` itself). */
export type ShardEnv = Readonly<Record<string, string | undefined>>;
