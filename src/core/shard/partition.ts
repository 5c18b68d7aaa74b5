import type { Result } from '../../shared/result';
import { err, ok } from '../result';

/*
 * Deterministic partitions of a batch into `count` shards. Every shard of a cluster run computes
 * the same partition on its own, from the same inputs, and keeps only its part; nothing is
 * exchanged, so the result must depend on the inputs as a set and on nothing else (not on their
 * order, the locale, the host or the time). Keys are compared by UTF-16 code units, never with
 * localeCompare.
 *
 * Stable across reruns means: the same set of inputs gives the same partition. Weights must
 * therefore be fixed for the whole batch (a group's image count, not the images still left to do,
 * which changes as shards finish), or a retried shard would pick a different share.
 */

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function checkCount(count: number): Result<number> {
  if (!Number.isSafeInteger(count) || count < 1) {
    return err('INVALID_ARGUMENT', `the shard count must be a whole number of at least 1, not ${count}`, { count });
  }
  return ok(count);
}

function duplicateOf(sorted: readonly string[]): string | undefined {
  return sorted.find((key, i) => i > 0 && key === sorted[i - 1]);
}

export interface GroupShard {
  index: number;
  /** The groups this shard owns, by key in code-unit order. */
  keys: string[];
  /** The sum of their weights. */
  weight: number;
}

export interface GroupPartition {
  count: number;
  /** Key → shard index, for every group given. */
  shardOf: ReadonlyMap<string, number>;
  /** Shards 0 … count − 1, in order. */
  shards: GroupShard[];
  /** Total weight / count: what a perfectly balanced shard would hold. */
  ideal: number;
  /** Shards that got no group (more shards than groups, or all weights on fewer shards). */
  empty: number[];
}

/**
 * Split whole groups (for predict: watch IDs, weighted by their image count, so a watch's
 * template and photos stay on one shard) into `count` shards balanced by weight.
 *
 * Rule (greedy longest-processing-time): sort the groups by weight descending, then key ascending;
 * give each in turn to the shard with the least weight so far, ties to the one with fewest groups,
 * then to the lowest index. The result depends only on the set of (key, weight) pairs. Each shard
 * that receives a group is the lightest at that moment, so no shard ends above ideal + the
 * heaviest group (and LPT is within 4/3 of the best possible split).
 *
 * Keys must be unique; weights finite and ≥ 0. A count above the number of groups leaves empty
 * shards, reported in `empty`.
 */
export function partitionByGroup(
  groups: readonly { key: string; weight: number }[],
  count: number,
): Result<GroupPartition> {
  const n = checkCount(count);
  if (!n.ok) return n;
  const bad = groups.find((g) => !Number.isFinite(g.weight) || g.weight < 0);
  if (bad) {
    return err('INVALID_ARGUMENT', `group ${JSON.stringify(bad.key)} has weight ${bad.weight}; weights must be ≥ 0`, {
      key: bad.key,
    });
  }
  const order = [...groups].sort((a, b) => b.weight - a.weight || byCodeUnits(a.key, b.key));
  const dup = duplicateOf(order.map((g) => g.key).sort(byCodeUnits));
  if (dup !== undefined) return err('INVALID_ARGUMENT', `group ${JSON.stringify(dup)} is given twice`, { key: dup });

  const shards: GroupShard[] = Array.from({ length: count }, (_, index) => ({ index, keys: [], weight: 0 }));
  const shardOf = new Map<string, number>();
  for (const group of order) {
    let target = shards[0] as GroupShard;
    for (const s of shards) {
      if (s.weight < target.weight || (s.weight === target.weight && s.keys.length < target.keys.length)) target = s;
    }
    target.keys.push(group.key);
    target.weight += group.weight;
    shardOf.set(group.key, target.index);
  }
  for (const s of shards) s.keys.sort(byCodeUnits);
  const total = order.reduce((sum, g) => sum + g.weight, 0);
  const empty = shards.filter((s) => s.keys.length === 0).map((s) => s.index);
  return ok({ count, shardOf, shards, ideal: total / count, empty });
}

/** Frames [start, end) of one model: positions in the run's frame order, 0-based, end exclusive. */
export interface FrameRange {
  model: string;
  start: number;
  end: number;
}

export interface RangeShard {
  index: number;
  /** At most one range per model, models in code-unit order. */
  ranges: FrameRange[];
  /** (model, frame) pairs in this shard: the sum of its ranges' lengths. */
  units: number;
}

export interface RangePartition {
  count: number;
  /** The models, sorted: the order the work is laid out in. */
  models: string[];
  frames: number;
  /** models × frames. */
  total: number;
  shards: RangeShard[];
  /** Shards with no work (more shards than (model, frame) pairs). */
  empty: number[];
}

/**
 * Split a restoration sweep (every model over frames 0 … frames − 1) into `count` shards of
 * (model, frame range) units with equal work to within one frame.
 *
 * Rule: sort the models (code units) and lay the work out as one line of models × frames cells,
 * model by model, cell m·frames + f being model m's frame f. Shard s takes the cells
 * [⌊s·T/count⌋, ⌊(s+1)·T/count⌋) with T = models × frames, cut at model boundaries into one
 * contiguous frame range per model. So every shard holds ⌊T/count⌋ or ⌈T/count⌉ cells; a shard
 * spans at most ⌈models/count⌉ + 1 models (each model loaded by few shards), and a model is split
 * over at most ⌈count/models⌉ + 1 shards. The same models (as a set) and frame count always give
 * the same partition. Frame positions index the run's own frame order (its sorted frame list).
 */
export function partitionRanges(models: readonly string[], frames: number, count: number): Result<RangePartition> {
  const n = checkCount(count);
  if (!n.ok) return n;
  if (!Number.isSafeInteger(frames) || frames < 0) {
    return err('INVALID_ARGUMENT', `the frame count must be a whole number ≥ 0, not ${frames}`, { frames });
  }
  const sorted = [...models].sort(byCodeUnits);
  const dup = duplicateOf(sorted);
  if (dup !== undefined) return err('INVALID_ARGUMENT', `model ${JSON.stringify(dup)} is given twice`, { model: dup });
  const total = sorted.length * frames;
  if (!Number.isSafeInteger(total * count)) {
    return err('INVALID_ARGUMENT', `${sorted.length} models × ${frames} frames × ${count} shards is too large`, {
      models: sorted.length,
      frames,
      count,
    });
  }
  const cut = (s: number): number => Math.floor((s * total) / count);
  const shards: RangeShard[] = [];
  for (let index = 0; index < count; index++) {
    const from = cut(index);
    const to = cut(index + 1);
    const ranges: FrameRange[] = [];
    for (let m = Math.floor(from / Math.max(frames, 1)); m < sorted.length && m * frames < to; m++) {
      const start = Math.max(from - m * frames, 0);
      const end = Math.min(to - m * frames, frames);
      if (end > start) ranges.push({ model: sorted[m] as string, start, end });
    }
    shards.push({ index, ranges, units: to - from });
  }
  const empty = shards.filter((s) => s.units === 0).map((s) => s.index);
  return ok({ count, models: sorted, frames, total, shards, empty });
}
