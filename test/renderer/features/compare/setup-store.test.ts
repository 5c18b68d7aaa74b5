import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RestoreFramesSpec } from '../../../../src/shared/jobs';
import {
  canRun,
  countModels,
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
});
