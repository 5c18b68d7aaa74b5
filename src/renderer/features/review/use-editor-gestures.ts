import { useEffect, useRef, useState, type Dispatch, type RefObject, type SetStateAction } from 'react';
import { hitPoint, imageToView, panBy, viewToImage, wheelZoomFactor, zoomAt, type View } from '../../canvas/view';
import { useRafPointer, useWheel, type LocalPoint } from '../../canvas/use-raf-pointer';
import type { KeypointName } from '../../../shared/labels';
import type { FolderStore } from '../../store/folder';
import { dialUnder } from '../../store/folder/editor';

const HIT_RADIUS = 14;
/** A press that moves less than this (view pixels) before it is released is a click, not a pan. */
const CLICK_SLOP = 4;

export type Gesture =
  | { kind: 'drag'; name: KeypointName; offset: [number, number]; pointer: [number, number] }
  | { kind: 'pan'; last: [number, number]; start: [number, number] };

export interface EditorGestures {
  gesture: Gesture | null;
  /** The point under the pointer (not dragging). */
  hover: KeypointName | null;
  /** The image pixel under the pointer, for the HUD. */
  pointerImage: [number, number] | null;
  handlers: {
    onPointerDown: (e: React.PointerEvent<HTMLDivElement>) => void;
    onPointerMove: (e: React.PointerEvent<HTMLDivElement>) => void;
    onPointerUp: (e: React.PointerEvent<HTMLDivElement>) => void;
    onPointerCancel: (e: React.PointerEvent<HTMLDivElement>) => void;
    onPointerLeave: () => void;
  };
}

/**
 * The editor's pointer: drag a point (its position kept in image pixels in the store), pan by
 * dragging the background or with Space held, hover feedback, wheel zoom to the pointer. Moves
 * are applied once per animation frame, the newest position winning.
 */
export function useEditorGestures({
  containerRef,
  store,
  view,
  setView,
  space,
}: {
  containerRef: RefObject<HTMLDivElement | null>;
  store: FolderStore;
  view: View | null;
  setView: Dispatch<SetStateAction<View | null>>;
  space: boolean;
}): EditorGestures {
  const [gesture, setGesture] = useState<Gesture | null>(null);
  const [hover, setHover] = useState<KeypointName | null>(null);
  const [pointerImage, setPointerImage] = useState<[number, number] | null>(null);
  const viewRef = useRef<View | null>(null);
  useEffect(() => {
    viewRef.current = view;
  }, [view]);
  const gestureRef = useRef<Gesture | null>(null);

  const apply = (p: LocalPoint): void => {
    const v = viewRef.current;
    if (!v) return;
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
      gestureRef.current = { ...g, last: p };
    }
  };
  const pointer = useRafPointer(containerRef, apply);

  useWheel(containerRef, (e, p) => {
    setView((v) => (v ? zoomAt(v, p, wheelZoomFactor(e.deltaY, e.deltaMode, e.ctrlKey)) : v));
  });

  const onPointerDown = (e: React.PointerEvent<HTMLDivElement>): void => {
    if (!view) return;
    const p = pointer.local(e);
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
      gestureRef.current = { kind: 'pan', last: p, start: p };
    }
    setGesture(gestureRef.current);
  };

  const endGesture = (e: React.PointerEvent<HTMLDivElement>): void => {
    // The last position counts exactly, even if its frame has not come yet.
    pointer.flush();
    const g = gestureRef.current;
    if (g?.kind === 'drag') store.getState().endDrag();
    // A click (no pan) on another dial's box puts the points on that dial (several dials).
    const v = viewRef.current;
    if (g?.kind === 'pan' && v && Math.hypot(g.last[0] - g.start[0], g.last[1] - g.start[1]) < CLICK_SLOP) {
      const s = store.getState();
      const dial = dialUnder(s.current ? s.items[s.current] : undefined, viewToImage(v, g.start));
      if (dial >= 0) s.switchDial(dial);
    }
    gestureRef.current = null;
    setGesture(null);
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
  };

  return {
    gesture,
    hover,
    pointerImage,
    handlers: {
      onPointerDown,
      onPointerMove: pointer.move,
      onPointerUp: endGesture,
      onPointerCancel: endGesture,
      onPointerLeave: () => setPointerImage(null),
    },
  };
}
