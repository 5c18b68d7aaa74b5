import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { paneAt, wipeFraction, wipeX } from '../../../core/compare/layout';
import { colourMap } from '../../../core/image/heatmap';
import { fitView, panBy, viewToImage, wheelZoomFactor, zoomAt } from '../../canvas/view';
import { useRafPointer, useWheel, type LocalPoint } from '../../canvas/use-raf-pointer';
import { useViewportSize } from '../../canvas/use-viewport-size';
import { paintCompareFrame } from './draw';
import type { FrameCache } from './frame-cache';
import { useFrameBitmaps } from './frame-loader';
import type { HeatmapClient } from './heatmap-compute';
import { compareSlots, frameOnScreen, renderCompareFrame, slotSources, stageLayout } from './render-frame';
import { useSettled } from './settled';
import { useCompare, useCompareStore, type Pane } from './store';
import { useHeatmaps } from './use-heatmaps';

/**
 * The panes: an N-up grid, a wipe between two panes, or difference heatmaps on one shared
 * scale. One view transform drives every pane (linked zoom and pan); the wheel zooms about the
 * pointer in whichever pane it is over. What each canvas shows is planned by
 * renderCompareFrame (render-frame.ts); this component loads the images and handles the pointer.
 */
export function Stage({ cache, heatmaps }: { cache: FrameCache; heatmaps: HeatmapClient }) {
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
  const size = useViewportSize(stageRef, Math.floor);
  const dpr = window.devicePixelRatio || 1;
  const drawn = useRef(0);

  const slots = useMemo(
    () => compareSlots({ panes, shown, mode, wipe: { a: wipe.a, b: wipe.b }, diff: { reference: diff.reference } }),
    [panes, shown, mode, wipe.a, wipe.b, diff.reference],
  );
  // Every image this frame needs (a heatmap needs its reference too).
  const sources = useMemo(() => slotSources(slots), [slots]);
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
    for (const [i, b] of loaded.images.entries()) {
      if (!b || b.width === 0) continue;
      const size = paths[i] ? cache.sizeOf(paths[i]) : null;
      return size ?? { width: b.width, height: b.height };
    }
    return null;
  }, [loaded, cache]);

  const layout = useMemo(() => stageLayout(mode, slots.length, size, frameSize), [size, frameSize, mode, slots.length]);
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
  const heatKey =
    mode === 'diff' && loaded ? `${loaded.key}#${slots.map((s) => s.key).join(',')}#${diff.scale ?? 'auto'}` : '';
  const heat = useHeatmaps({ key: heatKey, heatmaps, cache, slots, frame, scale: diff.scale });

  // --- drawing --------------------------------------------------------------------------------
  // Redrawn when what is on screen changes (not on every render: the pointer moves a lot).
  useLayoutEffect(() => {
    if (!view || !frameSize) return;
    const el = stageRef.current;
    const plan = renderCompareFrame<CanvasImageSource>({
      mode,
      slots,
      layout,
      view,
      frameSize,
      dpr,
      flipped,
      wipePosition: wipe.position,
      lossless: !!loaded?.lossless,
      image: (p: Pane) => {
        const b = loaded?.images[sources.indexOf(p)] ?? null;
        return b && b.width > 0 ? b : null;
      },
      heat: heat && heat.key === heatKey ? heat.images : null,
    });
    if (!plan) return;
    paintCompareFrame(plan, canvases.current, dpr);
    if (el && loaded) {
      drawn.current++;
      el.dataset.framesDrawn = String(drawn.current);
      const onScreen = frameOnScreen(loaded, sources);
      el.dataset.frameDrawn = String(onScreen);
      store.getState().setDrawnFrame(onScreen);
      el.dataset.lossless = String(loaded.lossless);
    }
  }, [view, frameSize, mode, layout, slots, loaded, sources, flipped, wipe.position, heat, heatKey, dpr, store]);

  // --- pointer: pan, move the wipe's divider, probe the pixel under it (once per frame) --------
  const gesture = useRef<{ kind: 'pan' | 'wipe'; last: LocalPoint } | null>(null);
  const pointer = useRafPointer(stageRef, (p) => {
    const s = store.getState();
    const hit = paneAt(layout, p);
    if (hit && s.view) s.setProbe(viewToImage(s.view, hit.local));
    const g = gesture.current;
    if (!g) return;
    if (g.kind === 'wipe' && layout[0]) s.setWipe({ position: wipeFraction(layout[0].width, p[0]) });
    else if (s.view) s.setView(panBy(s.view, p[0] - g.last[0], p[1] - g.last[1]));
    g.last = p;
  });
  const onPointerDown = (e: React.PointerEvent<HTMLDivElement>): void => {
    // A move not yet applied belongs before the press.
    pointer.flush();
    const p = pointer.local(e);
    stageRef.current?.focus();
    const onDivider = mode === 'wipe' && layout[0] && Math.abs(p[0] - wipeX(layout[0].width, wipe.position)) <= 10;
    gesture.current = { kind: onDivider ? 'wipe' : 'pan', last: p };
    try {
      e.currentTarget.setPointerCapture(e.pointerId);
    } catch {
      // Not a tracked pointer: the gesture works while over the stage.
    }
  };
  const onPointerUp = (): void => {
    // The last position counts exactly, even if its frame has not come yet.
    pointer.flush();
    gesture.current = null;
  };
  const onPointerLeave = (): void => {
    pointer.flush();
    store.getState().setProbe(null);
  };
  useWheel(stageRef, (e, p) => {
    const s = store.getState();
    const hit = paneAt(layout, p);
    if (!hit || !s.view) return;
    s.setView(zoomAt(s.view, hit.local, wheelZoomFactor(e.deltaY, e.deltaMode, e.ctrlKey)));
  });

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
      onPointerMove={pointer.move}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onPointerLeave={onPointerLeave}
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
