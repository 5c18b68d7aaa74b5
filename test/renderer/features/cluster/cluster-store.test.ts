import { describe, expect, it } from 'vitest';
import type { Result } from '../../../../src/shared/result';
import type { ClusterPhase, ClusterStatus } from '../../../../src/shared/shard';
import { createClusterWatch, POLL_MS } from '../../../../src/renderer/features/cluster/cluster-store';

const status = (phase: ClusterPhase): ClusterStatus => ({
  outputDir: '/out',
  shardsDir: '/out/.loupe-shards',
  phase,
  kind: 'infer',
  count: 2,
  manifests: [],
  missing: [],
  total: 0,
  done: 0,
  failed: 0,
  stale: 0,
  staleAfterMs: 300_000,
  checkedAt: '2026-12-02T12:00:00.000Z',
});

/** A watch over scripted answers, with a timer the test fires by hand. */
function setup(answers: Result<ClusterStatus>[]) {
  const timers: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  let calls = 0;
  const api = {
    cluster: {
      status: async (dir: string) => {
        expect(dir).toBe('/out');
        calls++;
        return answers.shift() ?? { ok: true as const, value: status('merged') };
      },
    },
  };
  const watch = createClusterWatch(
    {
      api,
      schedule: (fn, ms) => {
        const t = { fn, ms, cancelled: false };
        timers.push(t);
        return () => (t.cancelled = true);
      },
    },
    '/out',
  );
  const pending = () => timers.filter((t) => !t.cancelled);
  const fire = async () => {
    const t = pending()[0];
    if (!t) throw new Error('nothing scheduled');
    t.cancelled = true;
    t.fn();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { watch, pending, fire, calls: () => calls };
}

describe('cluster watch store', () => {
  it('polls every POLL_MS while running or awaiting the merge, and stops once merged', async () => {
    const s = setup([
      { ok: true, value: status('running') },
      { ok: true, value: status('unmerged') },
      { ok: true, value: status('merged') },
    ]);
    await s.watch.getState().refresh();
    expect(s.watch.getState()).toMatchObject({ polling: true, status: { phase: 'running' } });
    expect(s.pending().map((t) => t.ms)).toEqual([POLL_MS]);
    await s.fire();
    expect(s.watch.getState().status?.phase).toBe('unmerged');
    await s.fire();
    expect(s.watch.getState()).toMatchObject({ polling: false, status: { phase: 'merged' } });
    expect(s.pending()).toHaveLength(0);
    expect(s.calls()).toBe(3);
  });

  it('stops on a failed run and on an error, keeping the last status', async () => {
    const s = setup([
      { ok: true, value: status('failed') },
      { ok: false, error: { code: 'PERMISSION_DENIED', message: 'not opened' } },
    ]);
    await s.watch.getState().refresh();
    expect(s.pending()).toHaveLength(0);
    await s.watch.getState().refresh();
    expect(s.watch.getState()).toMatchObject({ polling: false, error: { code: 'PERMISSION_DENIED' } });
    expect(s.watch.getState().status?.phase).toBe('failed');
  });

  it('a refresh replaces the scheduled one; stop (the view closed) cancels it and ignores a late answer', async () => {
    const s = setup([
      { ok: true, value: status('running') },
      { ok: true, value: status('running') },
      { ok: true, value: status('running') },
    ]);
    await s.watch.getState().refresh();
    await s.watch.getState().refresh();
    expect(s.pending()).toHaveLength(1);
    const late = s.watch.getState().refresh();
    s.watch.getState().stop();
    await late;
    expect(s.pending()).toHaveLength(0);
    expect(s.watch.getState().polling).toBe(false);
  });
});
