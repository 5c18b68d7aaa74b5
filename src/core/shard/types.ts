/**
 * One process's share of a batch that a cluster runs as N processes ("shards"). Shard `index` of
 * `count` is 0-based: shards 0 … count − 1 together cover the batch exactly once.
 */

export type { Shard, ShardSource } from '../../shared/shard';

/** A parsed `--shard` value: a fixed `I/N`, or `auto` (resolve from the scheduler's environment). */
export type ShardFlag = { kind: 'fixed'; index: number; count: number } | { kind: 'auto' };

/** Environment variables as plain data (core never reads `process.env` itself). */
export type ShardEnv = Readonly<Record<string, string | undefined>>;
