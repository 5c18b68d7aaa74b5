import { describe, expect, it } from 'vitest';
import type { ShardManifest, ShardState } from '../../../src/core/shard/manifest';
import { mergeTime } from '../../../src/core/shard/merge';
import { clusterStatus, formatAge, shardsLeft, type ReadManifest } from '../../../src/core/shard/status';
import { isoTimestamp } from '../../../src/core/format';

const T0 = Date.parse('2026-12-02T12:00:00.000Z');
const MIN = 60_000;

function manifest(index: number, count: number, state: ShardState, updated: number, done = 0): ShardManifest {
  return {
    version: 1,
    kind: 'infer',
    shard: { index, count, source: 'slurm', detail: `SLURM_ARRAY_TASK_ID=${index}` },
    state,
    error: state === 'failed' ? { code: 'CANCELLED', message: 'SIGTERM' } : null,
    host: `node${index}`,
    pid: 100 + index,
    startedAt: isoTimestamp(T0 - 10 * MIN),
    updatedAt: isoTimestamp(updated),
    outputDir: '/out',
    total: 10,
    done,
    failed: index === 1 ? 1 : 0,
    infer: { batch: null, parts: [] },
  };
}

const read = (m: ShardManifest): ReadManifest => ({
  index: m.shard.index,
  count: m.shard.count,
  file: `shard-${m.shard.index}-of-${m.shard.count}.json`,
  ok: true,
  manifest: m,
});

const status = (files: ReadManifest[], mergedStamp: string | null = null, now = T0) =>
  clusterStatus({ outputDir: '/out', shardsDir: '/out/.loupe-shards', files, mergedStamp, now, staleAfterMs: 5 * MIN });

describe('cluster status from shard manifests', () => {
  it('no manifests: not a cluster run', () => {
    expect(status([])).toMatchObject({ phase: 'none', count: null, kind: null, manifests: [], missing: [] });
  });

  it('2 of 4 done, one running, one missing: running, with totals, ages and the missing index', () => {
    const s = status([
      read(manifest(0, 4, 'done', T0 - MIN, 10)),
      read(manifest(1, 4, 'done', T0 - 2 * MIN, 10)),
      read(manifest(3, 4, 'running', T0 - 12_000, 4)),
    ]);
    expect(s).toMatchObject({
      phase: 'running',
      kind: 'infer',
      count: 4,
      missing: [2],
      total: 30,
      done: 24,
      failed: 1,
    });
    expect(s.stale).toBe(0);
    expect(shardsLeft(s)).toBe(2);
    expect(s.manifests.map((m) => m.index)).toEqual([0, 1, 3]);
    const running = s.manifests[2];
    expect(running?.ok && running.shard).toMatchObject({ state: 'running', host: 'node3', pid: 103, ageMs: 12_000 });
    expect(s.checkedAt).toBe(isoTimestamp(T0));
  });

  it('a running shard silent past the threshold, or ahead of this clock by more, is stale; a done one never', () => {
    const s = status([
      read(manifest(0, 3, 'running', T0 - 6 * MIN)),
      read(manifest(1, 3, 'running', T0 + 6 * MIN)),
      read(manifest(2, 3, 'done', T0 - 60 * MIN, 10)),
    ]);
    expect(s.manifests.map((m) => m.ok && m.shard.stale)).toEqual([true, true, false]);
    expect(s.stale).toBe(2);
    expect(s.manifests[1]?.ok && s.manifests[1].shard.ageMs).toBe(-6 * MIN);
  });

  it('an unreadable manifest is an error row, not a throw; with the rest finished the run is failed', () => {
    const s = status([
      read(manifest(0, 2, 'done', T0, 10)),
      { index: 1, count: 2, file: 'shard-1-of-2.json', ok: false, error: { code: 'IO_ERROR', message: 'not JSON' } },
    ]);
    expect(s.phase).toBe('failed');
    expect(s.missing).toEqual([]);
    expect(s.manifests[1]).toEqual({
      index: 1,
      count: 2,
      file: 'shard-1-of-2.json',
      ok: false,
      error: { code: 'IO_ERROR', message: 'not JSON' },
    });
  });

  it('a failed shard with none running: failed, with its reason', () => {
    const s = status([read(manifest(0, 2, 'done', T0, 10)), read(manifest(1, 2, 'failed', T0, 3))]);
    expect(s.phase).toBe('failed');
    expect(s.manifests[1]?.ok && s.manifests[1].shard.error).toEqual({ code: 'CANCELLED', message: 'SIGTERM' });
  });

  it('all done: unmerged until the merge stamp equals the last shard write, then merged', () => {
    const ms = [manifest(0, 2, 'done', T0 - MIN, 10), manifest(1, 2, 'done', T0 - 3 * MIN, 10)];
    expect(status(ms.map(read)).phase).toBe('unmerged');
    // A batch_summary.json of an earlier single run (another stamp) is not this run's merge.
    expect(status(ms.map(read), isoTimestamp(T0 - 90 * MIN)).phase).toBe('unmerged');
    expect(status(ms.map(read), isoTimestamp(mergeTime(ms))).phase).toBe('merged');
  });

  it("a manifest of another shard count (an older run's) is an error row; the newest manifest's count wins", () => {
    const s = status([read(manifest(0, 2, 'done', T0 - 60 * MIN, 10)), read(manifest(0, 3, 'running', T0, 1))]);
    expect(s.count).toBe(3);
    expect(s.missing).toEqual([1, 2]);
    const old = s.manifests.find((m) => m.count === 2);
    expect(old).toMatchObject({ ok: false, error: { code: 'JOB_STATE' } });
    expect(s.total).toBe(10);
  });
});

describe('formatAge', () => {
  it('says seconds, minutes, hours, and a clock ahead', () => {
    expect([0, 12_400, 4 * MIN + 5000, 3 * 60 * MIN, -6 * MIN, null].map(formatAge)).toEqual([
      '0 s ago',
      '12 s ago',
      '4 min ago',
      '3 h ago',
      '6 min ahead',
      'unknown',
    ]);
  });
});
