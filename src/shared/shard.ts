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

/** A shard manifest's state: running (also a killed shard), done, failed (stopped with an error). */
export type ShardRunState = 'running' | 'done' | 'failed';

/**
 * One shard of a cluster run as its manifest says, for the app's live view (`cluster:status`).
 * Read only: nothing here is written back.
 */
export interface ShardStatus {
  index: number;
  count: number;
  kind: 'predict' | 'infer';
  state: ShardRunState;
  /** Why a failed shard stopped. */
  error: { code: string; message: string } | null;
  /** The process that last ran the shard. */
  host: string;
  pid: number;
  /** ISO times from the shard's own clock: this attempt's start, its last write. */
  startedAt: string;
  updatedAt: string;
  /** Items of the shard (images; model × frame pairs), done and failed so far. */
  total: number;
  done: number;
  failed: number;
  /** Milliseconds from `updatedAt` to the reader's clock (negative: the shard's clock is ahead); null: unparsable time. */
  ageMs: number | null;
  /**
   * A running shard whose last write is older than the threshold (or ahead of the reader's clock by
   * more than it): the process is likely dead, or its node's clock differs from this one.
   */
  stale: boolean;
}

/** One manifest file of `.loupe-shards/`: its status, or why it could not be read. */
export type ShardManifestStatus =
  | { index: number; count: number; file: string; ok: true; shard: ShardStatus }
  | { index: number; count: number; file: string; ok: false; error: { code: string; message: string } };

/**
 * Where a cluster run stands:
 * - `none`: the folder holds no shard manifests (not a sharded run);
 * - `running`: some shard is running or missing;
 * - `failed`: no shard is running but some failed or are unreadable (a retry can finish them);
 * - `unmerged`: every shard is done but the merge's files are not there (`loupe merge`);
 * - `merged`: every shard is done and the merge wrote its files from these very manifests.
 */
export type ClusterPhase = 'none' | 'running' | 'failed' | 'unmerged' | 'merged';

export interface ClusterStatus {
  outputDir: string;
  /** `<outputDir>/.loupe-shards`. */
  shardsDir: string;
  phase: ClusterPhase;
  kind: 'predict' | 'infer' | null;
  /** The run's shard count (of its newest manifest); null without a readable manifest. */
  count: number | null;
  /** Every manifest file, in index order (a file of another shard count is an error row). */
  manifests: ShardManifestStatus[];
  /** Indices 0 … count − 1 with no manifest file yet. */
  missing: number[];
  /** Summed over the readable manifests of this run. */
  total: number;
  done: number;
  failed: number;
  /** Running shards flagged stale. */
  stale: number;
  staleAfterMs: number;
  /** The reader's clock when it looked (ISO). */
  checkedAt: string;
}
