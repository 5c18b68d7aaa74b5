import { createContext, useContext } from 'react';
import { createStore, useStore, type StoreApi } from 'zustand';
import type { CompareSession } from '../../../shared/compare';
import { ranking, type MetricKey } from '../../../core/compare/metrics';
import type { View } from '../../canvas/view';

/**
 * One store per comparison (a document): which panes are shown, the frame, the mode and its
 * settings, playback, and the one view transform every pane shares (linked zoom and pan).
 */
export type PaneId = 'input' | 'gt' | `model:${string}`;
export type CompareMode = 'grid' | 'wipe' | 'diff';

export const MAX_MODEL_PANES = 6;

export interface Pane {
  id: PaneId;
  label: string;
  /** Image path per frame (null: nothing for that frame). */
  paths: (string | null)[];
  psnr: (number | null)[] | null;
  ssim: (number | null)[] | null;
  mean: { psnr: number | null; ssim: number | null } | null;
  available: boolean;
  /** Why a pane cannot be shown (a model that failed). */
  reason: string | null;
  /** A PyTorch model that ran as its ONNX export: how close the export is to torch. */
  exported?: { cached: boolean; parity: number } | null;
}

export interface CompareState {
  session: CompareSession;
  panes: Pane[];
  /** Shown panes in order (input and ground truth first). */
  shown: PaneId[];
  frame: number;
  /** The frame the stage last put on screen (playback waits for it before moving on). */
  drawnFrame: number;
  mode: CompareMode;
  wipe: { a: PaneId; b: PaneId; position: number };
  /** A key held: the wipe shows B everywhere. */
  flipped: boolean;
  /** Difference view: every other shown pane against `reference`, on one scale (auto: null). */
  diff: { reference: PaneId; scale: number | null };
  view: View | null;
  playing: boolean;
  fps: number;
  metric: MetricKey;
  /** Image pixel under the cursor (the inspector's). */
  probe: [number, number] | null;

  setFrame: (frame: number) => void;
  setDrawnFrame: (frame: number) => void;
  step: (delta: number) => void;
  setMode: (mode: CompareMode) => void;
  togglePane: (id: PaneId) => void;
  setWipe: (patch: Partial<CompareState['wipe']>) => void;
  setFlipped: (flipped: boolean) => void;
  setDiff: (patch: Partial<CompareState['diff']>) => void;
  setView: (view: View | null) => void;
  setPlaying: (playing: boolean) => void;
  setFps: (fps: number) => void;
  setMetric: (metric: MetricKey) => void;
  setProbe: (probe: [number, number] | null) => void;
}

export type CompareStore = StoreApi<CompareState>;

export function panesOf(session: CompareSession): Pane[] {
  const panes: Pane[] = [];
  if (session.frames.some((f) => f.input))
    panes.push({
      id: 'input',
      label: 'Input',
      paths: session.frames.map((f) => f.input),
      psnr: null,
      ssim: null,
      mean: null,
      available: true,
      reason: null,
    });
  if (session.frames.some((f) => f.gt))
    panes.push({
      id: 'gt',
      label: 'Ground truth',
      paths: session.frames.map((f) => f.gt),
      psnr: null,
      ssim: null,
      mean: null,
      available: true,
      reason: null,
    });
  for (const m of session.models) {
    const any = m.outputs.some((o) => o !== null);
    panes.push({
      id: `model:${m.name}`,
      label: m.name,
      paths: m.outputs,
      psnr: m.psnr,
      ssim: m.ssim,
      mean: m.mean,
      available: any,
      reason: any ? null : `${m.status}${m.error ? `: ${m.error}` : ''}`,
      exported: m.exported ?? null,
    });
  }
  return panes;
}

/** Input, ground truth, and the best models (by mean PSNR) up to the pane limit. */
export function defaultShown(session: CompareSession, panes: readonly Pane[]): PaneId[] {
  const order = ranking(session.models).map((r) => `model:${r.name}` as PaneId);
  const models = order.filter((id) => panes.find((p) => p.id === id)?.available).slice(0, 3);
  return [...panes.filter((p) => p.id === 'input' || p.id === 'gt').map((p) => p.id), ...models];
}

/** The panes whose images the stage draws in the current mode (a wipe's two, else the shown ones and a heatmap's reference). */
export function drawnPanes(s: {
  panes: readonly Pane[];
  shown: readonly PaneId[];
  mode: CompareMode;
  wipe: { a: PaneId; b: PaneId };
  diff: { reference: PaneId };
}): Pane[] {
  const ids: readonly PaneId[] =
    s.mode === 'wipe' ? [s.wipe.a, s.wipe.b] : s.mode === 'diff' ? [...s.shown, s.diff.reference] : s.shown;
  return s.panes.filter((p) => ids.includes(p.id));
}

export function createCompareStore(session: CompareSession): CompareStore {
  const panes = panesOf(session);
  const shown = defaultShown(session, panes);
  const models = shown.filter((id) => id.startsWith('model:'));
  const last = Math.max(0, session.frames.length - 1);
  return createStore<CompareState>()((set, get) => ({
    session,
    panes,
    shown,
    frame: 0,
    drawnFrame: -1,
    mode: 'grid',
    wipe: { a: models[0] ?? shown[0] ?? 'input', b: models[1] ?? shown[1] ?? 'input', position: 0.5 },
    flipped: false,
    diff: { reference: panes.some((p) => p.id === 'gt') ? 'gt' : (shown[0] ?? 'input'), scale: null },
    view: null,
    playing: false,
    fps: 12,
    metric: 'psnr',
    probe: null,
    setFrame: (frame) => set({ frame: Math.max(0, Math.min(last, Math.round(frame))) }),
    setDrawnFrame: (drawnFrame) => {
      if (get().drawnFrame !== drawnFrame) set({ drawnFrame });
    },
    step: (delta) => get().setFrame(get().frame + delta),
    setMode: (mode) => set({ mode }),
    togglePane: (id) =>
      set((s) => {
        if (s.shown.includes(id)) return s.shown.length > 1 ? { shown: s.shown.filter((x) => x !== id) } : {};
        const pane = s.panes.find((p) => p.id === id);
        if (!pane?.available) return {};
        const modelCount = s.shown.filter((x) => x.startsWith('model:')).length;
        if (id.startsWith('model:') && modelCount >= MAX_MODEL_PANES) return {};
        // Keep the order of the pane list (input, GT, then models as listed).
        const order = s.panes.map((p) => p.id);
        return { shown: [...s.shown, id].sort((a, b) => order.indexOf(a) - order.indexOf(b)) };
      }),
    setWipe: (patch) => set((s) => ({ wipe: { ...s.wipe, ...patch } })),
    setFlipped: (flipped) => set({ flipped }),
    setDiff: (patch) => set((s) => ({ diff: { ...s.diff, ...patch } })),
    setView: (view) => set({ view }),
    setPlaying: (playing) => set({ playing }),
    setFps: (fps) => set({ fps: Math.max(1, Math.min(60, fps)) }),
    setMetric: (metric) => set({ metric }),
    setProbe: (probe) => set({ probe }),
  }));
}

export const CompareStoreContext = createContext<CompareStore | null>(null);

export function useCompareStore(): CompareStore {
  const store = useContext(CompareStoreContext);
  if (!store) throw new Error('useCompare outside <CompareStoreContext.Provider>');
  return store;
}

export function useCompare<T>(selector: (s: CompareState) => T): T {
  return useStore(useCompareStore(), selector);
}
