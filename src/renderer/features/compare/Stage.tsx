import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { gridLayout, paneAt, wipeFraction, wipeX, type Rect } from '../../../core/compare/layout';
import { colourise, colourMap, errorMap, sharedScale } from '../../../core/image/heatmap';
import { fitView, panBy, viewToImage, wheelZoomFactor, zoomAt } from '../../canvas/view';
import { clear, drawFrame, sizeCanvas } from './draw';
import type { FrameCache } from './frame-cache';
import { useSettled } from './settled';
import { paneColour } from './palette';
import { useCompare, useCompareStore, type Pane } from './store';

const GAP = 6;

/** What the stage draws in each slot: a pane's frame, or a heatmap of one pane against another. */
interface Slot {
  key: string;
  pane: Pane;
  /** Difference view: the reference pane. */
  against?: Pane;
  label: string;
  colour: string;
}

interface Loaded {
  key: string;
  /** The frame these images belong to (while scrubbing, it can trail the current frame). */
  frame: number;
  bitmaps: (ImageBitmap | null)[];
  lossless: boolean;
}

/**
 * Loads the images of the frame the stage wants, one frame at a time and always the newest
 * wanted: while scrubbing faster than frames decode, skipped frames are never started, so the
 * screen keeps up at the rate one frame can be loaded. Moving frames show the proxies; a settled
 * frame is replaced by its lossless originals.
 */
class LatestFrameLoader {
  private busy = false;
  private wanted: { key: string; frame: number; settled: boolean } | null = null;
  private shown: { key: string; lossless: boolean } | null = null;

  constructor(
    private readonly cache: FrameCache,
    private readonly onLoaded: (loaded: Loaded) => void,
  ) {}

  want(key: string, frame: number, settled: boolean): void {
    this.wanted = { key, frame, settled };
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy || !this.wanted) return;
    const { key, frame, settled } = this.wanted;
    this.wanted = null;
    const paths = key.split('|').map((p) => p || null);
    const decoded = paths.every((p) => !p || this.cache.isReady(p, 'lossless'));
    const lossless = decoded || settled;
    if (this.shown?.key === key && (this.shown.lossless || !lossless)) return void this.pump();
    this.busy = true;
    try {
      const load = (kind: 'proxy' | 'lossless') =>
        Promise.all(
          paths.map((p) =>
            p
              ? (kind === 'proxy' ? this.cache.proxy(p) : this.cache.bitmap(p)).catch(() => null)
              : Promise.resolve(null),
          ),
        );
      const bitmaps = await load(lossless ? 'lossless' : 'proxy');
      this.shown = { key, lossless };
      this.onLoaded({ key, frame, bitmaps, lossless });
    } finally {
      this.busy = false;
      void this.pump();
    }
  }
}

function useFrameBitmaps(
  cache: FrameCache,
  paths: readonly (string | null)[],
  frame: number,
  settled: boolean,
): Loaded | null {
  const key = paths.join('|');
  const [state, setState] = useState<Loaded | null>(null);
  const loader = useMemo(() => new LatestFrameLoader(cache, setState), [cache]);
  useEffect(() => loader.want(key, frame, settled), [loader, key, frame, settled]);
  return state;
}

/**
 * The panes: an N-up grid, a wipe between two panes, or difference heatmaps on one shared
 * scale. One view transform drives every pane (linked zoom and pan); the wheel zooms about the
 * pointer in whichever pane it is over.
 */
export function Stage({ cache }: { cache: FrameCache }) {
  const store = useCompareStore();
  const panes = useCompare((s) => s.panes);
  const shown = useCompare((s) => s.shown);
  const frame = useCompare((s) => s.frame);
  const mode = useCompare((s) => s.mode);
  const wipe = useCompare((s) => s.wipe);
  const flipped = useCompare((s) => s.flipped);
  const diff = useCompare((s) => s.diff);
  const view = useCompare((s) => s.view);
  const playing = useCompare((s) => s.playing);
  const settled = useSettled(frame, playing);
  const stageRef = useRef<HTMLDivElement>(null);
  const canvases = useRef<(HTMLCanvasElement | null)[]>([]);
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  const dpr = window.devicePixelRatio || 1;
  const drawn = useRef(0);

  useLayoutEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    const observer = new ResizeObserver(([e]) => {
      if (e) setSize({ width: Math.floor(e.contentRect.width), height: Math.floor(e.contentRect.height) });
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const byId = useMemo(() => new Map(panes.map((p) => [p.id, p])), [panes]);
  const modelIndex = useMemo(
    () => new Map(panes.filter((p) => p.id.startsWith('model:')).map((p, i) => [p.id, i])),
    [panes],
  );

  const slots: Slot[] = useMemo(() => {
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
  }, [mode, wipe.a, wipe.b, shown, diff.reference, byId, modelIndex]);

  // Every image this frame needs (a heatmap needs its reference too).
  const sources = useMemo(() => {
    const list: Pane[] = [];
    for (const s of slots) {
      if (!list.includes(s.pane)) list.push(s.pane);
      if (s.against && !list.includes(s.against)) list.push(s.against);
    }
    return list;
  }, [slots]);
  const loaded = useFrameBitmaps(
    cache,
    sources.map((p) => p.paths[frame] ?? null),
    frame,
    settled,
  );
  // The frame's own size (a proxy bitmap is smaller; it is drawn stretched to this).
  const frameSize = useMemo(() => {
    if (!loaded) return null;
    const paths = loaded.key.split('|');
    for (const [i, b] of loaded.bitmaps.entries()) {
      if (!b || b.width === 0) continue;
      const size = paths[i] ? cache.sizeOf(paths[i]) : null;
      return size ?? { width: b.width, height: b.height };
    }
    return null;
  }, [loaded, cache]);

  const layout: Rect[] = useMemo(() => {
    if (!size || !frameSize) return [];
    if (mode === 'wipe') return slots.length ? [{ x: 0, y: 0, width: size.width, height: size.height }] : [];
    return gridLayout(slots.length, size, frameSize, GAP).panes;
  }, [size, frameSize, mode, slots.length]);
  const pane0 = layout[0];

  // A new layout (mode, pane count, window size) fits the frame in the panes.
  const fitKey = pane0 && frameSize ? `${pane0.width}x${pane0.height}:${frameSize.width}x${frameSize.height}` : '';
  const fitted = useRef('');
  useEffect(() => {
    if (!fitKey || !pane0 || !frameSize) return;
    // Fit on a new layout, and whenever the view was reset (F, Fit).
    if (fitted.current === fitKey && view !== null) return;
    fitted.current = fitKey;
    store.getState().setView(fitView(frameSize, pane0, 0));
  }, [fitKey, pane0, frameSize, store, view]);

  // --- difference heatmaps: every slot against its reference, on one shared scale -------------
  const [heat, setHeat] = useState<{ key: string; images: (OffscreenCanvas | null)[]; scale: number } | null>(null);
  const heatKey =
    mode === 'diff' && loaded ? `${loaded.key}#${slots.map((s) => s.key).join(',')}#${diff.scale ?? 'auto'}` : '';
  useEffect(() => {
    if (!heatKey) return;
    let live = true;
    void (async () => {
      const maps: (Float32Array | null)[] = [];
      let w = 0;
      let h = 0;
      for (const s of slots) {
        const a = s.pane.paths[frame];
        const b = s.against?.paths[frame];
        if (!a || !b) {
          maps.push(null);
          continue;
        }
        try {
          const [da, db] = await Promise.all([cache.imageData(a), cache.imageData(b)]);
          if (da.width !== db.width || da.height !== db.height) {
            maps.push(null);
            continue;
          }
          w = da.width;
          h = da.height;
          maps.push(errorMap(da.data, db.data, new Float32Array(w * h)));
        } catch {
          maps.push(null);
        }
      }
      const scale = diff.scale ?? sharedScale(maps.filter((m): m is Float32Array => !!m));
      const lut = colourMap();
      const images = maps.map((m) => {
        if (!m) return null;
        const c = new OffscreenCanvas(w, h);
        const img = new ImageData(w, h);
        colourise(m, scale, lut, img.data);
        c.getContext('2d')!.putImageData(img, 0, 0);
        return c;
      });
      if (live) setHeat({ key: heatKey, images, scale });
    })();
    return () => {
      live = false;
    };
    // slots/frame/cache are captured through heatKey.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [heatKey]);

  // --- drawing --------------------------------------------------------------------------------
  // Redrawn when what is on screen changes (not on every render: the pointer moves a lot).
  useLayoutEffect(() => {
    if (!view || !frameSize) return;
    const el = stageRef.current;
    const bitmap = (p: Pane): ImageBitmap | null => {
      const b = loaded?.bitmaps[sources.indexOf(p)] ?? null;
      return b && b.width > 0 ? b : null;
    };
    // Moving frames are drawn with the cheap filter; a settled frame with the best one.
    const quality: ImageSmoothingQuality = loaded?.lossless ? 'high' : 'low';
    if (mode === 'wipe') {
      const c = canvases.current[0];
      const r = layout[0];
      const [a, b] = slots;
      if (!c || !r || !a || !b) return;
      sizeCanvas(c, r.width, r.height, dpr);
      const ctx = c.getContext('2d')!;
      clear(ctx);
      const ia = bitmap(a.pane);
      const ib = bitmap(b.pane);
      if (flipped) {
        if (ib) drawFrame(ctx, ib, frameSize, view, dpr, quality);
      } else {
        if (ia) drawFrame(ctx, ia, frameSize, view, dpr, quality);
        if (ib) drawFrame(ctx, ib, frameSize, view, dpr, quality, wipeX(r.width, wipe.position));
      }
    } else {
      for (const [i, s] of slots.entries()) {
        const c = canvases.current[i];
        const r = layout[i];
        if (!c || !r) continue;
        sizeCanvas(c, r.width, r.height, dpr);
        const ctx = c.getContext('2d')!;
        clear(ctx);
        const source = mode === 'diff' ? (heat && heat.key === heatKey ? heat.images[i] : null) : bitmap(s.pane);
        if (source) drawFrame(ctx, source, frameSize, view, dpr, quality);
      }
    }
    if (el && loaded) {
      drawn.current++;
      el.dataset.framesDrawn = String(drawn.current);
      // The frame on screen: -1 while the panes shown are not the ones loaded (just switched).
      const same = loaded.key === sources.map((p) => p.paths[loaded.frame] ?? '').join('|');
      el.dataset.frameDrawn = String(same ? loaded.frame : -1);
      store.getState().setDrawnFrame(same ? loaded.frame : -1);
      el.dataset.lossless = String(loaded.lossless);
    }
  }, [view, frameSize, mode, layout, slots, loaded, sources, flipped, wipe.position, heat, heatKey, dpr, frame, store]);

  // --- pointer --------------------------------------------------------------------------------
  const gesture = useRef<{ kind: 'pan' | 'wipe'; last: [number, number] } | null>(null);
  const local = (e: { clientX: number; clientY: number }): [number, number] => {
    const r = stageRef.current!.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  const onPointerDown = (e: React.PointerEvent<HTMLDivElement>): void => {
    const p = local(e);
    stageRef.current?.focus();
    const onDivider = mode === 'wipe' && layout[0] && Math.abs(p[0] - wipeX(layout[0].width, wipe.position)) <= 10;
    gesture.current = { kind: onDivider ? 'wipe' : 'pan', last: p };
    try {
      e.currentTarget.setPointerCapture(e.pointerId);
    } catch {
      // Not a tracked pointer: the gesture works while over the stage.
    }
  };
  const onPointerMove = (e: React.PointerEvent<HTMLDivElement>): void => {
    const p = local(e);
    const s = store.getState();
    const hit = paneAt(layout, p);
    if (hit && s.view) s.setProbe(viewToImage(s.view, hit.local));
    const g = gesture.current;
    if (!g) return;
    if (g.kind === 'wipe' && layout[0]) s.setWipe({ position: wipeFraction(layout[0].width, p[0]) });
    else if (s.view) s.setView(panBy(s.view, p[0] - g.last[0], p[1] - g.last[1]));
    g.last = p;
  };
  const onPointerUp = (): void => {
    gesture.current = null;
  };
  useEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent): void => {
      e.preventDefault();
      const s = store.getState();
      const hit = paneAt(layout, local(e));
      if (!hit || !s.view) return;
      s.setView(zoomAt(s.view, hit.local, wheelZoomFactor(e.deltaY, e.deltaMode)));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [layout, store]);

  const frameMetric = (p: Pane): string => {
    const psnr = p.psnr?.[frame];
    const ssim = p.ssim?.[frame];
    return psnr != null ? `${psnr.toFixed(2)} dB · ${ssim?.toFixed(4) ?? '—'}` : '';
  };
  const meanMetric = (p: Pane): string =>
    p.mean?.psnr != null ? `mean ${p.mean.psnr.toFixed(2)} dB · ${p.mean.ssim?.toFixed(4) ?? '—'}` : '';

  return (
    <div
      className={`compare-stage mode-${mode}`}
      ref={stageRef}
      tabIndex={0}
      data-testid="compare-stage"
      data-mode={mode}
      data-view-scale={view?.scale ?? ''}
      data-view-x={view?.x ?? ''}
      data-view-y={view?.y ?? ''}
      data-panes={slots.length}
      data-heat-scale={mode === 'diff' && heat ? heat.scale : ''}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onPointerLeave={() => store.getState().setProbe(null)}
    >
      {(mode === 'wipe' ? slots.slice(0, 1) : slots).map((s, i) => {
        const r = layout[i];
        if (!r) return null;
        return (
          <div
            key={s.key}
            className="pane"
            data-testid="pane"
            data-pane={s.pane.id}
            style={{ left: r.x, top: r.y, width: r.width, height: r.height }}
          >
            <canvas
              ref={(el) => {
                canvases.current[i] = el;
              }}
              data-pane-canvas={s.key}
              data-label={mode === 'wipe' ? `${slots[0]?.label} | ${slots[1]?.label}` : s.label}
            />
            {mode === 'wipe' ? (
              <>
                <div className="pane-label left" style={{ borderColor: slots[0]?.colour }}>
                  <strong>{flipped ? slots[1]?.label : slots[0]?.label}</strong>
                  <span>
                    {slots[0] && !flipped ? frameMetric(slots[0].pane) : slots[1] ? frameMetric(slots[1].pane) : ''}
                  </span>
                </div>
                {!flipped && (
                  <div className="pane-label right" style={{ borderColor: slots[1]?.colour }}>
                    <strong>{slots[1]?.label}</strong>
                    <span>{slots[1] ? frameMetric(slots[1].pane) : ''}</span>
                  </div>
                )}
                {!flipped && (
                  <div
                    className="wipe-divider"
                    data-testid="wipe-divider"
                    style={{ left: wipeX(r.width, wipe.position) }}
                  >
                    <span className="handle" />
                  </div>
                )}
              </>
            ) : (
              <div className="pane-label" style={{ borderColor: s.colour }}>
                <strong>{s.label}</strong>
                {mode === 'grid' && <span>{frameMetric(s.pane)}</span>}
                {mode === 'grid' && <span className="dim">{meanMetric(s.pane)}</span>}
                {mode === 'diff' && !s.pane.paths[frame] && <span className="dim">no frame</span>}
              </div>
            )}
          </div>
        );
      })}
      {mode === 'diff' && heat && <ColourBar scale={heat.scale} />}
      {view && (
        <div className="stage-hud mono">
          {Math.round(view.scale * dpr * 100)}%{frameSize ? ` · ${frameSize.width}×${frameSize.height}` : ''}
          {loaded && !loaded.lossless && mode !== 'diff' ? ' · proxy' : ''}
        </div>
      )}
      {slots.length === 0 && <div className="editor-note">Choose panes on the right.</div>}
    </div>
  );
}

function ColourBar({ scale }: { scale: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useLayoutEffect(() => {
    const c = ref.current;
    if (!c) return;
    const lut = colourMap();
    c.width = 256;
    c.height = 1;
    const img = new ImageData(256, 1);
    for (let i = 0; i < 256; i++) {
      img.data[i * 4] = lut[i * 3]!;
      img.data[i * 4 + 1] = lut[i * 3 + 1]!;
      img.data[i * 4 + 2] = lut[i * 3 + 2]!;
      img.data[i * 4 + 3] = 255;
    }
    c.getContext('2d')!.putImageData(img, 0, 0);
  }, []);
  return (
    <div className="colour-bar" data-testid="colour-bar" data-scale={scale}>
      <span className="title">mean |Δ| (8-bit levels)</span>
      <canvas ref={ref} />
      <div className="ticks mono">
        <span>0</span>
        <span>{scale / 2}</span>
        <span>≥ {scale}</span>
      </div>
    </div>
  );
}
