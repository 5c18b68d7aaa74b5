import type { JobItem, JobSnapshot, ScanImageData } from '../../../shared/jobs';
import { followJobItems } from '../../lib/follow-job';
import type { FolderSlice, ScanSlice } from './types';

/** The scan to show for a folder: the newest one that was not cancelled or failed. */
export function reusableScan(jobs: readonly JobSnapshot[], folder: string): JobSnapshot | undefined {
  return jobs
    .filter((j) => j.kind === 'scan-images' && (j.spec as { folder: string }).folder === folder)
    .filter((j) => j.status !== 'cancelled' && j.status !== 'failed')
    .sort((a, b) => b.createdAt - a.createdAt)[0];
}

export const scanSlice: FolderSlice<ScanSlice> = (set, get, { api, folder, onDispose }) => {
  let stop: (() => void) | null = null;
  onDispose(() => stop?.());
  // Thumbnails asked of the engine this scan (a cell scrolled off and back asks once).
  let asked = new Set<string>();
  /** What a folder shows before its scan, and again when a rescan starts. */
  const unscanned = () => ({
    scanJobId: null,
    thumbs: {},
    thumbErrors: {},
    sizes: {},
    scanned: 0,
    unnamed: 0,
    failures: [],
    scanError: null,
  });
  return {
    folder,
    ...unscanned(),
    ensureThumbnail: (path) => {
      if (asked.has(path) || get().thumbs[path]) return;
      asked.add(path);
      const round = asked;
      void api.images.view(path, 'thumbnail').then((r) => {
        // A rescan asks again (the file may have been replaced).
        if (round !== asked) return;
        if (r.ok) set({ thumbs: { ...get().thumbs, [path]: r.value.path } });
        else set({ thumbErrors: { ...get().thumbErrors, [path]: r.error.message } });
      });
    },
    startScan: async (jobs, rescan = false) => {
      stop?.();
      asked = new Set();
      set(unscanned());
      let jobId = rescan ? null : (reusableScan(jobs, folder.path)?.id ?? null);
      if (!jobId) {
        const submitted = await api.jobs.submit({ kind: 'scan-images', folder: folder.path });
        if (!submitted.ok) {
          set({ scanError: submitted.error.message });
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
          const s = get();
          const thumbs = ok.length ? { ...s.thumbs } : s.thumbs;
          const sizes = ok.length ? { ...s.sizes } : s.sizes;
          let unnamed = s.unnamed;
          for (const d of ok) {
            if (d.thumbnail) thumbs[d.path] = d.thumbnail;
            sizes[d.path] = [d.width, d.height];
            if (!d.named) unnamed++;
          }
          set({
            thumbs,
            sizes,
            unnamed,
            scanned: s.scanned + ok.length,
            failures: failed.length ? [...s.failures, ...failed] : s.failures,
          });
        },
        (error) => set({ scanError: error.message }),
      );
    },
  };
};
