import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../src/shared/jobs';
import { waitFor } from '../helpers';
import { ok, startHarness, type Harness } from './engine-harness';

/**
 * The engine as a real child process: real ONNX Runtime sessions on real (generated) models,
 * job events over IPC, a SIGKILL mid-job.
 */
describe('engine process', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const jobOf = async (id: string): Promise<JobSnapshot> => {
    const list = await ok(h.engine.request('jobs.list', null));
    const job = list.find((j) => j.id === id);
    if (!job) throw new Error(`no job ${id}`);
    return job;
  };

  it('reports what it runs on', async () => {
    const info = await ok(h.engine.request('engine.info', null));
    expect(info.pid).toBe(h.engine.pid);
    expect(info.onnxruntime).toBe('1.30.0');
    expect(info.availableProviders).toContain('cpu');
    expect(info.plan[info.plan.length - 1]).toBe('cpu');
    // Every accelerator of the build was started once: one that cannot run here says why in words.
    for (const [p, why] of Object.entries(info.unusableProviders)) {
      expect(info.availableProviders).toContain(p);
      expect(why).not.toMatch(/onnxruntime_src|::<lambda/);
    }
    // This Linux machine has no GPU (no Vulkan loader): WebGPU, in the build, cannot start.
    if (process.platform === 'linux' && !existsSync('/usr/lib/x86_64-linux-gnu/libvulkan.so.1'))
      expect(info.unusableProviders.webgpu).toMatch(/no GPU adapter for WebGPU/);
  });

  it('lists models: manifest, Ultralytics metadata, and a corrupt file with its reason', async () => {
    const models = await ok(h.engine.request('models.list', { probe: true }));
    const byId = Object.fromEntries(models.map((m) => [m.id, m]));
    expect(Object.keys(byId).sort()).toEqual(['corrupt', 'fixture-blur', 'tiny-pose']);
    expect(byId['fixture-blur']).toMatchObject({
      task: 'restoration',
      taskSource: 'manifest',
      layout: 'image',
      error: null,
    });
    expect(byId['fixture-blur']?.provider?.active).toBe('cpu');
    expect(byId['fixture-blur']?.loadMs).toBeGreaterThan(0);
    expect(byId['tiny-pose']).toMatchObject({ task: 'pose', taskSource: 'metadata', layout: 'yolo-pose' });
    expect(byId['tiny-pose']?.outputs[0]?.dims).toEqual([1, 20, 64]);
    expect(byId.corrupt?.error?.code).toBe('MODEL_LOAD_FAILED');
    expect(byId.corrupt?.provider).toBeNull();
  });

  it('runs a benchmark job to completion with throttled progress', async () => {
    const job = await ok(
      h.engine.request('jobs.submit', { kind: 'benchmark-model', modelId: 'fixture-blur', iterations: 400 }),
    );
    const done = await waitFor(
      async () => {
        const j = await jobOf(job.id);
        return j.status === 'completed' ? j : undefined;
      },
      60_000,
      'benchmark to complete',
    );
    expect(done.done).toBe(400);
    expect(done.counts).toEqual({ ok: 400, failed: 0, skipped: 0 });
    expect(done.provider?.active).toBe('cpu');
    expect(done.result).toMatchObject({ modelId: 'fixture-blur', inputShape: [1, 3, 256, 256] });
    const result = done.result as { medianMs: number; p90Ms: number; minMs: number };
    expect(result.medianMs).toBeGreaterThan(0);
    expect(result.p90Ms).toBeGreaterThanOrEqual(result.medianMs);

    // Before its first run the job said what it was waiting for, then cleared it; the log times it.
    const phases = h.events.flatMap((e) =>
      e.event.name === 'job:progress' && e.event.payload.id === job.id ? [e.event.payload.phase ?? null] : [],
    );
    expect(phases).toContain('Reading the model');
    expect(phases.some((p) => p?.startsWith('Loading Fixture box blur on '))).toBe(true);
    expect(phases.at(-1)).toBeNull();
    expect(done.phase ?? null).toBeNull();
    const logs = h.events.flatMap((e) =>
      e.event.name === 'log' && e.event.payload.jobId === job.id ? [e.event.payload.message] : [],
    );
    expect(logs.some((m) => /^Fixture box blur: read in \d+ ms, session ready in \d+ ms$/.test(m))).toBe(true);

    // Every item arrived once, through job:items events.
    const items = h.events.flatMap((e) =>
      e.event.name === 'job:items' && e.event.payload.jobId === job.id ? e.event.payload.items : [],
    );
    expect(new Set(items.map((i) => i.key)).size).toBe(400);
    const page = await ok(h.engine.request('jobs.items', { jobId: job.id, offset: 390, limit: 50 }));
    expect(page.total).toBe(400);
    expect(page.items).toHaveLength(10);

    // ≤ 10 progress events per second, plus the forced ones on a change of status, phase or provider
    // (each throttled one comes ≥ 100 ms after the one before it, forced or not).
    const progress = h.events.flatMap((e) =>
      e.event.name === 'job:progress' && e.event.payload.id === job.id ? [{ at: e.at, job: e.event.payload }] : [],
    );
    const transition = (i: number): boolean => {
      const [a, b] = [progress[i - 1]?.job, progress[i]!.job];
      return !a || a.status !== b.status || (a.phase ?? null) !== (b.phase ?? null) || !a.provider !== !b.provider;
    };
    const times = progress.filter((_, i) => !transition(i)).map((p) => p.at);
    expect(progress.length - times.length).toBeLessThanOrEqual(8);
    for (let i = 0; i < times.length; i++) {
      const inWindow = times.filter((t) => t >= (times[i] as number) && t < (times[i] as number) + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(12); // 10, and slack for delivery jitter
    }
    const last = h.events.filter((e) => e.event.name === 'job:progress' && e.event.payload.id === job.id).at(-1);
    expect(last?.event.payload).toMatchObject({ status: 'completed', done: 400 });
  });

  it('pauses, resumes and cancels', async () => {
    const job = await ok(
      h.engine.request('jobs.submit', { kind: 'benchmark-model', modelId: 'fixture-blur', iterations: 100_000 }),
    );
    await waitFor(async () => (await jobOf(job.id)).done > 20, 30_000, 'progress');
    expect((await ok(h.engine.request('jobs.pause', { jobId: job.id }))).status).toBe('paused');
    const frozen = (await jobOf(job.id)).done;
    await new Promise((r) => setTimeout(r, 400));
    expect((await jobOf(job.id)).done).toBeLessThanOrEqual(frozen + 1);
    expect((await ok(h.engine.request('jobs.resume', { jobId: job.id }))).status).toBe('running');
    await waitFor(async () => (await jobOf(job.id)).done > frozen + 20, 30_000, 'progress after resume');
    const cancelled = await ok(h.engine.request('jobs.cancel', { jobId: job.id }));
    expect(cancelled.status).toBe('cancelled');
    const at = (await jobOf(job.id)).done;
    await new Promise((r) => setTimeout(r, 300));
    const after = await jobOf(job.id);
    expect(after.status).toBe('cancelled');
    expect(after.done).toBeLessThanOrEqual(at + 1);
    expect(after.done).toBeLessThan(100_000);
    // A finished job cannot be resumed; removing it clears it from the list and the journal.
    const again = await h.engine.request('jobs.resume', { jobId: job.id });
    expect(again.ok ? null : again.error.code).toBe('JOB_STATE');
    await ok(h.engine.request('jobs.remove', { jobId: job.id }));
    expect((await ok(h.engine.request('jobs.list', null))).map((j) => j.id)).not.toContain(job.id);
  });

  it('queues jobs and runs them one at a time', async () => {
    const a = await ok(
      h.engine.request('jobs.submit', { kind: 'benchmark-model', modelId: 'fixture-blur', iterations: 60 }),
    );
    const b = await ok(
      h.engine.request('jobs.submit', { kind: 'benchmark-model', modelId: 'tiny-pose', iterations: 60 }),
    );
    expect(b.status).toBe('queued');
    await waitFor(async () => (await jobOf(b.id)).status === 'completed', 30_000, 'second job');
    const ja = await jobOf(a.id);
    const jb = await jobOf(b.id);
    expect(ja.status).toBe('completed');
    expect(jb.startedAt as number).toBeGreaterThanOrEqual(ja.finishedAt as number);
    expect(jb.result).toMatchObject({ inputShape: [1, 3, 64, 64] });
  });

  it('answers bad requests with typed errors', async () => {
    const missing = await h.engine.request('jobs.pause', { jobId: 'job-nope' });
    expect(missing.ok ? null : missing.error.code).toBe('JOB_NOT_FOUND');
    const bad = await h.engine.request('jobs.submit', { kind: 'benchmark-model', modelId: 'x', iterations: -3 });
    expect(bad.ok ? null : bad.error.code).toBe('INVALID_ARGUMENT');
    const job = await ok(
      h.engine.request('jobs.submit', { kind: 'benchmark-model', modelId: 'corrupt', iterations: 3 }),
    );
    const failed = await waitFor(async () => {
      const j = await jobOf(job.id);
      return j.status === 'failed' ? j : undefined;
    });
    expect(failed.error?.code).toBe('MODEL_LOAD_FAILED');
    const unknown = await h.engine.request('jobs.submit', {
      kind: 'benchmark-model',
      modelId: 'not-there',
      iterations: 3,
    });
    expect(unknown.ok).toBe(true);
    const nf = await waitFor(async () => {
      const j = await jobOf((unknown as { value: JobSnapshot }).value.id);
      return j.status === 'failed' ? j : undefined;
    });
    expect(nf.error?.code).toBe('NOT_FOUND');
  });

  it('survives a SIGKILL mid-job: the crash is reported, the engine restarts, the job is interrupted and resumes', async () => {
    const job = await ok(
      h.engine.request('jobs.submit', { kind: 'benchmark-model', modelId: 'fixture-blur', iterations: 100_000 }),
    );
    await waitFor(async () => (await jobOf(job.id)).done > 100, 30_000, 'progress before the kill');
    // Progress is reported before its journal append lands; kill only once some items are on disk,
    // or the first append can still be in flight and the restarted engine rightly reports 0 done.
    const journalPath = join(h.config.stateDir, 'jobs', `${job.id}.items.jsonl`);
    await waitFor(
      async () => (await readFile(journalPath, 'utf8').catch(() => '')).includes('\n'),
      30_000,
      'items in the journal before the kill',
    );
    const pid = h.engine.pid as number;
    process.kill(pid, 'SIGKILL');

    const crashed = await waitFor(
      () => h.events.find((e) => e.event.name === 'engine:status' && e.event.payload.state === 'crashed'),
      10_000,
      'crash event',
    );
    expect(crashed.event.name === 'engine:status' && crashed.event.payload.interruptedJobs).toEqual([job.id]);
    expect(crashed.event.name === 'engine:status' && crashed.event.payload.error?.code).toBe('ENGINE_CRASHED');
    await waitFor(() => h.engine.state === 'ready' && h.engine.pid !== pid, 20_000, 'restart');
    expect(h.engine.restartCount).toBe(1);

    const interrupted = await jobOf(job.id);
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.error?.code).toBe('ENGINE_CRASHED');
    expect(interrupted.done).toBeGreaterThan(0);

    // The journal on disk agrees with what the new engine reports.
    const journal = (await readFile(journalPath, 'utf8')).trim().split('\n');
    expect(journal.length).toBe(interrupted.done);

    await ok(h.engine.request('jobs.resume', { jobId: job.id }));
    await waitFor(async () => (await jobOf(job.id)).done > interrupted.done + 50, 30_000, 'progress after resume');
    const resumed = await ok(h.engine.request('jobs.cancel', { jobId: job.id }));
    expect(resumed.resumes).toBe(1);
    const page = await ok(h.engine.request('jobs.items', { jobId: job.id, offset: 0, limit: 5000 }));
    expect(new Set(page.items.map((i) => i.key)).size).toBe(page.items.length);
  });

  it('carries on after a quit when the host is interactive; a batch host leaves the job for Resume', async () => {
    const job = await ok(
      h.engine.request('jobs.submit', { kind: 'benchmark-model', modelId: 'fixture-blur', iterations: 100_000 }),
    );
    await waitFor(async () => (await jobOf(job.id)).done > 50, 30_000, 'progress before quitting');

    // A batch host (the CLI) starts on the same state: the job waits, marked as quit.
    await h.engine.stop();
    await h.engine.start();
    const waiting = await jobOf(job.id);
    expect(waiting.status).toBe('interrupted');
    expect(waiting.error?.details?.reason).toBe('quit');

    // The app starts again: the job continues by itself.
    await h.engine.stop();
    h.config.resumeQuitJobs = true;
    await h.engine.start();
    const resumed = await jobOf(job.id);
    expect(['queued', 'running']).toContain(resumed.status);
    expect(resumed.resumes).toBe(1);
    await waitFor(async () => (await jobOf(job.id)).done > waiting.done + 20, 30_000, 'progress after restart');
    await ok(h.engine.request('jobs.cancel', { jobId: job.id }));
  });
});
