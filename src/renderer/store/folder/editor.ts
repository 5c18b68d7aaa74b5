import { toNormalised, toPixels, type PixelKeypoints } from '../../../core/geometry/dial';
import type { ReviewItem } from '../../../core/keypoints/review-list';
import { KEYPOINT_NAMES, type Keypoints, type LabelRecord } from '../../../shared/labels';
import type { ReviewAction } from '../../../shared/review';
import { reviewItem } from '../../../core/keypoints/review-list';
import { activeDial, dialAt, dialsOf, type DialInfo } from '../../../core/keypoints/dials';
import type { EditorSlice, FolderSlice, FolderState } from './types';

/** The points a reset goes back to: the prediction the image was (or will be) reviewed from. */
export function predictionOf(item: ReviewItem): LabelRecord | null {
  if (item.predicted) return item.predicted;
  const p = item.human?.prediction;
  return p && item.human ? { ...item.human, coords_norm: p.coords_norm, annotator: p.annotator } : null;
}

/**
 * The dials of an image's prediction when the detector found several (best first; the record's
 * own is the first), with the one the points are on now; `dials` is empty for one dial.
 */
export function dialsState(
  item: ReviewItem | undefined,
  draft: PixelKeypoints | null,
): { dials: DialInfo[]; active: number; size: [number, number] | null } {
  const p = item ? predictionOf(item) : null;
  const dials = dialsOf(p);
  if (!p || dials.length === 0) return { dials, active: -1, size: null };
  const size: [number, number] = [p.image_size[0], p.image_size[1]];
  const at = draft ? toNormalised(draft, size) : p.coords_norm;
  return { dials, active: activeDial(dials, at, size[0] / size[1]), size };
}

/** The prediction the draft is measured and reset against: the dial it is on (several dials), else the record's. */
export function predictionPoints(item: ReviewItem | undefined, draft: PixelKeypoints | null): PixelKeypoints | null {
  const d = dialsState(item, draft);
  const dial = d.dials[d.active];
  if (dial && d.size) return toPixels(dial.coords_norm, d.size);
  const p = item ? predictionOf(item) : null;
  return p ? toPixels(p.coords_norm, p.image_size) : null;
}

/** The dial whose box is under an image pixel of the current image (several dials), else -1. */
export function dialUnder(item: ReviewItem | undefined, at: readonly [number, number]): number {
  const d = dialsState(item, null);
  return d.size ? dialAt(d.dials, [at[0] / d.size[0], at[1] / d.size[1]]) : -1;
}

/** The points the editor starts from: the human label, else the prediction. */
export function startingPoints(item: ReviewItem): PixelKeypoints | null {
  const shown = item.shown;
  return shown ? toPixels(shown.coords_norm, shown.image_size) : null;
}

/** Whether the draft differs from what is on disk for the current image. */
export function isDirty(s: Pick<FolderState, 'current' | 'draft' | 'items'>): boolean {
  if (!s.current || !s.draft) return false;
  const item = s.items[s.current];
  const start = item && startingPoints(item);
  if (!start) return false;
  return KEYPOINT_NAMES.some((n) => s.draft![n][0] !== start[n][0] || s.draft![n][1] !== start[n][1]);
}

/** The image `delta` places away from `key` in the grid's order (null past either end). */
export function neighbour(list: readonly ReviewItem[], key: string | null, delta: number): string | null {
  if (!list.length) return null;
  const i = key ? list.findIndex((it) => it.imageKey === key) : -1;
  if (i < 0) return list[0]!.imageKey;
  return list[i + delta]?.imageKey ?? null;
}

export const editorSlice: FolderSlice<EditorSlice> = (set, get, { api, folder, notify, confirmReviewer }, history) => {
  /** Keep the unsaved draft of the image being left, then show `key`. */
  const show = (key: string | null): void => {
    const s = get();
    const drafts = { ...s.drafts };
    if (s.current && s.draft && isDirty(s)) drafts[s.current] = s.draft;
    else if (s.current) delete drafts[s.current];
    const item = key ? s.items[key] : undefined;
    const draft = key ? (drafts[key] ?? (item ? startingPoints(item) : null)) : null;
    history.reset(() =>
      set({
        current: item ? key : null,
        draft,
        drafts,
        selected: item && s.current !== null ? s.selected : null,
      }),
    );
  };

  const edit = (f: (d: PixelKeypoints) => PixelKeypoints): void => {
    const { draft } = get();
    if (draft) set({ draft: f(draft) });
  };

  /** Run a review action on the current image; on success replace its item and move on. */
  const act = async (action: (key: string) => ReviewAction | null, advance: boolean): Promise<boolean> => {
    const s = get();
    if (!s.current || s.busy) return false;
    const key = s.current;
    const request = action(key);
    if (!request) return false;
    const next = advance ? neighbour(s.visible(), key, 1) : key;
    set({ busy: true });
    if (confirmReviewer && !(await confirmReviewer())) {
      set({ busy: false });
      return false;
    }
    const done = await api.keypoints.review(folder.path, request);
    set({ busy: false });
    if (!done.ok) {
      notify('error', done.error.message);
      return false;
    }
    const drafts = { ...get().drafts };
    delete drafts[key];
    // The saved points become the starting point: no longer dirty.
    history.reset(() =>
      set((st) => ({
        items: { ...st.items, [key]: reviewItem(done.value) },
        drafts,
        draft: done.value.human ? toPixels(done.value.human.coords_norm, done.value.human.image_size) : st.draft,
      })),
    );
    // A new human label is a template: its siblings are predicted again from it, in the background.
    if (request.kind === 'accept') get().relabel(done.value);
    if (advance && next && next !== key) show(next);
    return true;
  };

  return {
    current: null,
    draft: null,
    drafts: {},
    selected: null,
    busy: false,
    open: (key) => show(key),
    close: () => show(null),
    select: (name) => set({ selected: name }),
    cycle: (direction) => {
      const i = get().selected ? KEYPOINT_NAMES.indexOf(get().selected!) : direction > 0 ? -1 : 0;
      const n = KEYPOINT_NAMES.length;
      set({ selected: KEYPOINT_NAMES[(i + direction + n) % n]! });
    },
    move: (name, to) => edit((d) => ({ ...d, [name]: [to[0], to[1]] })),
    nudge: (dx, dy) => {
      const name = get().selected;
      if (!name) return;
      edit((d) => ({ ...d, [name]: [d[name][0] + dx, d[name][1] + dy] }));
    },
    reset: (all) => {
      const s = get();
      const item = s.current ? s.items[s.current] : undefined;
      if (!item) return;
      // Back to the prediction (of the dial the points are on); a label made outside Loupe has
      // none: back to the label as saved.
      const base = predictionPoints(item, s.draft) ?? startingPoints(item);
      if (!base) return;
      if (all) edit(() => base);
      else if (s.selected) {
        const name = s.selected;
        edit((d) => ({ ...d, [name]: base[name] }));
      }
    },
    switchDial: (to) => {
      const s = get();
      const item = s.current ? s.items[s.current] : undefined;
      const d = dialsState(item, s.draft);
      const n = d.dials.length;
      if (n < 2 || !d.size) return;
      const index = to === 'next' ? (d.active + 1) % n : to === 'previous' ? (d.active - 1 + n) % n : to;
      const dial = d.dials[index];
      if (!dial || index === d.active) return;
      // One undoable step: the draft takes that dial's predicted points; a review saves them.
      const size = d.size;
      edit(() => toPixels(dial.coords_norm, size));
    },
    beginDrag: () => history.begin(),
    endDrag: () => history.end(),
    step: (delta) => {
      const s = get();
      const next = neighbour(s.visible(), s.current, delta);
      if (next) show(next);
    },
    accept: () =>
      act((imageKey) => {
        const s = get();
        const item = s.items[imageKey];
        if (!item?.shown || !s.draft) {
          notify('info', `${imageKey} has no prediction yet: run Predict first.`);
          return null;
        }
        // Unmoved points are sent exactly as stored (no pixel round trip).
        const coords: Keypoints =
          !isDirty(s) && item.shown ? item.shown.coords_norm : toNormalised(s.draft, item.shown.image_size);
        // Several dials: the label's prediction is that of the dial the points are on.
        const { active } = dialsState(item, s.draft);
        return { kind: 'accept', imageKey, coords, ...(active > 0 ? { dial: active } : {}) };
      }, true),
    reject: () => act((imageKey) => ({ kind: 'reject', imageKey }), true),
    unreject: () => act((imageKey) => ({ kind: 'unreject', imageKey }), false),
  };
};
