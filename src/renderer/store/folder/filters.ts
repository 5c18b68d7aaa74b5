import {
  DEFAULT_FILTERS,
  visibleItems,
  type ReviewFilters,
  type ReviewItem,
} from '../../../core/keypoints/review-list';
import type { FilterSlice, FolderSlice } from './types';

const toggle = <T>(list: readonly T[], value: T): T[] =>
  list.includes(value) ? list.filter((v) => v !== value) : [...list, value];

export const filterSlice: FolderSlice<FilterSlice> = (set, get) => {
  let memo: { items: Record<string, ReviewItem>; filters: ReviewFilters; out: ReviewItem[] } | null = null;
  return {
    filters: DEFAULT_FILTERS,
    setFilters: (patch) => set((s) => ({ filters: { ...s.filters, ...patch } })),
    toggleTier: (tier) => set((s) => ({ filters: { ...s.filters, tiers: toggle(s.filters.tiers, tier) } })),
    toggleState: (state) => set((s) => ({ filters: { ...s.filters, states: toggle(s.filters.states, state) } })),
    clearFilters: () => set((s) => ({ filters: { ...DEFAULT_FILTERS, sort: s.filters.sort } })),
    visible: () => {
      const { items, filters } = get();
      if (memo && memo.items === items && memo.filters === filters) return memo.out;
      memo = { items, filters, out: visibleItems(Object.values(items), filters) };
      return memo.out;
    },
  };
};
