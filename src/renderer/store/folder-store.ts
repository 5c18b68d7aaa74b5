import { createContext, useContext } from 'react';
import { createStore, useStore, type StoreApi } from 'zustand';
import type { AppApi, OpenedFolder } from '../../shared/ipc';
import type { JobItem, JobSnapshot, ScanImageData } from '../../shared/jobs';
import { followJobItems } from '../lib/follow-job';

/**
 * One store per opened folder (the Keypoints document): the scan job that reads it and the images
 * it found, grouped by watch ID.
 */
export interface WatchGroup {
  watchId: string;
  templateModel: string | null;
  images: number;
  named: boolean;
}

export interface FolderState {
  folder: OpenedFolder;
  scanJobId: string | null;
  images: ScanImageData[];
  failures: JobItem<'scan-images'>[];
  groups: WatchGroup[];
  error: string | null;
  /** Attach to the newest usable scan of this folder, or start one (always, with `rescan`). */
  start: (jobs: readonly JobSnapshot[], rescan?: boolean) => Promise<void>;
  dispose: () => void;
}

export type FolderStore = StoreApi<FolderState>;

export function groupByWatch(images: readonly ScanImageData[]): WatchGroup[] {
  const groups = new Map<string, WatchGroup>();
  for (const img of images) {
    const g = groups.get(img.watchId) ?? {
      watchId: img.watchId,
      templateModel: img.templateModel,
      images: 0,
      named: img.named,
    };
    g.images++;
    groups.set(img.watchId, g);
  }
  return [...groups.values()].sort((a, b) => a.watchId.localeCompare(b.watchId, undefined, { numeric: true }));
}

/** The scan to show for a folder: the newest one that was not cancelled or failed. */
export function reusableScan(jobs: readonly JobSnapshot[], folder: string): JobSnapshot | undefined {
  return jobs
    .filter((j) => j.kind === 'scan-images' && (j.spec as { folder: string }).folder === folder)
    .filter((j) => j.status !== 'cancelled' && j.status !== 'failed')
    .sort((a, b) => b.createdAt - a.createdAt)[0];
}

export function createFolderStore(api: AppApi, folder: OpenedFolder): FolderStore {
  let stop: (() => void) | null = null;
  return createStore<FolderState>()((set, get) => ({
    folder,
    scanJobId: null,
    images: [],
    failures: [],
    groups: [],
    error: null,
    start: async (jobs, rescan = false) => {
      stop?.();
      set({ images: [], failures: [], groups: [], error: null, scanJobId: null });
      let jobId = rescan ? null : (reusableScan(jobs, folder.path)?.id ?? null);
      if (!jobId) {
        const submitted = await api.jobs.submit({ kind: 'scan-images', folder: folder.path });
        if (!submitted.ok) {
          set({ error: submitted.error.message });
          return;
        }
        jobId = submitted.value.id;
      }
      set({ scanJobId: jobId });
      stop = followJobItems(
        api,
        jobId,
        (items) => {
          const ok: ScanImageData[] = [];
          const failed: JobItem<'scan-images'>[] = [];
          for (const item of items as JobItem<'scan-images'>[]) {
            if (item.status === 'ok' && item.data) ok.push(item.data);
            else if (item.status === 'failed') failed.push(item);
          }
          const images = ok.length ? [...get().images, ...ok] : get().images;
          set({
            images,
            failures: failed.length ? [...get().failures, ...failed] : get().failures,
            groups: ok.length ? groupByWatch(images) : get().groups,
          });
        },
        (error) => set({ error: error.message }),
      );
    },
    dispose: () => {
      stop?.();
      stop = null;
    },
  }));
}

export const FolderStoreContext = createContext<FolderStore | null>(null);

export function useFolder<T>(selector: (state: FolderState) => T): T {
  const store = useContext(FolderStoreContext);
  if (!store) throw new Error('useFolder outside <FolderStoreContext.Provider>');
  return useStore(store, selector);
}
