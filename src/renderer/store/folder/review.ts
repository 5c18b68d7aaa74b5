import { reviewItem, type ReviewItem } from '../../../core/keypoints/review-list';
import { isDirty, startingPoints } from './editor';
import type { FolderSlice, ReviewSlice } from './types';

export const reviewSlice: FolderSlice<ReviewSlice> = (set, get, { api, folder }, history) => ({
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
    const s = get();
    const items = { ...s.items };
    let changed = false;
    for (const { imageKey, record } of records) {
      const it = items[imageKey];
      if (!it || it.predicted === record) continue;
      items[imageKey] = reviewItem({ ...it, predicted: record });
      changed = true;
    }
    if (!changed) return;
    // The image open in the editor was predicted again (a re-predict after a review): unless the
    // reviewer has moved its points, the editor shows the new ones (an Enter then accepts what
    // is on screen, never the old prediction).
    const open = s.current;
    const updated = open !== null && items[open] !== s.items[open];
    if (updated && !isDirty(s)) {
      const item = items[open];
      history.reset(() => set({ items, draft: item ? startingPoints(item) : s.draft }));
    } else set({ items });
  },
});
