import { PREDICT_DEFAULTS } from '../../../core/keypoints/predict-defaults';
import { FINISHED_JOB_STATUSES, type JobItem, type JobSnapshot, type PredictKeypointsSpec } from '../../../shared/jobs';
import type { LabelRecord } from '../../../shared/labels';
import { followJobItems } from '../../lib/follow-job';
import type { FolderSlice, PredictSlice } from './types';

/** The newest predict job that writes this folder's predictions (cancelled ones are history). */
export function folderPredictJob(jobs: readonly JobSnapshot[], imagesDir: string): JobSnapshot | undefined {
  return jobs
    .filter((j) => j.kind === 'predict-keypoints' && (j.spec as PredictKeypointsSpec).imagesDir === imagesDir)
    .sort((a, b) => b.createdAt - a.createdAt)[0];
}

export const predictSlice: FolderSlice<PredictSlice> = (set, get, { api, folder, settings, notify, onDispose }) => {
  let stop: (() => void) | null = null;
  let unsubscribe: (() => void) | null = null;
  onDispose(() => {
    stop?.();
    unsubscribe?.();
  });

  const follow = (jobId: string): void => {
    stop?.();
    unsubscribe?.();
    set({ predictJobId: jobId });
    stop = followJobItems(
      api,
      jobId,
      (items) => {
        const records: { imageKey: string; record: LabelRecord }[] = [];
        for (const item of items as JobItem<'predict-keypoints'>[]) {
          if (item.status === 'ok' && item.data?.record)
            records.push({ imageKey: item.data.imageKey, record: item.data.record });
        }
        get().applyPredictions(records);
      },
      (error) => notify('error', `Following the prediction failed: ${error.message}`),
    );
    // When the job ends, read the folder again: the files on disk are the truth.
    let finished = false;
    unsubscribe = api.events.subscribe((event) => {
      if (event.name !== 'job:progress' || event.payload.id !== jobId) return;
      const done = FINISHED_JOB_STATUSES.includes(event.payload.status) || event.payload.status === 'interrupted';
      if (done && !finished) void get().reload();
      finished = done;
    });
  };

  return {
    predictJobId: null,
    attachPredict: (jobs) => {
      const job = folderPredictJob(jobs, folder.path);
      if (job && job.id !== get().predictJobId) follow(job.id);
    },
    predict: async () => {
      const s = get();
      const current = settings();
      if (!s.labelsDir || !s.predictedDir) {
        notify('error', 'The folder is still being read; try again in a moment.');
        return;
      }
      const spec: PredictKeypointsSpec = {
        kind: 'predict-keypoints',
        imagesDir: folder.path,
        outputDir: s.predictedDir,
        labelsDir: s.labelsDir,
        config: {
          ...PREDICT_DEFAULTS.config,
          ...current?.predict,
          namingPattern: current?.namingPattern ?? PREDICT_DEFAULTS.config.namingPattern,
        },
        ...(current ? { device: current.device } : {}),
        // Each result is on disk as it arrives: a crash loses at most the image in flight, and
        // what the grid shows is what a reload reads.
        checkpointFreq: 1,
      };
      const submitted = await api.jobs.submit(spec);
      if (!submitted.ok) {
        notify('error', submitted.error.message);
        return;
      }
      follow(submitted.value.id);
    },
  };
};
