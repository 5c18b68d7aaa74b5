import { reviewItem, type ReviewItem } from '../../../core/keypoints/review-list';
import type { FolderSlice, ReviewSlice } from './types';

export const reviewSlice: FolderSlice<ReviewSlice> = (set, get, { api, folder }) => ({
  loadState: 'loading',
  loadError: null,
  labelsDir: null,
  predictedDir: null,
  problems: [],
  items: {},
  reload: async () => {
    const loaded = await api.keypoints.load(folder.path);
    if (!loaded.ok) {
      set({ loadState: 'error', loadError: loaded.error.message });
      return;
    }
    const items: Record<string, ReviewItem> = {};
    for (const e of loaded.value.entries) items[e.imageKey] = reviewItem(e);
    set({
      loadState: 'ready',
      loadError: null,
      labelsDir: loaded.value.labelsDir,
      predictedDir: loaded.value.predictedDir,
      problems: loaded.value.problems,
      items,
    });
  },
  applyPredictions: (records) => {
    if (!records.length) return;
    const items = { ...get().items };
    let changed = false;
    for (const { imageKey, record } of records) {
      const it = items[imageKey];
      if (!it || it.predicted === record) continue;
      items[imageKey] = reviewItem({ ...it, predicted: record });
      changed = true;
    }
    if (changed) set({ items });
  },
});
