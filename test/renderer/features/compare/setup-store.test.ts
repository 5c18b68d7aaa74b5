import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobSnapshot, RestoreFramesSpec } from '../../../../src/shared/jobs';
import { newSnapshot } from '../../../../src/core/jobs/job-record';
import {
  canRun,
  compareRuns,
  countModels,
  fieldsFromSpec,
  isCompareRun,
  runToRestore,
  missingForRun,
  suggestedOutputDir,
  createSetupStore,
  modelSources,
  outputDir,
  restorationModels,
  restoreSpec,
  selectedModels,
  type SetupStore,
} from '../../../../src/renderer/features/compare/setup-store';
import { createAppStore, type AppStore } from '../../../../src/renderer/store/app-store';
import { jpeg } from '../../../fixtures/images';
import { repoRoot, waitFor } from '../../../helpers';
import { hostApiForSuite } from '../../host-api';

const SAMPLES = join(repoRoot, 'resources', 'samples');

/**
 * Compare's setup form, driven through a real host and engine: the model catalog, the sample
 * clip's MLflow file store, folder grants and the restore job it submits.
 */
describe('the compare setup store', () => {
  const suite = hostApiForSuite();
  let app: AppStore;
  const notices: string[] = [];
  const setup = (): SetupStore =>
    createSetupStore({
      api: suite.api,
      submitJob: (spec) => app.getState().submitJob(spec),
      listJobs: async () => {
        await app.getState().refreshJobs();
        return Object.values(app.getState().jobs);
      },
      models: () => app.getState().models,
      notify: (_kind, message) => void notices.push(message),
    });

  beforeAll(async () => {
    app = createAppStore(suite.api);
    await app.getState().loadModels(false);
    await app.getState().loadInfo();
  });

  it('defaults to the bundled restoration models and an output folder beside the frames', () => {
    const store = setup();
    const restoration = restorationModels(app.getState().models);
    expect(restoration.length).toBeGreaterThan(0);
    expect(restoration.every((m) => m.task === 'restoration')).toBe(true);
    const s = store.getState();
    expect(selectedModels(s, restoration)).toEqual(restoration.filter((m) => m.source === 'bundled').map((m) => m.id));
    expect(canRun(s, restoration)).toBe(false);
    s.update({ frames: '/data/clip/frames/' });
    // The outputs folder is never filled in from the frames folder: it is offered, and the run waits.
    expect(outputDir(store.getState())).toBe('');
    expect(missingForRun(store.getState(), restoration)).toBe('Choose the outputs folder.');
    expect(suggestedOutputDir(store.getState())).toBe('/data/clip/output_inference');
    expect(suggestedOutputDir({ frames: 'C:\\clip\\frames' })).toBe('C:\\clip\\output_inference');
    store.getState().update({ out: suggestedOutputDir(store.getState()) });
    expect(canRun(store.getState(), restoration)).toBe(true);
    store.getState().update({ out: '' });
    expect(canRun(store.getState(), restoration)).toBe(false);
  });

  it('takes metric models one per line, with their options; a bad line or no ground truth keeps Run disabled', () => {
    const store = setup();
    const restoration = restorationModels(app.getState().models);
    store.getState().update({ frames: '/clip/frames', out: '/clip/out', metricModels: '/m/lpips.onnx\n' });
    expect(missingForRun(store.getState(), restoration)).toMatch(/ground-truth folder/);
    store.getState().update({ gt: '/clip/gt' });
    expect(missingForRun(store.getState(), restoration)).toBeNull();
    store.getState().update({ metricModels: '/m/lpips.onnx\n\n  /m/dists.onnx,better=higher,range=0:1  ' });
    expect(restoreSpec(store.getState(), restoration).metricModels).toEqual([
      { path: '/m/lpips.onnx' },
      { path: '/m/dists.onnx', better: 'higher', inputRange: [0, 1] },
    ]);
    store.getState().update({ metricModels: '/m/lpips.onnx,better=up' });
    expect(missingForRun(store.getState(), restoration)).toMatch(/better= must be lower or higher/);
    store.getState().update({ metricModels: ' \n' });
    expect(restoreSpec(store.getState(), restoration).metricModels).toBeUndefined();
  });

  it('picks and unpicks catalog models starting from the default selection', () => {
    const store = setup();
    const restoration = restorationModels(app.getState().models);
    const [first, ...rest] = selectedModels(store.getState(), restoration);
    store.getState().pick(first!, false);
    expect(store.getState().picked).toEqual(rest);
    store.getState().pick(first!, true);
    expect(store.getState().picked).toEqual([...rest, first]);
  });

  it('fills in the sample clip, suggests its MLflow experiments and lists their runs', async () => {
    const store = setup();
    store.getState().fillSamples(app.getState().info);
    const s = store.getState();
    expect([s.frames, s.gt, s.uri, s.experiment]).toEqual([
      join(SAMPLES, 'frames'),
      join(SAMPLES, 'frames_gt'),
      join(SAMPLES, 'mlruns'),
      'loupe-restoration',
    ]);
    expect(s.out).toBe(join(suite.dir, 'data', 'output_inference', 'samples'));
    await s.loadExperiments();
    expect(store.getState().experiments).toContain('loupe-restoration');
    await store.getState().listRuns();
    const { runs, runIds, listing } = store.getState();
    expect(listing).toBe(false);
    expect(runs!.length).toBeGreaterThan(0);
    expect(runIds).toEqual(runs!.filter((r) => r.model.ok).map((r) => r.runId));
    const sources = modelSources(store.getState(), []);
    expect(sources).toEqual([
      { type: 'mlflow', uri: join(SAMPLES, 'mlruns'), experiment: 'loupe-restoration', runIds },
    ]);
    expect(countModels(sources, runIds, null)).toBe(runIds.length);
  });

  it('counts a folder by the models it holds once read: 3 bundled + a folder of the same 3 are 6', async () => {
    const folder = join(suite.dir, 'three-models');
    for (const id of ['loupe-restore-unet', 'loupe-restore-dncnn', 'loupe-restore-nafnet']) {
      await mkdir(join(folder, id), { recursive: true });
      for (const f of ['model.onnx', 'model.json'])
        await copyFile(join(repoRoot, 'resources', 'models', id, f), join(folder, id, f));
    }
    const store = setup();
    const restoration = restorationModels(app.getState().models);
    store.getState().update({ folder });
    const sources = () => modelSources(store.getState(), selectedModels(store.getState(), restoration));
    expect(countModels(sources(), [], store.getState().folderModels)).toBeNull();
    store.getState().update({ frames: '/clip/frames', out: '/clip/out' });
    expect(missingForRun(store.getState(), restoration)).toBe('Reading the model folder…');
    await store.getState().loadFolderModels();
    expect(missingForRun(store.getState(), restoration)).toBeNull();
    expect(store.getState().folderError).toBeNull();
    expect(selectedModels(store.getState(), restoration)).toHaveLength(3);
    expect(countModels(sources(), [], store.getState().folderModels)).toBe(6);
    // A folder that is not there says so instead of counting.
    store.getState().update({ folder: join(suite.dir, 'no-such-folder') });
    await store.getState().loadFolderModels();
    expect(store.getState().folderModels).toBeNull();
    expect(store.getState().folderError).toBeTruthy();
    expect(missingForRun(store.getState(), restoration)).toBe(store.getState().folderError);
  });

  it('does not ask a tracking server for suggestions, nor keep an answer for a URI no longer typed', async () => {
    const store = setup();
    store.getState().update({ uri: 'http://127.0.0.1:9/' });
    await store.getState().loadExperiments();
    expect(store.getState().experiments).toEqual([]);
    store.getState().update({ uri: join(SAMPLES, 'mlruns') });
    const asked = store.getState().loadExperiments();
    store.getState().update({ uri: '/elsewhere' });
    await asked;
    expect(store.getState().experiments).toEqual([]);
  });

  it('says why runs could not be listed', async () => {
    const store = setup();
    store.getState().update({ uri: join(suite.dir, 'no-mlruns'), experiment: 'nothing' });
    notices.length = 0;
    await store.getState().listRuns();
    expect(store.getState().runs).toBeNull();
    expect(notices).toHaveLength(1);
  });

  it('grants the frames and ground truth, then submits the restore job the form describes', async () => {
    const frames = join(suite.dir, 'clip', 'frames');
    const gt = join(suite.dir, 'clip', 'gt');
    for (const dir of [frames, gt]) {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'frame_000000.jpg'), await jpeg(32, 24));
    }
    const store = setup();
    const restoration = restorationModels(app.getState().models);
    expect(restoreSpec(store.getState(), restorationModels(app.getState().models)).outputNames).toBeUndefined();
    store.getState().update({
      frames,
      gt: `${gt} `,
      tiled: true,
      outputNames: 'index',
      out: join(suite.dir, 'clip', 'output_inference'),
    });
    store.getState().pick(selectedModels(store.getState(), restoration).slice(1)[0]!, false);
    const expected: RestoreFramesSpec = restoreSpec(store.getState(), restoration);
    expect(expected).toMatchObject({
      origin: 'compare',
      inputDir: frames,
      gtDir: gt,
      outputDir: join(suite.dir, 'clip', 'output_inference'),
      tiled: true,
      outputNames: 'index',
    });
    await store.getState().run();
    const jobId = store.getState().jobId!;
    expect(jobId).toBeTruthy();
    const job = app.getState().jobs[jobId]!;
    expect(job.spec).toEqual(expected);
    await suite.api.jobs.cancel(jobId);
    await waitFor(async () => {
      const list = await suite.api.jobs.list();
      return list.ok && list.value.find((j) => j.id === jobId)?.status === 'cancelled';
    });
    // The folders it reads were opened (granted): their images are viewable.
    const view = await suite.api.images.view(join(frames, 'frame_000000.jpg'), 'preview');
    expect(view.ok).toBe(true);
    store.getState().detachJob();
    expect(store.getState().jobId).toBeNull();
  });

  it('submits nothing when a folder cannot be opened', async () => {
    const store = setup();
    store.getState().update({ frames: join(suite.dir, 'missing-frames') });
    notices.length = 0;
    const before = Object.keys(app.getState().jobs).length;
    await store.getState().run();
    expect(store.getState().jobId).toBeNull();
    expect(notices).toHaveLength(1);
    expect(Object.keys(app.getState().jobs)).toHaveLength(before);
  });

  /** A run of one tiny frame, as the form submits it (it waits in the queue behind `blocker`). */
  async function queuedRun(store: SetupStore, name: string): Promise<string> {
    const frames = join(suite.dir, name, 'frames');
    await mkdir(frames, { recursive: true });
    await writeFile(join(frames, 'frame_0000.jpg'), await jpeg(32, 24));
    const restoration = restorationModels(app.getState().models);
    store.getState().update({ frames, out: join(suite.dir, name, 'out'), tiled: true, outputNames: 'index' });
    store.getState().pick(selectedModels(store.getState(), restoration)[0]!, false);
    await store.getState().run();
    const jobId = store.getState().jobId!;
    expect(jobId).toBeTruthy();
    return jobId;
  }

  it('after a reload, follows the newest Compare run that has not ended, with the setup it was started with', async () => {
    const restoration = restorationModels(app.getState().models);
    // The engine runs one job at a time: while this one runs, the runs below stay queued (unended).
    const blocker = await suite.api.jobs.submit({
      kind: 'benchmark-model',
      modelId: restoration[0]!.id,
      iterations: 100_000,
    });
    expect(blocker.ok).toBe(true);
    const first = setup();
    const older = await queuedRun(first, 'reload-a');
    const second = setup();
    const newer = await queuedRun(second, 'reload-b');
    const submitted = restoreSpec(second.getState(), restoration);
    // A run of `loupe infer` (no origin) started later is not the page's, and is not followed.
    const cli = await suite.api.jobs.submit({ ...submitted, origin: undefined, outputDir: join(suite.dir, 'cli-out') });
    expect(cli.ok).toBe(true);

    // A fresh page: an empty form, then the engine's job list.
    const reloaded = setup();
    expect(reloaded.getState().jobId).toBeNull();
    await reloaded.getState().restoreRuns();
    const s = reloaded.getState();
    expect(s.jobId).toBe(newer);
    expect([s.frames, s.out, s.tiled, s.outputNames]).toEqual([
      join(suite.dir, 'reload-b', 'frames'),
      join(suite.dir, 'reload-b', 'out'),
      true,
      'index',
    ]);
    // The form describes the very run it follows.
    expect(restoreSpec(s, restoration)).toEqual(submitted);
    // The others are there to be offered, newest first; the CLI's is not among them.
    const runs = compareRuns(Object.values(app.getState().jobs)).map((j) => j.id);
    expect(runs.indexOf(newer)).toBeLessThan(runs.indexOf(older));
    if (cli.ok) expect(runs).not.toContain(cli.value.id);
    // A form that already follows a run is left alone.
    reloaded.getState().follow(app.getState().jobs[older] as JobSnapshot<'restore-frames'>);
    await reloaded.getState().restoreRuns();
    expect(reloaded.getState().jobId).toBe(older);
    expect(reloaded.getState().frames).toBe(join(suite.dir, 'reload-a', 'frames'));

    for (const id of [older, newer, ...(cli.ok ? [cli.value.id] : []), ...(blocker.ok ? [blocker.value.id] : [])])
      await suite.api.jobs.cancel(id);
    // Ended runs are not followed on load.
    await waitFor(async () => {
      const list = await suite.api.jobs.list();
      return list.ok && list.value.filter((j) => [older, newer].includes(j.id)).every((j) => j.status === 'cancelled');
    });
    const after = setup();
    await after.getState().restoreRuns();
    expect(after.getState().jobId).toBeNull();
  });

  it('takes an MLflow run’s setup back with its runs listed and picked as they were', async () => {
    const restoration = restorationModels(app.getState().models);
    const source = setup();
    source.getState().fillSamples(app.getState().info);
    await source.getState().listRuns();
    const picked = source.getState().runIds.slice(0, 1);
    expect(picked).toHaveLength(1);
    source.getState().setRunIds(picked);
    source.getState().update({ picked: [] });
    const spec = restoreSpec(source.getState(), restoration);
    expect(spec.sources).toEqual([
      { type: 'mlflow', uri: join(SAMPLES, 'mlruns'), experiment: 'loupe-restoration', runIds: picked },
    ]);

    const store = setup();
    store.getState().useSetupOf(spec);
    await waitFor(async () => store.getState().runs !== null && !store.getState().listing);
    expect(store.getState().runIds).toEqual(picked);
    expect(restoreSpec(store.getState(), restoration)).toEqual(spec);
  });
});

describe('Compare runs in the job list', () => {
  const spec = (over: Partial<RestoreFramesSpec> = {}): RestoreFramesSpec => ({
    kind: 'restore-frames',
    origin: 'compare',
    inputDir: '/clip/frames',
    outputDir: '/clip/out',
    sources: [{ type: 'models', ids: ['a', 'b'] }],
    ...over,
  });
  const job = (id: string, createdAt: number, status: JobSnapshot['status'], s = spec()): JobSnapshot => ({
    ...newSnapshot(id, s, createdAt),
    status,
  });

  it('are the restore jobs Compare submitted, newest first; the newest unended one is followed', () => {
    const jobs = [
      job('old-running', 1, 'running'),
      job('cli', 5, 'running', spec({ origin: undefined })),
      { ...newSnapshot('scan', { kind: 'scan-images', folder: '/x' }, 6), status: 'running' as const },
      job('done', 4, 'completed'),
      job('paused', 3, 'paused'),
    ];
    expect(jobs.filter(isCompareRun).map((j) => j.id)).toEqual(['old-running', 'done', 'paused']);
    expect(compareRuns(jobs).map((j) => j.id)).toEqual(['done', 'paused', 'old-running']);
    expect(runToRestore(jobs)?.id).toBe('paused');
    expect(runToRestore([job('i', 1, 'interrupted')])?.id).toBe('i');
    expect(runToRestore([job('q', 1, 'queued')])?.id).toBe('q');
    for (const status of ['completed', 'failed', 'cancelled'] as const)
      expect(runToRestore([job('x', 1, status)])).toBeNull();
  });

  it('give back the form that submits them', () => {
    expect(
      fieldsFromSpec(
        spec({
          gtDir: '/clip/gt',
          tiled: true,
          outputNames: 'index',
          sources: [
            { type: 'models', ids: ['a'] },
            { type: 'folder', dir: '/models' },
            { type: 'mlflow', uri: '/mlruns', experiment: 'e', runIds: ['r1'] },
          ],
          metricModels: [{ path: '/m/lpips.onnx' }, { path: '/m/d.onnx', better: 'higher', inputRange: [0, 1] }],
        }),
      ),
    ).toEqual({
      frames: '/clip/frames',
      gt: '/clip/gt',
      out: '/clip/out',
      picked: ['a'],
      folder: '/models',
      uri: '/mlruns',
      experiment: 'e',
      status: 'any',
      maxRuns: '',
      runIds: ['r1'],
      tiled: true,
      outputNames: 'index',
      metricModels: '/m/lpips.onnx\n/m/d.onnx,better=higher,range=0:1',
    });
    // No catalog model picked stays none (not the bundled default); a bundled source is the default.
    expect(fieldsFromSpec(spec({ sources: [{ type: 'folder', dir: '/m' }] })).picked).toEqual([]);
    expect(fieldsFromSpec(spec({ sources: [{ type: 'bundled' }] })).picked).toBeNull();
  });
});
