import { gridLayout, wipeX, type GridLayout, type Rect } from '../../../core/compare/layout';
import type { Size, View } from '../../canvas/view';
import { paneColour } from './palette';
import type { CompareMode, Pane, PaneId } from './store';

/**
 * What the compare stage draws, as plain data: the slots (a pane's frame, or a pane's heatmap
 * against a reference), where they go, and for one frame what each pane's canvas shows under the
 * shared view. No canvas, no React: Stage.tsx loads the images and hands the plan to
 * `paintCompareFrame` (draw.ts).
 */

export const GAP = 6;

/** What the stage draws in one slot: a pane's frame, or a heatmap of one pane against another. */
export interface Slot {
  key: string;
  pane: Pane;
  /** Difference view: the reference pane. */
  against?: Pane;
  label: string;
  colour: string;
}

export interface SlotChoice {
  panes: readonly Pane[];
  shown: readonly PaneId[];
  mode: CompareMode;
  wipe: { a: PaneId; b: PaneId };
  diff: { reference: PaneId };
}

/** The slots of a mode: the wipe's two panes, every shown pane against the reference, or the shown panes. */
export function compareSlots({ panes, shown, mode, wipe, diff }: SlotChoice): Slot[] {
  const byId = new Map(panes.map((p) => [p.id, p]));
  const modelIndex = new Map(panes.filter((p) => p.id.startsWith('model:')).map((p, i) => [p.id, i]));
  const slot = (p: Pane, against?: Pane): Slot => ({
    key: against ? `${p.id}~${against.id}` : p.id,
    pane: p,
    ...(against ? { against } : {}),
    label: against ? `${p.label} − ${against.label}` : p.label,
    colour: paneColour(p.id, modelIndex.get(p.id) ?? 0),
  });
  if (mode === 'wipe') {
    const a = byId.get(wipe.a);
    const b = byId.get(wipe.b);
    return a && b ? [slot(a), slot(b)] : [];
  }
  const visible = shown.map((id) => byId.get(id)).filter((p): p is Pane => !!p);
  if (mode === 'diff') {
    const ref = byId.get(diff.reference);
    if (!ref) return [];
    return visible.filter((p) => p.id !== ref.id).map((p) => slot(p, ref));
  }
  return visible.map((p) => slot(p));
}

/** Every pane whose image the slots need (a heatmap needs its reference too), each once. */
export function slotSources(slots: readonly Slot[]): Pane[] {
  const list: Pane[] = [];
  for (const s of slots) {
    if (!list.includes(s.pane)) list.push(s.pane);
    if (s.against && !list.includes(s.against)) list.push(s.against);
  }
  return list;
}

/** Where the panes go on a stage of `size`: the whole stage for a wipe, else the largest grid. */
export function stageLayout(mode: CompareMode, slotCount: number, size: Size | null, frame: Size | null): Rect[] {
  return stageGrid(mode, slotCount, size, frame).panes;
}

/**
 * The columns the stage arranges its panes in (what an export of the view keeps), from the same
 * layout the stage draws: computed, not read off the panes on screen, which are not there until
 * the first frame has loaded. 1 before the stage or the frame has a size.
 */
export function stageColumns(mode: CompareMode, slotCount: number, size: Size | null, frame: Size | null): number {
  return Math.max(1, stageGrid(mode, slotCount, size, frame).cols);
}

function stageGrid(mode: CompareMode, slotCount: number, size: Size | null, frame: Size | null): GridLayout {
  if (!size || !frame || slotCount === 0) return { cols: 0, rows: 0, panes: [] };
  if (mode === 'wipe') return { cols: 1, rows: 1, panes: [{ x: 0, y: 0, width: size.width, height: size.height }] };
  // The heatmaps' colour bar has a strip of its own below the panes, never over an image.
  const height = mode === 'diff' ? Math.max(0, size.height - COLOUR_BAR_STRIP) : size.height;
  return gridLayout(slotCount, { width: size.width, height }, frame, GAP);
}

/** Height (CSS px) kept free below the panes in difference mode for the colour bar. */
export const COLOUR_BAR_STRIP = 44;

/** One image drawn into a pane's canvas, in CSS pixels of the pane. */
export interface Layer<T> {
  image: T;
  /** Where the whole frame goes (the image is stretched to it: a proxy is smaller than the frame). */
  dest: Rect;
  /** Keep only x ≥ clipX (the wipe's right side). */
  clipX?: number;
  /** Smooth when minified; nearest neighbour from 100 % up (pixels stay pixels). */
  smoothing: boolean;
}

export interface PanePaint<T> {
  /** Which canvas (the nth pane on the stage). */
  canvas: number;
  width: number;
  height: number;
  layers: Layer<T>[];
}

export interface FramePlan<T> {
  /** Moving frames are drawn with the cheap filter; a settled (lossless) frame with the best. */
  quality: 'low' | 'high';
  panes: PanePaint<T>[];
}

export interface CompareFrameInput<T> {
  mode: CompareMode;
  slots: readonly Slot[];
  layout: readonly Rect[];
  view: View;
  /** The frame's own size (what the view maps). */
  frameSize: Size;
  dpr: number;
  /** Wipe: the right pane everywhere. */
  flipped: boolean;
  wipePosition: number;
  lossless: boolean;
  /** A pane's decoded image for this frame, null while there is none. */
  image: (pane: Pane) => T | null;
  /** Difference mode: each slot's heatmap for this frame (null: not computed yet). */
  heat: readonly (T | null)[] | null;
}

/** What every pane's canvas shows for this frame; null when the wipe has nothing to show yet. */
export function renderCompareFrame<T>(input: CompareFrameInput<T>): FramePlan<T> | null {
  const { mode, slots, layout, view, frameSize, dpr } = input;
  const dest: Rect = {
    x: view.x,
    y: view.y,
    width: frameSize.width * view.scale,
    height: frameSize.height * view.scale,
  };
  const smoothing = view.scale * dpr < 1;
  const layer = (image: T | null, clipX?: number): Layer<T>[] =>
    image === null ? [] : [{ image, dest, smoothing, ...(clipX !== undefined ? { clipX } : {}) }];
  const quality = input.lossless ? 'high' : 'low';
  if (mode === 'wipe') {
    const r = layout[0];
    const [a, b] = slots;
    if (!r || !a || !b) return null;
    const ia = input.image(a.pane);
    const ib = input.image(b.pane);
    const layers = input.flipped ? layer(ib) : [...layer(ia), ...layer(ib, wipeX(r.width, input.wipePosition))];
    return { quality, panes: [{ canvas: 0, width: r.width, height: r.height, layers }] };
  }
  const panes: PanePaint<T>[] = [];
  for (const [i, s] of slots.entries()) {
    const r = layout[i];
    if (!r) continue;
    const image = mode === 'diff' ? (input.heat?.[i] ?? null) : input.image(s.pane);
    panes.push({ canvas: i, width: r.width, height: r.height, layers: layer(image) });
  }
  return { quality, panes };
}

/** The images the stage has for one frame (`key`: their paths joined). */
export interface LoadedFrame<T> {
  key: string;
  /** The frame these images belong to (while scrubbing, it can trail the current frame). */
  frame: number;
  images: readonly (T | null)[];
  lossless: boolean;
}

/** The frame on screen once `loaded` is drawn: -1 while the panes shown are not the ones loaded (just switched). */
export function frameOnScreen(loaded: LoadedFrame<unknown>, sources: readonly Pane[]): number {
  return loaded.key === sources.map((p) => p.paths[loaded.frame] ?? '').join('|') ? loaded.frame : -1;
}
