import { PREDICT_DEFAULTS } from '../../../core/keypoints/predict-defaults';
import {
  FINISHED_JOB_STATUSES,
  type JobItem,
  type JobSnapshot,
  type JobStatus,
  type PredictKeypointsSpec,
} from '../../../shared/jobs';
import type { LabelRecord } from '../../../shared/labels';
import type { ReviewEntry } from '../../../shared/review';
import { followJobItems } from '../../lib/follow-job';
import type { FolderSlice, PredictSlice } from './types';

/** How long saves of one watch ID are gathered into one re-predict job. */
export const RELABEL_DELAY_MS = 400;

const isRelabel = (j: JobSnapshot): boolean => ((j.spec as PredictKeypointsSpec).relabelFrom?.length ?? 0) > 0;
const ofFolder = (j: JobSnapshot, imagesDir: string): boolean =>
  j.kind === 'predict-keypoints' && (j.spec as PredictKeypointsSpec).imagesDir === imagesDir;
const ended = (status: JobStatus): boolean => FINISHED_JOB_STATUSES.includes(status) || status === 'interrupted';

/**
 * The newest predict job that writes this folder's predictions (cancelled ones are history); the
 * background re-predicts after a review (`relabelFrom`) are followed on their own.
 */
export function folderPredictJob(jobs: readonly JobSnapshot[], imagesDir: string): JobSnapshot | undefined {
  return jobs.filter((j) => ofFolder(j, imagesDir) && !isRelabel(j)).sort((a, b) => b.createdAt - a.createdAt)[0];
}

export const predictSlice: FolderSlice<PredictSlice> = (set, get, { api, folder, settings, notify, onDispose }) => {
  /** Followed jobs (the folder's predict job and its re-predicts): how to stop following each. */
  const followed = new Map<string, () => void>();
  /** Saves not yet sent, by watch ID: its template model and the labels saved. */
  const waiting = new Map<string, { templateModel: string | null; keys: Set<string> }>();
  /** The newest re-predict job of each watch ID. */
  const latest = new Map<string, string>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  onDispose(() => {
    if (timer !== null) clearTimeout(timer);
    for (const stop of followed.values()) stop();
    followed.clear();
  });

  /** Follow a job's items into the grid; when it ends, read the folder again (the files are the truth). */
  const follow = (jobId: string, submitted = false): void => {
    if (followed.has(jobId)) return;
    const stopItems = followJobItems(
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
    let finished = false;
    const seen = (job: JobSnapshot): void => {
      const done = ended(job.status);
      if (done && !finished) void get().reload();
      finished = done;
    };
    const unsubscribe = api.events.subscribe((event) => {
      if (event.name === 'job:progress' && event.payload.id === jobId) seen(event.payload);
    });
    // A job submitted here can end before this window follows it (a short one's last event can
    // come before the answer that named it): the list says so.
    if (submitted)
      void api.jobs.list().then((r) => {
        const job = r.ok ? r.value.find((j) => j.id === jobId) : undefined;
        if (job && followed.has(jobId) && ended(job.status)) seen(job);
      });
    followed.set(jobId, () => {
      stopItems();
      unsubscribe();
    });
  };

  const stopFollowing = (jobId: string | null): void => {
    if (!jobId) return;
    followed.get(jobId)?.();
    followed.delete(jobId);
  };

  /** The job spec of a run over this folder with the current settings. */
  const spec = (): PredictKeypointsSpec | null => {
    const s = get();
    const current = settings();
    if (!s.labelsDir || !s.predictedDir) return null;
    return {
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
  };

  /**
   * Send the gathered saves: one re-predict job per watch ID (its images, then the rest of its
   * template model's). A job of that watch ID still queued reads the labels when it starts, so
   * it already covers them; one running or done does not, and a new one goes after it.
   */
  const flush = async (): Promise<void> => {
    timer = null;
    const base = spec();
    if (!base || waiting.size === 0) return;
    const listed = await api.jobs.list();
    const status = new Map(listed.ok ? listed.value.map((j) => [j.id, j.status]) : []);
    for (const [watchId, { templateModel, keys }] of [...waiting]) {
      waiting.delete(watchId);
      const previous = latest.get(watchId);
      if (previous && status.get(previous) === 'queued') continue;
      const submitted = await api.jobs.submit({
        ...base,
        watchId,
        ...(templateModel ? { templateModel } : {}),
        relabelFrom: [...keys],
      });
      if (!submitted.ok) {
        notify('error', `Re-predicting ${watchId} failed: ${submitted.error.message}`);
        continue;
      }
      latest.set(watchId, submitted.value.id);
      follow(submitted.value.id, true);
      set((st) => ({ relabelJobIds: [...st.relabelJobIds, submitted.value.id] }));
    }
  };

  return {
    predictJobId: null,
    relabelJobIds: [],
    attachPredict: (jobs) => {
      const job = folderPredictJob(jobs, folder.path);
      if (job && job.id !== get().predictJobId) {
        stopFollowing(get().predictJobId);
        set({ predictJobId: job.id });
        follow(job.id);
      }
      // Re-predicts still going when the folder was opened (or the app restarted).
      const going = jobs.filter((j) => ofFolder(j, folder.path) && isRelabel(j) && !ended(j.status));
      for (const j of going) follow(j.id);
      const known = new Set(get().relabelJobIds);
      const added = going.filter((j) => !known.has(j.id)).map((j) => j.id);
      if (added.length > 0) set((st) => ({ relabelJobIds: [...st.relabelJobIds, ...added] }));
    },
    predict: async () => {
      const submit = spec();
      if (!submit) {
        notify('error', 'The folder is still being read; try again in a moment.');
        return;
      }
      const submitted = await api.jobs.submit(submit);
      if (!submitted.ok) {
        notify('error', submitted.error.message);
        return;
      }
      stopFollowing(get().predictJobId);
      set({ predictJobId: submitted.value.id });
      follow(submitted.value.id, true);
    },
    relabel: (entry: ReviewEntry) => {
      const w = waiting.get(entry.watchId) ?? { templateModel: entry.templateModel, keys: new Set<string>() };
      w.keys.add(entry.imageKey);
      waiting.set(entry.watchId, w);
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(() => void flush(), RELABEL_DELAY_MS);
    },
  };
};
