import type { ClusterPhase, ClusterStatus, ShardManifestStatus, ShardStatus } from '../../shared/shard';
import { isoTimestamp } from '../format';
import type { ShardManifest } from './manifest';
import { mergeTime } from './merge';

/*
 * Where a cluster run stands, from its shard manifests (the app's live view, `cluster:status`).
 * Pure: the caller reads the files and the merge's stamp, and passes its clock.
 */

/** A running shard silent for longer than this is flagged stale (default of `cluster:status`). */
export const DEFAULT_STALE_AFTER_MS = 5 * 60_000;

/** A manifest file as read: its name's index and count, and its manifest or why it could not be read. */
export type ReadManifest =
  | { index: number; count: number; file: string; ok: true; manifest: ShardManifest }
  | { index: number; count: number; file: string; ok: false; error: { code: string; message: string } };

export interface ClusterStatusInputs {
  outputDir: string;
  shardsDir: string;
  files: readonly ReadManifest[];
  /**
   * The timestamp the merge's file carries (infer: batch_summary.json `created_at`; predict:
   * `.loupe-predict.json` `updatedAt`), or null when there is none. The merge stamps its files
   * with the last shard's last write, so equal stamps mean "merged from these manifests", whatever
   * the clocks of the nodes.
   */
  mergedStamp: string | null;
  now: number;
  staleAfterMs: number;
}

export function shardStatus(m: ShardManifest, now: number, staleAfterMs: number): ShardStatus {
  const updated = Date.parse(m.updatedAt);
  const ageMs = Number.isFinite(updated) ? now - updated : null;
  return {
    index: m.shard.index,
    count: m.shard.count,
    kind: m.kind,
    state: m.state,
    error: m.error,
    host: m.host,
    pid: m.pid,
    startedAt: m.startedAt,
    updatedAt: m.updatedAt,
    total: m.total,
    done: m.done,
    failed: m.failed,
    ageMs,
    stale: m.state === 'running' && (ageMs === null || Math.abs(ageMs) > staleAfterMs),
  };
}

/** The run's shard count: that of its newest readable manifest (an older run's files are stale). */
function runCount(files: readonly ReadManifest[]): number | null {
  let best: { count: number; at: number } | null = null;
  for (const f of files) {
    if (!f.ok) continue;
    const at = Date.parse(f.manifest.updatedAt);
    if (!best || (Number.isFinite(at) && at > best.at))
      best = { count: f.count, at: Number.isFinite(at) ? at : -Infinity };
  }
  return best?.count ?? files[0]?.count ?? null;
}

export function clusterStatus(inputs: ClusterStatusInputs): ClusterStatus {
  const { files, now, staleAfterMs } = inputs;
  const count = runCount(files);
  const manifests: ShardManifestStatus[] = [...files]
    .sort((a, b) => a.count - b.count || a.index - b.index)
    .map((f): ShardManifestStatus => {
      const at = { index: f.index, count: f.count, file: f.file };
      if (!f.ok) return { ...at, ok: false, error: f.error };
      if (f.count !== count) {
        const message = `a manifest of a run of ${f.count} shards, not of this run's ${count}: left from an earlier run; remove it`;
        return { ...at, ok: false, error: { code: 'JOB_STATE', message } };
      }
      return { ...at, ok: true, shard: shardStatus(f.manifest, now, staleAfterMs) };
    });
  const shards = manifests.flatMap((m) => (m.ok ? [m.shard] : []));
  const present = new Set(files.filter((f) => f.count === count).map((f) => f.index));
  const missing = count === null ? [] : Array.from({ length: count }, (_, i) => i).filter((i) => !present.has(i));
  const ofRun = files.flatMap((f) => (f.ok && f.count === count ? [f.manifest] : []));
  const sum = (key: 'total' | 'done' | 'failed'): number => shards.reduce((n, s) => n + s[key], 0);
  return {
    outputDir: inputs.outputDir,
    shardsDir: inputs.shardsDir,
    phase: phaseOf(manifests, shards, missing, ofRun, inputs.mergedStamp),
    kind: shards[0]?.kind ?? null,
    count,
    manifests,
    missing,
    total: sum('total'),
    done: sum('done'),
    failed: sum('failed'),
    stale: shards.filter((s) => s.stale).length,
    staleAfterMs,
    checkedAt: isoTimestamp(now),
  };
}

function phaseOf(
  manifests: readonly ShardManifestStatus[],
  shards: readonly ShardStatus[],
  missing: readonly number[],
  ofRun: readonly ShardManifest[],
  mergedStamp: string | null,
): ClusterPhase {
  if (manifests.length === 0) return 'none';
  if (missing.length > 0 || shards.some((s) => s.state === 'running')) return 'running';
  if (manifests.some((m) => !m.ok) || shards.some((s) => s.state === 'failed')) return 'failed';
  return mergedStamp !== null && mergedStamp === isoTimestamp(mergeTime(ofRun)) ? 'merged' : 'unmerged';
}

/** A manifest's age for people: `12 s ago`, `4 min ago`, `2 h ago`; ahead of this clock: `5 min ahead`. */
export function formatAge(ms: number | null): string {
  if (ms === null) return 'unknown';
  const abs = Math.abs(ms);
  const s = Math.round(abs / 1000);
  const text = s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min` : `${Math.floor(s / 3600)} h`;
  return ms < -1000 ? `${text} ahead` : `${text} ago`;
}

/** Shards of the run not done yet (running, failed, unreadable or missing). */
export function shardsLeft(s: ClusterStatus): number {
  const done = s.manifests.filter((m) => m.ok && m.shard.state === 'done').length;
  return Math.max(0, (s.count ?? 0) - done);
}
