import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OpenedFolder } from '../../../src/shared/ipc';
import type { JobSnapshot, PredictKeypointsSpec } from '../../../src/shared/jobs';
import { KEYPOINT_NAMES } from '../../../src/shared/labels';
import { toPixels } from '../../../src/core/geometry/dial';
import { toPixels as pointToPixels } from '../../../src/core/formats/labels';
import { createFolderStore } from '../../../src/renderer/store/folder';
import { copySamplePhotos, errorPercent, sampleTruth } from '../../fixtures/sample-truth';
import { waitFor } from '../../helpers';
import { hostApiForSuite } from '../host-api';

/**
 * "Label one, fix the rest" in the Keypoints store, through a real host and engine on the
 * generated sample photos: saving human labels starts one background re-predict job for the
 * watch (saves close together coalesced), and the siblings come back as template fits without
 * a re-run, the image open in the editor included.
 */
describe('folder store: re-predict after a review', () => {
  const suite = hostApiForSuite();

  it('re-predicts the siblings of a saved label in one background job, and the grid follows it', async () => {
    const photos = join(suite.dir, 'relabel', 'photos');
    await copySamplePhotos(photos, ['ORBIS_nab_001']);
    await mkdir(join(photos, '..', 'alignment_labels'));
    await mkdir(join(photos, '..', 'alignment_labels_predicted'));
    const truth = await sampleTruth();
    const opened = await suite.api.folders.open(photos);
    if (!opened.ok) throw new Error(opened.error.message);
    await suite.api.settings.update({ reviewer: 'alice' });
    const notices: string[] = [];
    const store = createFolderStore({
      api: suite.api,
      folder: opened.value as OpenedFolder,
      settings: () => null,
      notify: (_k, m) => notices.push(m),
    });
    await store.getState().reload();
    const jobs = async (): Promise<JobSnapshot[]> => {
      const listed = await suite.api.jobs.list();
      if (!listed.ok) throw new Error(listed.error.message);
      return listed.value;
    };
    const finished = async (id: string) =>
      waitFor(async () => (await jobs()).find((j) => j.id === id && j.status === 'completed'), 120_000, `job ${id}`);

    // Predict with no labels: every image falls back.
    await store.getState().predict();
    await finished(store.getState().predictJobId!);
    await waitFor(() => Object.values(store.getState().items).every((i) => i.tier === 'pipeline-fallback'), 20_000);

    // Two labels saved from the truth, one after the other (Enter moves to the next image).
    const s = store.getState();
    const place = (key: string): void => {
      const t = truth[key]!;
      for (const n of KEYPOINT_NAMES) store.getState().move(n, pointToPixels(t.coords_norm[n], t.image_size));
    };
    s.open('ORBIS_nab_001_01');
    place('ORBIS_nab_001_01');
    expect(await store.getState().accept()).toBe(true);
    expect(store.getState().current).toBe('ORBIS_nab_001_02');
    store.getState().open('ORBIS_nab_001_03');
    place('ORBIS_nab_001_03');
    expect(await store.getState().accept()).toBe(true);
    // The editor now shows ORBIS_nab_001_04, untouched: it follows its re-prediction.
    expect(store.getState().current).toBe('ORBIS_nab_001_04');

    const relabel = await waitFor(
      async () => (await jobs()).filter((j) => (j.spec as PredictKeypointsSpec).relabelFrom),
      10_000,
      'the re-predict job',
    ).then(async () => {
      await new Promise((r) => setTimeout(r, 1000));
      return (await jobs()).filter((j) => (j.spec as PredictKeypointsSpec).relabelFrom);
    });
    // One job for both saves: the watch ID's images, then its template model's.
    expect(relabel).toHaveLength(1);
    const job = relabel[0]!;
    expect(job.title).toBe('Re-predict ORBIS_nab_001 from ORBIS_nab_001_01, ORBIS_nab_001_03');
    expect(job.spec).toMatchObject({ watchId: 'ORBIS_nab_001', templateModel: 'nab' });
    // The folder shows it while it runs (FolderView's strip).
    expect(store.getState().relabelJobIds).toEqual([job.id]);
    const done = (await finished(job.id)) as JobSnapshot<'predict-keypoints'>;
    expect(done.result?.repredicted['own-watch-template']).toBe(8);
    expect(done.result?.skippedHuman).toBe(2);

    // The grid has the new predictions (live, then from disk), marked as re-predicted.
    const items = await waitFor(() => {
      const all = store.getState().items;
      return all.ORBIS_nab_001_02?.predicted?.debug_info?.repredicted ? all : undefined;
    }, 20_000);
    const siblings = Object.values(items).filter((i) => i.state === 'unreviewed');
    expect(siblings).toHaveLength(8);
    const fits = siblings.filter((i) => i.tier === 'full');
    expect(fits.length).toBeGreaterThanOrEqual(4);
    for (const i of fits) expect(errorPercent(i.predicted!, truth[i.imageKey]!)).toBeLessThan(2);
    for (const i of siblings)
      expect(i.predicted?.debug_info?.repredicted).toMatchObject({ reason: 'own-watch-template' });
    // The open image shows its new points, not the prediction it was opened with.
    const open = store.getState().items.ORBIS_nab_001_04!;
    expect(store.getState().draft).toEqual(toPixels(open.predicted!.coords_norm, open.predicted!.image_size));
    expect(notices).toEqual([]);
    store.getState().dispose();
  }, 300_000);

  it('reads the folder again when its predict job ended before the answer that named it arrived', async () => {
    const photos = join(suite.dir, 'fast', 'photos');
    await copySamplePhotos(photos, ['ORBIS_nab_001']);
    await mkdir(join(photos, '..', 'alignment_labels_predicted'));
    const opened = await suite.api.folders.open(photos);
    if (!opened.ok) throw new Error(opened.error.message);
    // The answer to submit comes only once the job has ended: every event of it came first, as a
    // short job's can over a WebSocket while the answer is on its way over HTTP.
    const ended = async (id: string): Promise<void> => {
      await waitFor(async () => {
        const listed = await suite.api.jobs.list();
        return listed.ok && listed.value.some((j) => j.id === id && j.status === 'completed');
      }, 120_000);
    };
    const api = {
      ...suite.api,
      jobs: {
        ...suite.api.jobs,
        submit: async (spec: Parameters<typeof suite.api.jobs.submit>[0]) => {
          const r = await suite.api.jobs.submit(spec);
          if (r.ok) await ended(r.value.id);
          return r;
        },
      },
    };
    const store = createFolderStore({
      api,
      folder: opened.value as OpenedFolder,
      settings: () => null,
      notify: () => {},
    });
    await store.getState().reload();
    let reloads = 0;
    const reload = store.getState().reload;
    store.setState({ reload: () => ((reloads += 1), reload()) });
    await store.getState().predict();
    await waitFor(() => reloads > 0 || undefined, 20_000, 'the folder to be read again');
    // Its predictions are what the folder now shows, from the files.
    await waitFor(() => Object.values(store.getState().items).every((i) => i.predicted) || undefined, 20_000);
    store.getState().dispose();
  }, 300_000);
});
