import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newSnapshot } from '../../../src/core/jobs/job-record';
import type { JobSnapshot } from '../../../src/shared/jobs';
import type { Result } from '../../../src/shared/result';
import { connectEvents, createAppStore, type AppStore } from '../../../src/renderer/store/app-store';
import { jpeg } from '../../fixtures/images';
import { waitFor } from '../../helpers';
import { hostApiForSuite } from '../host-api';

const snapshot = (id: string, createdAt: number, status: JobSnapshot['status'] = 'running'): JobSnapshot => ({
  ...newSnapshot(id, { kind: 'scan-images', folder: `/photos/${id}` }, createdAt),
  status,
});

/**
 * The app-wide store, driven through a real host and engine: jobs submitted, followed through
 * the event stream, paused and removed; settings read and changed; the model catalog. Events the
 * engine sends rarely (a crash, a provider fallback, a menu command) are fed in directly.
 */
describe('the app store', () => {
  const suite = hostApiForSuite();

  const notices = (store: AppStore): string[] => store.getState().notices.map((n) => `${n.kind}: ${n.message}`);

  it('navigates between sections and opens or closes the jobs panel', () => {
    const store = createAppStore(suite.api);
    const s = store.getState;
    // Closed on load; it opens when a job starts.
    expect([s().section, s().jobsOpen]).toEqual(['keypoints', false]);
    s().setSection('compare');
    s().toggleJobs();
    expect([s().section, s().jobsOpen]).toEqual(['compare', true]);
    s().toggleJobs();
    s().toggleJobs(false);
    expect(s().jobsOpen).toBe(false);
    s().selectJob('j1');
    expect([s().selectedJobId, s().jobsOpen]).toEqual(['j1', true]);
  });

  it('opens the jobs panel when a job starts, not for the folder scan the app runs by itself', () => {
    const store = createAppStore(suite.api);
    const apply = store.getState().applyEvent;
    apply({ name: 'job:progress', payload: snapshot('scan', 1) });
    expect(store.getState().jobsOpen).toBe(false);
    apply({ name: 'job:progress', payload: { ...snapshot('old', 2, 'completed'), kind: 'predict-keypoints' } });
    expect(store.getState().jobsOpen).toBe(false);
    // Nor for the background re-predict a saved review starts (it would cover the editor on every Enter).
    const relabel = snapshot('relabel', 3);
    apply({
      name: 'job:progress',
      payload: {
        ...relabel,
        kind: 'predict-keypoints',
        spec: { ...relabel.spec, relabelFrom: ['PATEK_nab_001_03'] },
      } as JobSnapshot,
    });
    expect(store.getState().jobsOpen).toBe(false);
    apply({ name: 'job:progress', payload: { ...snapshot('predict', 4), kind: 'predict-keypoints' } });
    expect(store.getState().jobsOpen).toBe(true);
  });

  it('follows a submitted job through the engine’s events to the end, then removes it', async () => {
    const store = createAppStore(suite.api);
    const stop = connectEvents(suite.api, store);
    const photos = join(suite.dir, 'photos');
    await mkdir(photos, { recursive: true });
    for (const n of ['a', 'b', 'c']) await writeFile(join(photos, `${n}.jpg`), await jpeg(64, 48));
    expect((await suite.api.folders.open(photos)).ok).toBe(true);
    const job = await store.getState().submitJob({ kind: 'scan-images', folder: photos });
    expect(job).not.toBeNull();
    expect(store.getState().jobOrder[0]).toBe(job!.id);
    await waitFor(() => store.getState().jobs[job!.id]?.status === 'completed', 30_000, 'the scan to complete');
    expect(store.getState().jobs[job!.id]?.counts.ok).toBe(3);

    const fresh = createAppStore(suite.api);
    await fresh.getState().refreshJobs();
    expect(fresh.getState().jobs[job!.id]?.status).toBe('completed');

    store.getState().selectJob(job!.id);
    await store.getState().jobAction(job!.id, 'remove');
    await waitFor(() => !(job!.id in store.getState().jobs), 10_000, 'the job to go');
    expect(store.getState().jobOrder).not.toContain(job!.id);
    expect(store.getState().selectedJobId).toBeNull();
    stop();
  });

  it('turns a refused request into a notice', async () => {
    const store = createAppStore(suite.api);
    await store.getState().jobAction('no-such-job', 'pause');
    expect(notices(store)).toHaveLength(1);
    expect(await store.getState().submitJob({ kind: 'scan-images', folder: join(suite.dir, 'not-there') })).toBeNull();
    expect(notices(store)).toHaveLength(2);
  });

  it('orders jobs newest first, a new job slotting in, a known one keeping its place', () => {
    const store = createAppStore(suite.api);
    const apply = store.getState().applyEvent;
    apply({ name: 'job:progress', payload: snapshot('old', 1) });
    apply({ name: 'job:progress', payload: snapshot('new', 3) });
    apply({ name: 'job:progress', payload: snapshot('middle', 2) });
    expect(store.getState().jobOrder).toEqual(['new', 'middle', 'old']);
    apply({ name: 'job:progress', payload: { ...snapshot('old', 1), done: 5 } });
    expect(store.getState().jobOrder).toEqual(['new', 'middle', 'old']);
    expect(store.getState().jobs.old?.done).toBe(5);
    apply({ name: 'job:removed', payload: { jobId: 'middle' } });
    expect(store.getState().jobOrder).toEqual(['new', 'old']);
  });

  it('keeps the newer snapshot of a job when an older one arrives after it, and a removed job removed', () => {
    const store = createAppStore(suite.api);
    const apply = store.getState().applyEvent;
    const job = (revision: number, status: JobSnapshot['status'], done: number): JobSnapshot => ({
      ...snapshot('bench', 1, status),
      done,
      revision,
    });
    // A submit's answer (revision 11, 0 done) arrives after the events that finished the job.
    apply({ name: 'job:progress', payload: job(12, 'running', 25) });
    apply({ name: 'job:progress', payload: job(13, 'completed', 50) });
    apply({ name: 'job:progress', payload: job(11, 'running', 0) });
    expect([store.getState().jobs.bench?.status, store.getState().jobs.bench?.done]).toEqual(['completed', 50]);
    // The same revision again, or a newer one, applies.
    apply({ name: 'job:progress', payload: { ...job(13, 'completed', 50), title: 'same revision' } });
    expect(store.getState().jobs.bench?.title).toBe('same revision');
    apply({ name: 'job:removed', payload: { jobId: 'bench' } });
    apply({ name: 'job:progress', payload: job(14, 'completed', 50) });
    expect('bench' in store.getState().jobs).toBe(false);
  });

  it('merges a job list with the events that overtook it', async () => {
    let answer: (list: JobSnapshot[]) => void = () => {};
    const api = {
      ...suite.api,
      jobs: {
        ...suite.api.jobs,
        list: () => new Promise<Result<JobSnapshot[]>>((resolve) => (answer = (value) => resolve({ ok: true, value }))),
      },
    };
    const store = createAppStore(api);
    const apply = store.getState().applyEvent;
    // What the window had before it asked: one the engine still has, one removed meanwhile, and
    // one the engine no longer has (an engine restarted without it).
    apply({ name: 'job:progress', payload: { ...snapshot('stale', 1), revision: 10 } });
    apply({ name: 'job:progress', payload: { ...snapshot('gone', 3), revision: 11 } });
    apply({ name: 'job:progress', payload: { ...snapshot('dropped', 0), revision: 99 } });
    const refreshed = store.getState().refreshJobs();
    // While the list is on its way: 'stale' finishes, 'later' is submitted, 'gone' is removed.
    apply({ name: 'job:progress', payload: { ...snapshot('stale', 1, 'completed'), revision: 30 } });
    apply({ name: 'job:progress', payload: { ...snapshot('later', 4), revision: 31 } });
    apply({ name: 'job:removed', payload: { jobId: 'gone' } });
    answer([
      { ...snapshot('stale', 1), revision: 20 },
      { ...snapshot('fresh', 2), revision: 21 },
      { ...snapshot('gone', 3), revision: 22 },
    ]);
    await refreshed;
    const { jobs, jobOrder } = store.getState();
    expect(jobOrder).toEqual(['later', 'fresh', 'stale']);
    expect([jobs.stale?.status, jobs.stale?.revision]).toEqual(['completed', 30]);
    expect(jobs.fresh?.revision).toBe(21);
  });

  it('tells the user when the engine crashes or stops, and lists the jobs again once it is back', async () => {
    const store = createAppStore(suite.api);
    const apply = store.getState().applyEvent;
    apply({
      name: 'engine:status',
      payload: { state: 'crashed', pid: null, restarts: 1, interruptedJobs: ['a', 'b'] },
    });
    expect(store.getState().engineState).toBe('crashed');
    expect(notices(store)).toEqual([
      'error: The engine stopped unexpectedly and is restarting. 2 running job(s) were interrupted.',
    ]);
    // Restarts only count up, whatever order the events come in.
    apply({ name: 'engine:status', payload: { state: 'starting', pid: null, restarts: 0 } });
    expect(store.getState().engineRestarts).toBe(1);
    apply({
      name: 'engine:status',
      payload: { state: 'stopped', pid: null, restarts: 1, error: { code: 'ENGINE_CRASHED', message: 'gave up' } },
    });
    expect(notices(store).at(-1)).toBe('error: gave up');
    apply({ name: 'job:progress', payload: snapshot('ghost', 1) });
    apply({ name: 'engine:status', payload: { state: 'ready', pid: 1, restarts: 1 } });
    // Ready: the list is the engine's again (the ghost it never had is gone).
    await waitFor(() => !('ghost' in store.getState().jobs), 10_000, 'the jobs to be listed again');
  });

  it('reports a provider fallback and obeys the native menu', () => {
    const store = createAppStore(suite.api);
    const apply = store.getState().applyEvent;
    apply({
      name: 'provider:fallback',
      payload: {
        modelId: 'loupe-restore-unet',
        provider: { requested: 'cuda', plan: ['cuda', 'cpu'], active: 'cpu', fallbackReason: 'no CUDA' },
      },
    });
    expect(notices(store)).toEqual(['info: loupe-restore-unet runs on cpu: no CUDA']);
    const sections: string[] = [];
    for (const command of ['show-compare', 'show-models', 'show-settings', 'open-folder', 'show-keypoints'] as const) {
      apply({ name: 'menu:command', payload: { command } });
      sections.push(store.getState().section);
    }
    expect(sections).toEqual(['compare', 'models', 'settings', 'keypoints', 'keypoints']);
    apply({ name: 'menu:command', payload: { command: 'toggle-jobs' } });
    expect(store.getState().jobsOpen).toBe(true);
  });

  it('reads and changes the settings, leaving them as they were when a change is refused', async () => {
    const store = createAppStore(suite.api);
    await store.getState().loadSettings();
    const before = store.getState().settings!;
    expect(before.thumbnailSize).toBeGreaterThan(0);
    expect(await store.getState().updateSettings({ reviewer: 'store-test' })).toBeNull();
    expect(store.getState().settings?.reviewer).toBe('store-test');
    const refused = await store.getState().updateSettings({ threads: -3 });
    expect(refused?.code).toBeTruthy();
    expect(store.getState().settings?.threads).toBe(before.threads);
    await waitFor(() => store.getState().info !== null, 10_000, 'the app info to be reloaded');
  });

  it('loads the app info and the model catalog', async () => {
    const store = createAppStore(suite.api);
    await store.getState().loadInfo();
    expect(store.getState().info?.name).toBe('Loupe');
    expect(store.getState().engineState).toBe('ready');
    await store.getState().loadModels(false);
    const s = store.getState();
    expect([s.modelsState, s.modelsProbed]).toEqual(['ready', false]);
    expect(s.models.map((m) => m.id)).toContain('loupe-restore-unet');
  });

  it('shows the quick list before probing the models, when it has none yet', async () => {
    const asked: (boolean | undefined)[] = [];
    const store = createAppStore({
      ...suite.api,
      models: {
        ...suite.api.models,
        list: (options) => {
          asked.push(options?.probe);
          return suite.api.models.list(options);
        },
      },
    });
    await store.getState().loadModels(true);
    expect(asked).toEqual([false, true]);
    expect([store.getState().modelsState, store.getState().modelsProbed]).toEqual(['ready', true]);
    await store.getState().loadModels(true);
    expect(asked).toEqual([false, true, true]);
  });

  it('keeps the last five notices, and dismisses one', () => {
    const store = createAppStore(suite.api);
    for (let i = 1; i <= 7; i++) store.getState().notify('info', `n${i}`);
    const list = store.getState().notices;
    expect(list.map((n) => n.message)).toEqual(['n3', 'n4', 'n5', 'n6', 'n7']);
    store.getState().dismiss(list[0]!.id);
    expect(store.getState().notices.map((n) => n.message)).toEqual(['n4', 'n5', 'n6', 'n7']);
    expect(store.getState().check({ ok: true, value: 42 })).toBe(42);
    expect(store.getState().check({ ok: false, error: { code: 'INTERNAL', message: 'nope' } })).toBeNull();
    expect(store.getState().notices.at(-1)?.message).toBe('nope');
  });

  it('asks a Python what it has, and says why one does not answer', async () => {
    const store = createAppStore(suite.api);
    const checking = store.getState().checkPython(join(suite.dir, 'no-python'));
    expect(store.getState().pythonCheck.checking).toBe(true);
    await checking;
    const c = store.getState().pythonCheck;
    expect([c.checking, c.executable]).toEqual([false, join(suite.dir, 'no-python')]);
    // Either the verb failed or the check ran and says why not.
    expect(c.error ?? c.check?.error).toBeTruthy();
    expect(c.check?.ok ?? false).toBe(false);
  });
});
