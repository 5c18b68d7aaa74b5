import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Circle, Group, Image as KImage, Layer, Line, Stage, Text } from 'react-konva';
import { dialEllipse, toPixels, type PixelKeypoints } from '../../../core/geometry/dial';
import type { ImageView } from '../../../shared/images';
import { KEYPOINT_NAMES, type KeypointName } from '../../../shared/labels';
import {
  actualPixels,
  fitView,
  hitPoint,
  imageToView,
  keepInView,
  needsFullResolution,
  panBy,
  viewToImage,
  wheelZoomFactor,
  zoomAt,
  type Point,
  type View,
} from '../../canvas/view';
import { useApi } from '../../lib/api';
import { useFolder, useFolderStore } from '../../store/folder';
import { neighbour, predictionOf } from '../../store/folder/editor';
import { EditorPanel } from './EditorPanel';
import { HelpOverlay } from './HelpOverlay';
import { POINT_STYLE } from './points';
import { useImageElement } from './use-image';

const HIT_RADIUS = 14;
const LOUPE_RADIUS = 72;

interface Views {
  preview?: ImageView;
  full?: ImageView;
  error?: string;
}
const NO_VIEWS: Views = {};

type Gesture =
  | { kind: 'drag'; name: KeypointName; offset: [number, number]; pointer: [number, number] }
  | { kind: 'pan'; last: [number, number] };

/**
 * The keypoint editor: the photo (thumbnail, then a preview, then full resolution once zoomed
 * past the preview), the five points with the diameters and the dial ellipse, drag with a
 * magnifier, wheel zoom to the pointer, space/background drag to pan, and every review action on
 * the keyboard. Points live in image pixels in the store; the view transform is local state.
 */
export function Editor({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const store = useFolderStore();
  const current = useFolder((s) => s.current);
  const item = useFolder((s) => (s.current ? s.items[s.current] : undefined));
  const draft = useFolder((s) => s.draft);
  const selected = useFolder((s) => s.selected);
  const thumbPath = useFolder((s) => (item ? s.thumbs[item.path] : undefined));
  const scanSize = useFolder((s) => (item ? s.sizes[item.path] : undefined));

  const containerRef = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState<{ width: number; height: number } | null>(null);
  const [view, setView] = useState<View | null>(null);
  const [gesture, setGesture] = useState<Gesture | null>(null);
  const [hover, setHover] = useState<KeypointName | null>(null);
  const [pointerImage, setPointerImage] = useState<[number, number] | null>(null);
  const [space, setSpace] = useState(false);
  const [help, setHelp] = useState(false);
  // Image views by image key (only set from async results), and paint timings for bench/.
  const [views, setViews] = useState<Record<string, Views>>({});
  const [timing, setTiming] = useState<Record<string, { first?: number; preview?: number }>>({});
  const openedAt = useRef<{ key: string; t: number }>({ key: '', t: 0 });
  const dpr = typeof window === 'undefined' ? 1 : window.devicePixelRatio || 1;

  // --- the image ------------------------------------------------------------------------------
  const mine: Views = (current && views[current]) || NO_VIEWS;
  const shownSize = item?.shown?.image_size;
  const imageSize = useMemo<[number, number] | null>(() => {
    if (shownSize) return [shownSize[0], shownSize[1]];
    if (scanSize) return [scanSize[0], scanSize[1]];
    return mine.preview ? [mine.preview.imageWidth, mine.preview.imageHeight] : null;
  }, [shownSize, scanSize, mine.preview]);

  const setViewsOf = useCallback(
    (key: string, patch: Partial<Views>) =>
      setViews((all) => {
        // Keep the views of the last few images only.
        const kept = Object.entries(all)
          .filter(([k]) => k !== key)
          .slice(-4);
        return { ...Object.fromEntries(kept), [key]: { ...all[key], ...patch } };
      }),
    [],
  );

  const itemPath = item?.path;
  useEffect(() => {
    if (!current || !itemPath) return;
    const key = current;
    openedAt.current = { key, t: performance.now() };
    let live = true;
    void api.images.view(itemPath, 'preview').then((r) => {
      if (live) setViewsOf(key, r.ok ? { preview: r.value } : { error: r.error.message });
    });
    return () => {
      live = false;
    };
  }, [api, current, itemPath, setViewsOf]);

  const wantFull =
    !!view && !!imageSize && !!mine.preview && needsFullResolution(view, imageSize[0], mine.preview.width, dpr);
  useEffect(() => {
    if (!wantFull || !current || !itemPath || mine.full) return;
    const key = current;
    let live = true;
    void api.images.view(itemPath, 'full').then((r) => {
      if (live && r.ok) setViewsOf(key, { full: r.value });
    });
    return () => {
      live = false;
    };
  }, [api, wantFull, current, itemPath, mine.full, setViewsOf]);

  const thumbEl = useImageElement(thumbPath ? api.images.url(thumbPath) : null);
  const previewEl = useImageElement(mine.preview ? api.images.url(mine.preview.path) : null);
  const fullEl = useImageElement(mine.full ? api.images.url(mine.full.path) : null);
  const imageEl = fullEl ?? previewEl ?? thumbEl;
  const source = fullEl ? 'full' : previewEl ? 'preview' : thumbEl ? 'thumbnail' : 'none';

  // First paint (any source) and preview paint, measured from opening the image.
  const paint = current ? timing[current] : undefined;
  useEffect(() => {
    if (!imageEl || !current || openedAt.current.key !== current) return;
    const which = previewEl || fullEl ? 'preview' : 'first';
    if (which === 'preview' ? paint?.preview !== undefined : paint?.first !== undefined) return;
    const key = current;
    const opened = openedAt.current.t;
    const frame = requestAnimationFrame(() => {
      const ms = performance.now() - opened;
      setTiming((all) => {
        const t = all[key] ?? {};
        const next =
          which === 'preview' ? { first: t.first ?? ms, preview: t.preview ?? ms } : { ...t, first: t.first ?? ms };
        return { ...all, [key]: next };
      });
    });
    return () => cancelAnimationFrame(frame);
  }, [imageEl, previewEl, fullEl, current, paint]);

  // Warm the neighbours: the next image opens from the cache.
  useEffect(() => {
    if (!previewEl || !current) return;
    const s = store.getState();
    for (const delta of [1, -1] as const) {
      const key = neighbour(s.visible(), current, delta);
      const it = key ? s.items[key] : undefined;
      if (!it) continue;
      void api.images.view(it.path, 'preview').then((r) => {
        if (r.ok) new Image().src = api.images.url(r.value.path);
      });
    }
  }, [api, store, previewEl, current]);

  // --- the view -------------------------------------------------------------------------------
  useLayoutEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry)
        setViewport({ width: Math.round(entry.contentRect.width), height: Math.round(entry.contentRect.height) });
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const fittedFor = useRef<string>('');
  useEffect(() => {
    if (!viewport || !imageSize || !current) return;
    if (fittedFor.current === current) return;
    fittedFor.current = current;
    setView(fitView({ width: imageSize[0], height: imageSize[1] }, viewport));
  }, [viewport, imageSize, current]);

  const fit = useCallback(() => {
    if (viewport && imageSize) setView(fitView({ width: imageSize[0], height: imageSize[1] }, viewport));
  }, [viewport, imageSize]);

  // --- pointer --------------------------------------------------------------------------------
  const local = (e: React.PointerEvent | React.WheelEvent): [number, number] => {
    const r = containerRef.current!.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };

  // Pointer moves are applied once per animation frame (the newest position wins): a mouse
  // reporting at 500 Hz costs one render per frame, not eight.
  const viewRef = useRef<View | null>(null);
  useEffect(() => {
    viewRef.current = view;
  }, [view]);
  const gestureRef = useRef<Gesture | null>(null);
  const pendingRef = useRef<[number, number] | null>(null);
  const frameRef = useRef<number | null>(null);

  const applyPointer = useCallback((): void => {
    frameRef.current = null;
    const p = pendingRef.current;
    const v = viewRef.current;
    pendingRef.current = null;
    if (!p || !v) return;
    setPointerImage(viewToImage(v, p));
    const g = gestureRef.current;
    if (!g) {
      const d = store.getState().draft;
      const h = d ? hitPoint(v, d, p, HIT_RADIUS) : null;
      setHover((prev) => (prev === h ? prev : h));
    } else if (g.kind === 'drag') {
      store.getState().move(g.name, viewToImage(v, [p[0] - g.offset[0], p[1] - g.offset[1]]));
      gestureRef.current = { ...g, pointer: p };
      setGesture(gestureRef.current);
    } else {
      const next = panBy(v, p[0] - g.last[0], p[1] - g.last[1]);
      viewRef.current = next;
      setView(next);
      gestureRef.current = { kind: 'pan', last: p };
    }
  }, [store]);

  useEffect(
    () => () => {
      if (frameRef.current !== null) cancelAnimationFrame(frameRef.current);
    },
    [],
  );

  const onPointerDown = (e: React.PointerEvent<HTMLDivElement>): void => {
    if (!view) return;
    const p = local(e);
    containerRef.current?.focus();
    const s = store.getState();
    const hit = s.draft && !space && e.button === 0 ? hitPoint(view, s.draft, p, HIT_RADIUS) : null;
    try {
      e.currentTarget.setPointerCapture(e.pointerId);
    } catch {
      // A pointer the browser no longer tracks: the drag still works while over the canvas.
    }
    if (hit && s.draft) {
      const [sx, sy] = imageToView(view, s.draft[hit]);
      s.select(hit);
      s.beginDrag();
      gestureRef.current = { kind: 'drag', name: hit, offset: [p[0] - sx, p[1] - sy], pointer: p };
    } else {
      gestureRef.current = { kind: 'pan', last: p };
    }
    setGesture(gestureRef.current);
  };

  const onPointerMove = (e: React.PointerEvent<HTMLDivElement>): void => {
    pendingRef.current = local(e);
    if (frameRef.current === null) frameRef.current = requestAnimationFrame(applyPointer);
  };

  const endGesture = (e: React.PointerEvent<HTMLDivElement>): void => {
    // The last position counts exactly, even if its frame has not come yet.
    if (frameRef.current !== null) {
      cancelAnimationFrame(frameRef.current);
      applyPointer();
    }
    if (gestureRef.current?.kind === 'drag') store.getState().endDrag();
    gestureRef.current = null;
    setGesture(null);
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
  };

  const onWheel = (e: React.WheelEvent<HTMLDivElement>): void => {
    if (!view) return;
    setView(zoomAt(view, local(e), wheelZoomFactor(e.deltaY, e.deltaMode)));
  };

  // The page must not scroll or zoom under the canvas.
  useEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    const stop = (e: WheelEvent): void => e.preventDefault();
    el.addEventListener('wheel', stop, { passive: false });
    return () => el.removeEventListener('wheel', stop);
  }, []);

  // --- keyboard -------------------------------------------------------------------------------
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
      const s = store.getState();
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key;
      let handled = true;
      if (key === '?' || (key === '/' && e.shiftKey)) setHelp((h) => !h);
      else if (key === 'Escape') {
        if (help) setHelp(false);
        else if (s.selected) s.select(null);
        else onClose();
      } else if (key === 'Tab') s.cycle(e.shiftKey ? -1 : 1);
      else if (mod && (key === 'z' || key === 'Z')) (e.shiftKey ? s.redo : s.undo)();
      else if (mod && (key === 'y' || key === 'Y')) s.redo();
      else if (mod) handled = false;
      else if (key.startsWith('Arrow')) {
        const stepPx = e.shiftKey ? 10 : e.altKey ? 0.1 : 1;
        if (s.selected && s.draft) {
          const dx = key === 'ArrowLeft' ? -stepPx : key === 'ArrowRight' ? stepPx : 0;
          const dy = key === 'ArrowUp' ? -stepPx : key === 'ArrowDown' ? stepPx : 0;
          s.nudge(dx, dy);
          const moved = store.getState().draft;
          if (moved && viewport) setView((v) => (v ? keepInView(v, viewport, moved[s.selected!]) : v));
        } else if (key === 'ArrowLeft') s.step(-1);
        else if (key === 'ArrowRight') s.step(1);
        else handled = false;
      } else if (key === 'Enter') void s.accept();
      else if (key === 'Backspace' || key === 'Delete') void s.reject();
      else if (key === 'r' || key === 'R') s.reset(e.shiftKey);
      else if (key === 'f' || key === 'F') fit();
      else if (key === '1' && viewport) {
        const focus = s.selected && s.draft ? s.draft[s.selected] : undefined;
        setView((v) => (v ? actualPixels(v, viewport, dpr, focus) : v));
      } else if ((key === '+' || key === '=') && viewport)
        setView((v) => (v ? zoomAt(v, [viewport.width / 2, viewport.height / 2], 1.25) : v));
      else if (key === '-' && viewport)
        setView((v) => (v ? zoomAt(v, [viewport.width / 2, viewport.height / 2], 0.8) : v));
      else if (key === ' ') setSpace(true);
      else handled = false;
      if (handled) e.preventDefault();
    };
    const onKeyUp = (e: KeyboardEvent): void => {
      if (e.key === ' ') setSpace(false);
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onKeyUp);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onKeyUp);
    };
  }, [store, help, onClose, fit, viewport, dpr]);

  // --- drawing --------------------------------------------------------------------------------
  const prediction = useMemo(() => {
    const p = item ? predictionOf(item) : null;
    return p ? toPixels(p.coords_norm, p.image_size) : null;
  }, [item]);

  const cursor =
    gesture?.kind === 'pan' ? 'grabbing' : gesture ? 'none' : hover ? 'move' : space ? 'grab' : 'crosshair';

  return (
    <div className="editor" data-testid="editor">
      <div
        className="editor-canvas"
        ref={containerRef}
        tabIndex={0}
        aria-label="Keypoint editor canvas"
        style={{ cursor }}
        data-testid="editor-canvas"
        data-image-key={current ?? ''}
        data-view-scale={view?.scale ?? ''}
        data-view-x={view?.x ?? ''}
        data-view-y={view?.y ?? ''}
        data-image-width={imageSize?.[0] ?? ''}
        data-image-height={imageSize?.[1] ?? ''}
        data-source={source}
        data-first-paint-ms={paint?.first !== undefined ? paint.first.toFixed(1) : ''}
        data-preview-paint-ms={paint?.preview !== undefined ? paint.preview.toFixed(1) : ''}
        data-points={draft ? JSON.stringify(draft) : ''}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={endGesture}
        onPointerCancel={endGesture}
        onPointerLeave={() => setPointerImage(null)}
        onWheel={onWheel}
      >
        {viewport && view && imageSize && (
          <Stage width={viewport.width} height={viewport.height} listening={false}>
            <Layer listening={false} imageSmoothingEnabled={view.scale * dpr < 3}>
              {imageEl && (
                <KImage
                  image={imageEl}
                  x={view.x}
                  y={view.y}
                  width={imageSize[0] * view.scale}
                  height={imageSize[1] * view.scale}
                />
              )}
            </Layer>
            <Layer listening={false}>
              {draft && (
                <Overlay view={view} points={draft} prediction={prediction} selected={selected} hover={hover} />
              )}
            </Layer>
            {gesture?.kind === 'drag' && draft && imageEl && (
              <Layer listening={false} imageSmoothingEnabled={loupeScale(view, dpr) * dpr < 3}>
                <Magnifier
                  view={view}
                  viewport={viewport}
                  image={imageEl}
                  imageSize={imageSize}
                  at={draft[gesture.name]}
                  pointer={gesture.pointer}
                  color={POINT_STYLE[gesture.name].color}
                  dpr={dpr}
                />
              </Layer>
            )}
          </Stage>
        )}
        {!item?.shown && item && (
          <div className="editor-note">Not predicted yet: run Predict to place the points, then review them here.</div>
        )}
        {mine.error && <div className="editor-note danger-text">{mine.error}</div>}
        <div className="editor-hud mono">
          <span>{view ? `${Math.round(view.scale * dpr * 100)}%` : ''}</span>
          {pointerImage && imageSize && (
            <span>
              x {pointerImage[0].toFixed(1)} · y {pointerImage[1].toFixed(1)}
            </span>
          )}
          {imageSize && (
            <span>
              {imageSize[0]}×{imageSize[1]}
            </span>
          )}
          <span className="faint">{source === 'full' ? 'full resolution' : source}</span>
        </div>
        {help && <HelpOverlay onClose={() => setHelp(false)} />}
      </div>
      <EditorPanel
        onClose={onClose}
        onHelp={() => setHelp((h) => !h)}
        onFit={fit}
        onActual={() =>
          viewport &&
          setView((v) => (v ? actualPixels(v, viewport, dpr, selected && draft ? draft[selected] : undefined) : v))
        }
        prediction={prediction}
      />
    </div>
  );
}

function Overlay({
  view,
  points,
  prediction,
  selected,
  hover,
}: {
  view: View;
  points: PixelKeypoints;
  prediction: PixelKeypoints | null;
  selected: KeypointName | null;
  hover: KeypointName | null;
}) {
  const s = (p: Point): [number, number] => imageToView(view, p);
  const ring = dialEllipse(points).flatMap((p) => s(p));
  const seg = (a: KeypointName, b: KeypointName): number[] => [...s(points[a]), ...s(points[b])];
  return (
    <Group>
      <Line
        points={ring}
        closed
        stroke="rgba(255,255,255,0.55)"
        strokeWidth={1}
        dash={[6, 4]}
        perfectDrawEnabled={false}
      />
      <Line points={seg('top', 'bottom')} stroke="rgba(0,0,0,0.55)" strokeWidth={3} />
      <Line points={seg('top', 'bottom')} stroke="rgba(255,255,255,0.9)" strokeWidth={1.2} />
      <Line points={seg('left', 'right')} stroke="rgba(0,0,0,0.55)" strokeWidth={3} />
      <Line points={seg('left', 'right')} stroke="rgba(255,255,255,0.9)" strokeWidth={1.2} />
      {prediction &&
        KEYPOINT_NAMES.map((n) => {
          const [px, py] = s(prediction[n]);
          const [x, y] = s(points[n]);
          if (Math.hypot(px - x, py - y) < 1.5) return null;
          return (
            <Group key={`p-${n}`}>
              <Line points={[px, py, x, y]} stroke={POINT_STYLE[n].color} strokeWidth={1} dash={[3, 3]} />
              <Circle x={px} y={py} radius={4} stroke={POINT_STYLE[n].color} strokeWidth={1.2} />
            </Group>
          );
        })}
      {KEYPOINT_NAMES.map((n) => {
        const [x, y] = s(points[n]);
        const active = n === selected;
        const r = active ? 7 : n === hover ? 6.5 : 5.5;
        return (
          <Group key={n} x={x} y={y}>
            <Circle radius={r + 2} fill="rgba(0,0,0,0.6)" />
            <Circle radius={r} fill={POINT_STYLE[n].color} stroke="#fff" strokeWidth={active ? 2.5 : 1.2} />
            <Circle radius={0.9} fill="#000" />
            <Text
              x={10}
              y={-22}
              text={POINT_STYLE[n].label}
              fontSize={12}
              fontStyle="bold"
              fill="#fff"
              stroke="rgba(0,0,0,0.8)"
              strokeWidth={3}
              fillAfterStrokeEnabled
            />
          </Group>
        );
      })}
    </Group>
  );
}

/** Magnification of the loupe: 4× the view, at least 2 image pixels per device pixel, at most 32. */
function loupeScale(view: View, dpr: number): number {
  return Math.min(32, Math.max(view.scale * 4, 2 / dpr));
}

/** A round loupe near the cursor while dragging: the image around the point, magnified, with a crosshair. */
function Magnifier({
  view,
  viewport,
  image,
  imageSize,
  at,
  pointer,
  color,
  dpr,
}: {
  view: View;
  viewport: { width: number; height: number };
  image: HTMLImageElement;
  imageSize: [number, number];
  at: readonly [number, number];
  pointer: [number, number];
  color: string;
  dpr: number;
}) {
  const R = LOUPE_RADIUS;
  const m = loupeScale(view, dpr);
  const gap = R + 28;
  const cx = pointer[0] - gap < R ? pointer[0] + gap : pointer[0] - gap;
  const cy = pointer[1] - gap < R ? Math.min(viewport.height - R, pointer[1] + gap) : pointer[1] - gap;
  // The source rectangle around the point, in the element's pixels (preview or full).
  const k = image.naturalWidth / imageSize[0];
  const half = R / m;
  const crop = { x: (at[0] - half) * k, y: (at[1] - half) * k, width: 2 * half * k, height: 2 * half * k };
  return (
    <Group>
      <Circle x={cx} y={cy} radius={R + 3} fill="rgba(0,0,0,0.75)" />
      <Group clipFunc={(ctx) => ctx.arc(cx, cy, R, 0, Math.PI * 2)}>
        <KImage image={image} x={cx - R} y={cy - R} width={2 * R} height={2 * R} crop={crop} />
      </Group>
      <Line points={[cx - R, cy, cx - 6, cy]} stroke={color} strokeWidth={1} />
      <Line points={[cx + 6, cy, cx + R, cy]} stroke={color} strokeWidth={1} />
      <Line points={[cx, cy - R, cx, cy - 6]} stroke={color} strokeWidth={1} />
      <Line points={[cx, cy + 6, cx, cy + R]} stroke={color} strokeWidth={1} />
      <Circle x={cx} y={cy} radius={R} stroke="#fff" strokeWidth={2} />
    </Group>
  );
}
