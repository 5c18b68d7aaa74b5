import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../src/shared/events';
import type { JobSnapshot, JobSpec } from '../../../src/shared/jobs';
import { JobJournal } from '../../../src/engine/jobs/journal';
import { JobManager, type JobRunner, type JobRunners } from '../../../src/engine/jobs/manager';
import { tempDir, waitFor } from '../../helpers';

/** The job manager over a real journal on disk, with stand-in runners. */

const spec = (extra: Record<string, unknown> = {}): JobSpec =>
  ({
    kind: 'predict-keypoints',
    imagesDir: '/nowhere/images',
    outputDir: '/nowhere/out',
    labelsDir: '/nowhere/labels',
    config: {},
    ...extra,
  }) as unknown as JobSpec;

describe('job manager', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let events: EngineEvent[];
  let managers: JobManager[];
  beforeEach(async () => {
    tmp = await tempDir();
    events = [];
    managers = [];
  });
  afterEach(async () => {
    for (const m of managers) await m.shutdown();
    await tmp.cleanup();
  });

  const manager = (runner: JobRunner<'predict-keypoints'>, dir = join(tmp.path, 'jobs')): JobManager => {
    const m = new JobManager({
      runners: { 'predict-keypoints': runner } as unknown as JobRunners,
      journal: new JobJournal(dir),
      emit: (e) => events.push(e),
      now: () => Date.now(),
      checkpointMs: 0,
    });
    managers.push(m);
    return m;
  };
  const settled = (m: JobManager, id: string): Promise<JobSnapshot> =>
    waitFor(() => {
      const s = m.get(id);
      return ['completed', 'failed', 'cancelled', 'interrupted'].includes(s.status) ? s : undefined;
    });

  /** a: ok; b: fails on the first run only; c: the first run dies before it (the job fails). */
  const flaky = (): { runner: JobRunner<'predict-keypoints'>; runs: string[][] } => {
    const runs: string[][] = [];
    const runner: JobRunner<'predict-keypoints'> = async (ctx) => {
      const seen: string[] = [];
      runs.push(seen);
      ctx.setTotal(3);
      for (const [index, key] of ['a', 'b', 'c'].entries()) {
        await ctx.checkpoint();
        if (ctx.previous(key)) continue;
        seen.push(key);
        if (key === 'c' && runs.length === 1) throw new Error('the engine fell over');
        const fail = key === 'b' && runs.length === 1;
        ctx.item(
          fail
            ? { index, key, status: 'failed', error: { code: 'IMAGE_DECODE_FAILED', message: 'bad' }, ms: 1 }
            : { index, key, status: 'ok', ms: 1 },
        );
      }
      return null as never;
    };
    return { runner, runs };
  };

  it('retries the items that failed before when a job is resumed, and the journal keeps the retry', async () => {
    const { runner, runs } = flaky();
    const m = manager(runner);
    const job = m.submit(spec());
    expect((await settled(m, job.id)).status).toBe('failed');
    m.resume(job.id);
    const done = await settled(m, job.id);
    expect(runs).toEqual([
      ['a', 'b', 'c'],
      ['b', 'c'],
    ]);
    expect(done).toMatchObject({ status: 'completed', done: 3, counts: { ok: 3, failed: 0, skipped: 0 } });
    expect(m.items(job.id, 0, 10).items.map((i) => [i.key, i.status])).toEqual([
      ['a', 'ok'],
      ['b', 'ok'],
      ['c', 'ok'],
    ]);
    // Read back from the journal (an engine restart): the retried item, once.
    await m.shutdown();
    const again = manager(runner);
    await again.restore();
    expect(again.get(job.id)).toMatchObject({ done: 3, counts: { ok: 3, failed: 0 } });
    expect(again.items(job.id, 0, 10).items.map((i) => [i.key, i.status])).toEqual([
      ['a', 'ok'],
      ['b', 'ok'],
      ['c', 'ok'],
    ]);
  });

  it('keeps the failed items of a resumed job with retryFailed: false', async () => {
    const { runner, runs } = flaky();
    const m = manager(runner);
    const job = m.submit(spec({ retryFailed: false }));
    await settled(m, job.id);
    m.resume(job.id);
    const done = await settled(m, job.id);
    expect(runs).toEqual([['a', 'b', 'c'], ['c']]);
    expect(done).toMatchObject({ status: 'completed', counts: { ok: 2, failed: 1 } });
  });

  it('reports journal write failures as a warning event and in the job, and the job still runs', async () => {
    // The journal's folder cannot be made: a file is in its way.
    const blocked = join(tmp.path, 'not-a-folder');
    await writeFile(blocked, 'in the way');
    const m = manager(
      async (ctx) => {
        ctx.setTotal(1);
        ctx.item({ index: 0, key: 'a', status: 'ok', ms: 1 });
        return null as never;
      },
      join(blocked, 'jobs'),
    );
    const job = m.submit(spec());
    await settled(m, job.id);
    const final = await waitFor(() => {
      const s = m.get(job.id);
      return s.warnings?.length ? s : undefined;
    }, 10_000);
    expect(final.status).toBe('completed');
    expect(final.warnings?.[0]).toMatchObject({ code: 'IO_ERROR' });
    expect(final.warnings?.[0]?.message).toMatch(/job journal.*not-a-folder/);
    const logged = events.filter((e) => e.name === 'log' && e.payload.level === 'warn');
    expect(logged.length).toBeGreaterThan(0);
    expect(logged[0]).toMatchObject({ payload: { jobId: job.id, source: 'jobs' } });
    // The warning reaches whoever follows the job's progress.
    expect(
      events.some((e) => e.name === 'job:progress' && e.payload.id === job.id && (e.payload.warnings?.length ?? 0) > 0),
    ).toBe(true);
  });
});
