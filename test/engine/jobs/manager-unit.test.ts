import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../src/shared/events';
import type { JobItem, JobSnapshot, JobSpec } from '../../../src/shared/jobs';
import type { JournalEntry } from '../../../src/engine/jobs/journal';
import { JobManager, type JobRunner, type JobRunners, type JournalPort } from '../../../src/engine/jobs/manager';
import { AppFailure } from '../../../src/core/result';
import { waitFor } from '../../helpers';

/**
 * The job manager through its ports only: a clock the test moves, a journal in memory and runners
 * whose every item the test lets through. (manager.test.ts runs it over the real journal on disk.)
 */

class MemoryJournal implements JournalPort {
  readonly snapshots = new Map<string, JobSnapshot>();
  readonly items = new Map<string, JobItem[]>();
  drained = 0;
  constructor(initial: JournalEntry[] = []) {
    for (const e of initial) {
      this.snapshots.set(e.snapshot.id, e.snapshot);
      this.items.set(e.snapshot.id, [...e.items]);
    }
  }
  async load(): Promise<JournalEntry[]> {
    return [...this.snapshots.values()].map((snapshot) => ({ snapshot, items: this.items.get(snapshot.id) ?? [] }));
  }
  async save(snapshot: JobSnapshot): Promise<void> {
    this.snapshots.set(snapshot.id, snapshot);
  }
  async append(jobId: string, items: readonly JobItem[]): Promise<void> {
    this.items.set(jobId, [...(this.items.get(jobId) ?? []), ...items]);
  }
  async remove(jobId: string): Promise<void> {
    this.snapshots.delete(jobId);
    this.items.delete(jobId);
  }
  async drain(): Promise<void> {
    this.drained += 1;
  }
}

/** A runner over fixed keys that waits for the test before each item. */
class SteppedRunner {
  readonly seen: string[] = [];
  private releases: (() => void)[] = [];
  private waiting = 0;
  failWith: Error | null = null;
  constructor(private readonly keys: string[]) {}
  readonly run: JobRunner<'predict-keypoints'> = async (ctx) => {
    ctx.setTotal(this.keys.length);
    for (const [index, key] of this.keys.entries()) {
      await ctx.checkpoint();
      if (ctx.previous(key)) continue;
      this.waiting += 1;
      await new Promise<void>((resolve) => this.releases.push(resolve));
      this.waiting -= 1;
      if (this.failWith) throw this.failWith;
      this.seen.push(key);
      ctx.item({ index, key, status: 'ok', ms: 1 } as JobItem<'predict-keypoints'>);
    }
    return null as never;
  };
  /** Waits until the runner is at an item, then lets it through. */
  async step(): Promise<void> {
    await waitFor(() => this.waiting > 0 || undefined, 5000, 'the runner to reach an item');
    this.releases.shift()?.();
  }
  get atItem(): boolean {
    return this.waiting > 0;
  }
}

const spec = (name = 'a'): JobSpec =>
  ({
    kind: 'predict-keypoints',
    imagesDir: `/nowhere/${name}`,
    outputDir: '/nowhere/out',
    labelsDir: '/nowhere/labels',
    config: {},
  }) as unknown as JobSpec;

function setup(runner: JobRunner<'predict-keypoints'>, journal = new MemoryJournal()) {
  const clock = { t: 1_000_000 };
  const events: EngineEvent[] = [];
  const m = new JobManager({
    runners: { 'predict-keypoints': runner } as unknown as JobRunners,
    journal,
    emit: (e) => events.push(e),
    now: () => clock.t,
    checkpointMs: 0,
  });
  return { m, clock, events, journal };
}

const settled = (m: JobManager, id: string): Promise<JobSnapshot> =>
  waitFor(() => {
    const s = m.get(id);
    return ['completed', 'failed', 'cancelled', 'interrupted'].includes(s.status) ? s : undefined;
  }, 5000);

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (thrown) {
    return thrown instanceof AppFailure ? thrown.error.code : 'not an AppFailure';
  }
  return undefined;
};

describe('JobManager through its ports', () => {
  it('runs one job at a time, oldest first, and journals every status change', async () => {
    const runners = new Map<string, SteppedRunner>();
    const runner: JobRunner<'predict-keypoints'> = (ctx) => {
      const r = new SteppedRunner(['x', 'y']);
      runners.set(ctx.jobId, r);
      return r.run(ctx);
    };
    const { m, clock, journal } = setup(runner);
    const first = m.submit(spec('first'));
    clock.t += 1;
    const second = m.submit(spec('second'));
    expect(m.get(first.id).status).toBe('running');
    expect(m.get(second.id).status).toBe('queued');
    await runners.get(first.id)!.step();
    await runners.get(first.id)!.step();
    expect((await settled(m, first.id)).status).toBe('completed');
    await waitFor(() => m.get(second.id).status === 'running' || undefined, 5000);
    await runners.get(second.id)!.step();
    await runners.get(second.id)!.step();
    expect((await settled(m, second.id)).status).toBe('completed');
    expect(journal.snapshots.get(first.id)?.status).toBe('completed');
    expect(journal.items.get(first.id)?.map((i) => i.key)).toEqual(['x', 'y']);
  });

  it('stamps every snapshot it hands out with a revision that only grows, from the clock', async () => {
    const r = new SteppedRunner(['x', 'y']);
    const { m, clock, events, journal } = setup(r.run);
    const progress = (): number[] =>
      events.flatMap((e) => (e.name === 'job:progress' ? [e.payload.revision as number] : []));
    const job = m.submit(spec());
    // The answer to submit is handed out after the events its start emitted.
    const before = progress();
    expect(before.length).toBeGreaterThan(0);
    expect(job.revision).toBeGreaterThan(Math.max(...before));
    await r.step();
    await r.step();
    const done = await settled(m, job.id);
    // Events in the order they were emitted, then answers taken after them.
    const handedOut = [...progress(), done.revision as number, m.list()[0]!.revision as number];
    expect(handedOut.slice(before.length)[0]).toBeGreaterThan(job.revision!);
    expect(handedOut.every((v, i) => i === 0 || v > handedOut[i - 1]!)).toBe(true);
    // It starts from the clock (epoch ms × 1000), so a restarted engine's revisions are higher.
    expect(job.revision).toBeGreaterThanOrEqual(1_000_000 * 1000);
    const restarted = setup(r.run, journal);
    restarted.clock.t = clock.t + 1;
    await restarted.m.restore();
    expect(restarted.m.get(job.id).revision).toBeGreaterThan(handedOut.at(-1)!);
    // The journal keeps the job's state, not when it was handed out.
    expect(journal.snapshots.get(job.id)?.revision).toBeUndefined();
  });

  it('counts elapsed time on the injected clock, without the time spent paused', async () => {
    const r = new SteppedRunner(['a', 'b']);
    const { m, clock } = setup(r.run);
    const job = m.submit(spec());
    await r.step();
    await waitFor(() => r.atItem || undefined, 5000);
    clock.t += 2_000; // two seconds running
    m.pause(job.id);
    expect(m.get(job.id).status).toBe('paused');
    clock.t += 60_000; // a minute paused does not count
    expect(m.get(job.id).elapsedMs).toBe(2_000);
    m.resume(job.id);
    expect(m.get(job.id).status).toBe('running');
    clock.t += 500;
    await r.step();
    const done = await settled(m, job.id);
    expect(done.status).toBe('completed');
    expect(done.elapsedMs).toBe(2_500);
    expect(done.finishedAt).toBe(clock.t);
    expect(r.seen).toEqual(['a', 'b']);
  });

  it('pausing a running job frees the worker for the next one, which runs meanwhile', async () => {
    const runners = new Map<string, SteppedRunner>();
    const runner: JobRunner<'predict-keypoints'> = (ctx) => {
      const r = new SteppedRunner(['only']);
      runners.set(ctx.jobId, r);
      return r.run(ctx);
    };
    const { m, clock } = setup(runner);
    const a = m.submit(spec('a'));
    clock.t += 1;
    const b = m.submit(spec('b'));
    await waitFor(() => runners.get(a.id)?.atItem || undefined, 5000);
    m.pause(a.id);
    await waitFor(() => m.get(b.id).status === 'running' || undefined, 5000);
    await runners.get(b.id)!.step();
    expect((await settled(m, b.id)).status).toBe('completed');
    m.resume(a.id);
    // The paused run carries on where it stopped: the same runner, not a new one.
    await runners.get(a.id)!.step();
    expect((await settled(m, a.id)).status).toBe('completed');
    expect(runners.get(a.id)!.seen).toEqual(['only']);
  });

  it('cancelling stops the runner at its next checkpoint and keeps what was done', async () => {
    const r = new SteppedRunner(['a', 'b', 'c']);
    const { m, clock, events } = setup(r.run);
    const job = m.submit(spec());
    await r.step();
    await waitFor(() => r.atItem || undefined, 5000);
    clock.t += 10;
    const cancelled = m.cancel(job.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.finishedAt).toBe(clock.t);
    await r.step(); // the item in flight ends; the next checkpoint stops the run
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = m.get(job.id);
    expect(after.status).toBe('cancelled');
    expect(after.done).toBeLessThanOrEqual(2);
    expect(r.seen).not.toContain('c');
    expect(events.some((e) => e.name === 'job:progress' && e.payload.status === 'cancelled')).toBe(true);
  });

  it('refuses changes the state rules do not allow, with typed errors', async () => {
    const r = new SteppedRunner(['a']);
    const { m } = setup(r.run);
    const job = m.submit(spec());
    expect(codeOf(() => m.resume(job.id))).toBe('JOB_STATE'); // running → queued is not a change
    await expect(m.remove(job.id)).rejects.toMatchObject({ error: { code: 'JOB_STATE' } });
    await r.step();
    await settled(m, job.id);
    expect(codeOf(() => m.cancel(job.id))).toBe('JOB_STATE');
    expect(codeOf(() => m.pause(job.id))).toBe('JOB_STATE');
    expect(codeOf(() => m.get('job-nope'))).toBe('JOB_NOT_FOUND');
    expect(codeOf(() => m.submit({ kind: 'no-such-kind' } as unknown as JobSpec))).toBe('INVALID_ARGUMENT');
    await m.remove(job.id);
    expect(m.list()).toEqual([]);
  });

  it('a runner that throws fails the job with its error; resuming it counts a resume', async () => {
    const r = new SteppedRunner(['a', 'b']);
    const { m } = setup(r.run);
    const job = m.submit(spec());
    await r.step();
    r.failWith = new AppFailure('IMAGE_DECODE_FAILED', 'not an image');
    await r.step();
    const failed = await settled(m, job.id);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('IMAGE_DECODE_FAILED');
    r.failWith = null;
    const resumed = m.resume(job.id);
    expect(resumed.resumes).toBe(1);
    expect(resumed.error).toBeNull();
    await r.step();
    const done = await settled(m, job.id);
    expect(done.status).toBe('completed');
    // 'a' was done before; only 'b' ran again.
    expect(r.seen).toEqual(['a', 'b']);
  });

  it('ignores a second result for the same item key', async () => {
    const runner: JobRunner<'predict-keypoints'> = async (ctx) => {
      ctx.setTotal(1);
      ctx.item({ index: 0, key: 'k', status: 'ok', ms: 1 } as JobItem<'predict-keypoints'>);
      ctx.item({ index: 0, key: 'k', status: 'failed', ms: 1 } as JobItem<'predict-keypoints'>);
      return null as never;
    };
    const { m } = setup(runner);
    const job = m.submit(spec());
    const done = await settled(m, job.id);
    expect(done.counts).toEqual({ ok: 1, failed: 0, skipped: 0 });
    expect(m.items(job.id, 0, 10).items.map((i) => i.status)).toEqual(['ok']);
  });

  it('pages items with the offset and limit clamped', async () => {
    const runner: JobRunner<'predict-keypoints'> = async (ctx) => {
      ctx.setTotal(5);
      for (let index = 0; index < 5; index++) {
        ctx.item({ index, key: `k${index}`, status: 'ok', ms: 1 } as JobItem<'predict-keypoints'>);
      }
      return null as never;
    };
    const { m } = setup(runner);
    const job = m.submit(spec());
    await settled(m, job.id);
    expect(m.items(job.id, 3, 10)).toMatchObject({ total: 5, items: [{ key: 'k3' }, { key: 'k4' }] });
    expect(m.items(job.id, -4, 1.9).items.map((i) => i.key)).toEqual(['k0']);
    expect(m.items(job.id, 0, -1).items).toEqual([]);
  });

  it('shutdown records running work as interrupted by a quit and drains the journal', async () => {
    const r = new SteppedRunner(['a', 'b']);
    const { m, journal } = setup(r.run);
    const job = m.submit(spec());
    await waitFor(() => r.atItem || undefined, 5000);
    await m.shutdown();
    expect(journal.drained).toBe(1);
    const saved = journal.snapshots.get(job.id)!;
    expect(saved.status).toBe('interrupted');
    expect(saved.error?.details?.reason).toBe('quit');
  });

  it('restores a journal: active jobs become interrupted, quit ones resume, a retried item counts once', async () => {
    const base = (id: string, status: JobSnapshot['status'], createdAt: number, reason?: string): JobSnapshot => {
      const { m } = setup(new SteppedRunner([]).run);
      const s = m.submit(spec(id));
      return {
        ...s,
        id,
        status,
        createdAt,
        error: reason ? { code: 'ENGINE_CRASHED', message: 'quit', details: { reason } } : null,
      };
    };
    const items: JobItem[] = [
      { index: 0, key: 'a', status: 'failed', ms: 1, error: { code: 'IMAGE_DECODE_FAILED', message: 'x' } } as JobItem,
      { index: 0, key: 'a', status: 'ok', ms: 1 } as JobItem,
    ];
    const journal = new MemoryJournal([
      { snapshot: base('job-crashed', 'running', 1), items },
      { snapshot: base('job-quit', 'interrupted', 2, 'quit'), items: [] },
      { snapshot: base('job-done', 'completed', 3), items: [] },
    ]);
    const r = new SteppedRunner(['a']);
    const { m } = setup(r.run, journal);
    await m.restore({ resumeQuit: true });
    const crashed = m.get('job-crashed');
    expect(crashed.status).toBe('interrupted');
    expect(crashed.error?.code).toBe('ENGINE_CRASHED');
    expect(crashed.counts).toMatchObject({ ok: 1, failed: 0 });
    expect(m.items('job-crashed', 0, 10).items).toHaveLength(1);
    expect(journal.snapshots.get('job-crashed')?.status).toBe('interrupted');
    expect(['queued', 'running']).toContain(m.get('job-quit').status);
    expect(m.get('job-done').status).toBe('completed');
  });
});
