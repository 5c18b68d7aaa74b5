import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Image as KImage, Layer, Stage } from 'react-konva';
import { helpRows, useActionKeys } from '../../actions/actions';
import { actualPixels, fitView, needsFullResolution, type View } from '../../canvas/view';
import { useViewportSize } from '../../canvas/use-viewport-size';
import { HelpOverlay } from '../../components/HelpOverlay';
import { useApi } from '../../lib/api';
import { useFolder, useFolderStore } from '../../store/folder';
import { dialsState, neighbour, predictionPoints } from '../../store/folder/editor';
import { EDITOR_ACTIONS, type EditorActionContext } from './editor-actions';
import { EditorPanel } from './EditorPanel';
import { DialBoxes, loupeScale, Magnifier, Overlay } from './EditorLayers';
import { ImageVariants, useImageVariants } from './image-variants';
import { createPaintTimer } from './paint-timing';
import { POINT_STYLE } from './points';
import { useEditorGestures } from './use-editor-gestures';
import { useImageElement } from './use-image';

const HELP_ROWS = helpRows(EDITOR_ACTIONS);

/**
 * The keypoint editor: the photo (thumbnail, then a preview, then full resolution at actual
 * pixels or once zoomed to the preview's own scale), the five points with the diameters and the dial ellipse, drag with a
 * magnifier, wheel zoom to the pointer, space/background drag to pan, and every review action on
 * the keyboard (EDITOR_ACTIONS). Points live in image pixels in the store; the view transform is
 * local state.
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
  const viewport = useViewportSize(containerRef, Math.round);
  const [view, setView] = useState<View | null>(null);
  const [space, setSpace] = useState(false);
  const [help, setHelp] = useState(false);
  const dpr = typeof window === 'undefined' ? 1 : window.devicePixelRatio || 1;

  // --- the image ------------------------------------------------------------------------------
  const [variants] = useState(
    () =>
      new ImageVariants({
        view: (path, variant) => api.images.view(path, variant),
        warm: (path) => {
          new Image().src = api.images.url(path);
        },
      }),
  );
  const mine = useImageVariants(variants, current);
  const shownSize = item?.shown?.image_size;
  const imageSize = useMemo<[number, number] | null>(() => {
    if (shownSize) return [shownSize[0], shownSize[1]];
    if (scanSize) return [scanSize[0], scanSize[1]];
    return mine.preview ? [mine.preview.imageWidth, mine.preview.imageHeight] : null;
  }, [shownSize, scanSize, mine.preview]);

  // Paint timings (bench/editor.bench.ts): on the performance timeline and the canvas element.
  const [paintTimer] = useState(createPaintTimer);
  const itemPath = item?.path;
  useLayoutEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    el.dataset.firstPaintMs = '';
    el.dataset.previewPaintMs = '';
  }, [current]);
  useEffect(() => {
    if (!current || !itemPath) return;
    paintTimer.open(current);
    void variants.load(current, itemPath, 'preview');
  }, [variants, paintTimer, current, itemPath]);

  // An upright photo no larger than the preview is served as it is: its preview is the original.
  const previewIsOriginal = !!mine.preview && mine.preview.path === itemPath;
  const wantFull =
    !!view &&
    !!imageSize &&
    !!mine.preview &&
    needsFullResolution(view, imageSize[0], { width: mine.preview.width, original: previewIsOriginal }, dpr);
  useEffect(() => {
    if (wantFull && current && itemPath) void variants.load(current, itemPath, 'full');
  }, [variants, wantFull, current, itemPath]);

  const thumbEl = useImageElement(thumbPath ? api.images.url(thumbPath) : null);
  const previewEl = useImageElement(mine.preview ? api.images.url(mine.preview.path) : null);
  const fullEl = useImageElement(mine.full ? api.images.url(mine.full.path) : null);
  const imageEl = fullEl ?? previewEl ?? thumbEl;
  const source =
    fullEl || (previewEl && previewIsOriginal) ? 'full' : previewEl ? 'preview' : thumbEl ? 'thumbnail' : 'none';

  // First paint (any source) and preview paint, measured from opening the image.
  useEffect(() => {
    if (!imageEl || !current) return;
    const kind = previewEl || fullEl ? 'preview' : 'first';
    if (!paintTimer.wants(current, kind)) return;
    const frame = requestAnimationFrame(() => {
      const times = paintTimer.painted(current, kind);
      const el = containerRef.current;
      if (!times || !el) return;
      if (times.first !== undefined) el.dataset.firstPaintMs = times.first.toFixed(1);
      if (times.preview !== undefined) el.dataset.previewPaintMs = times.preview.toFixed(1);
    });
    return () => cancelAnimationFrame(frame);
  }, [imageEl, previewEl, fullEl, current, paintTimer]);

  // Warm the neighbours: the next image opens from the cache.
  useEffect(() => {
    if (!previewEl || !current) return;
    const s = store.getState();
    for (const delta of [1, -1] as const) {
      const key = neighbour(s.visible(), current, delta);
      const it = key ? s.items[key] : undefined;
      if (key && it) void variants.prefetch(key, it.path);
    }
  }, [variants, store, previewEl, current]);

  // --- the view -------------------------------------------------------------------------------
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

  const { gesture, hover, pointerImage, handlers } = useEditorGestures({ containerRef, store, view, setView, space });

  // Several dials: which the detector found, and which the points are on.
  const dials = useMemo(() => dialsState(item, draft), [item, draft]);

  // --- keyboard -------------------------------------------------------------------------------
  useActionKeys(EDITOR_ACTIONS, (): EditorActionContext => ({
    folder: store.getState,
    help,
    setHelp,
    close: onClose,
    fit,
    updateView: (change) => setView((v) => (v ? change(v) : v)),
    viewport,
    dpr,
    setSpace,
    dials: dials.dials.length,
  }));

  // --- drawing --------------------------------------------------------------------------------
  // Ghosts and Δ are measured from the prediction of the dial the points are on.
  const prediction = useMemo(() => predictionPoints(item, draft), [item, draft]);

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
        data-points={draft ? JSON.stringify(draft) : ''}
        data-dials={dials.dials.length > 1 ? JSON.stringify(dials.dials.map((d) => d.box_norm)) : ''}
        data-dial={dials.active >= 0 ? dials.active : ''}
        {...handlers}
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
              {dials.size && <DialBoxes view={view} dials={dials.dials} active={dials.active} imageSize={dials.size} />}
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
        {/* One message: an image that cannot be read says so (Predict could not help it either). */}
        {mine.error ? (
          <div className="editor-note danger-text" data-testid="image-error">
            <strong>This image cannot be read.</strong> It is counted as unreadable, not as an image to predict; replace
            the file and Rescan the folder.
            <details>
              <summary>Details</summary>
              <span className="mono">{mine.error}</span>
            </details>
          </div>
        ) : (
          !item?.shown &&
          item && (
            <div className="editor-note">
              Not predicted yet: run Predict to place the points, then review them here.
            </div>
          )
        )}
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
          <span className="faint" data-testid="editor-source">
            {source === 'full' ? 'full resolution' : source}
          </span>
        </div>
        {help && (
          <HelpOverlay
            rows={HELP_ROWS}
            note="Drag a point to move it; a magnifier follows the cursor. Positions are kept to sub-pixel precision."
            onClose={() => setHelp(false)}
          />
        )}
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
