import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';

export type LocalPoint = [number, number];

/** Where frames come from: the browser's animation frames, or a test's own. */
export interface FrameScheduler {
  request: (callback: () => void) => number;
  cancel: (id: number) => void;
}

export const animationFrames: FrameScheduler = {
  request: (callback) => requestAnimationFrame(() => callback()),
  cancel: (id) => cancelAnimationFrame(id),
};

export interface RafBatch<T> {
  /** The newest value; applied at the next frame (values pushed before it are dropped). */
  push: (value: T) => void;
  /** Apply the pending value now, if there is one (the last position of a gesture counts exactly). */
  flush: () => void;
  /** Drop the pending value. */
  cancel: () => void;
}

/**
 * Apply at most one value per frame, the newest: a mouse reporting at 500 Hz costs one update
 * per frame, not eight.
 */
export function rafBatch<T>(apply: (value: T) => void, frames: FrameScheduler = animationFrames): RafBatch<T> {
  let pending: { value: T } | null = null;
  let frame: number | null = null;
  const run = (): void => {
    frame = null;
    const p = pending;
    pending = null;
    if (p) apply(p.value);
  };
  return {
    push: (value) => {
      pending = { value };
      if (frame === null) frame = frames.request(run);
    },
    flush: () => {
      if (frame === null) return;
      frames.cancel(frame);
      run();
    },
    cancel: () => {
      if (frame !== null) frames.cancel(frame);
      frame = null;
      pending = null;
    },
  };
}

/** An event's position in the element's own coordinates (CSS pixels from its top-left corner). */
export function localPoint(el: Element, e: { clientX: number; clientY: number }): LocalPoint {
  const r = el.getBoundingClientRect();
  return [e.clientX - r.left, e.clientY - r.top];
}

/** Keep a ref to the newest value of a callback, for listeners registered once. */
function useLatest<T>(value: T): RefObject<T> {
  const ref = useRef(value);
  useLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}

/**
 * Pointer moves over a canvas element, batched per animation frame: `move(e)` records the
 * position, `apply(point)` runs once per frame with the newest one, `flush()` applies a pending
 * move now (call it before ending a gesture). `local(e)` converts any event to element coordinates.
 */
export function useRafPointer(
  ref: RefObject<HTMLElement | null>,
  apply: (point: LocalPoint) => void,
): {
  local: (e: { clientX: number; clientY: number }) => LocalPoint;
  move: (e: PointerEvent | React.PointerEvent) => void;
  flush: () => void;
} {
  const latest = useLatest(apply);
  const [batch] = useState(() => rafBatch<LocalPoint>((p) => latest.current(p)));
  useEffect(() => () => batch.cancel(), [batch]);
  const local = useCallback(
    (e: { clientX: number; clientY: number }): LocalPoint => localPoint(ref.current!, e),
    [ref],
  );
  const move = useCallback((e: { clientX: number; clientY: number }) => batch.push(local(e)), [batch, local]);
  return { local, move, flush: batch.flush };
}

/**
 * The wheel over a canvas element: the page must not scroll or zoom under it, so the listener
 * is registered non-passive (React's onWheel is passive) and always prevents the default.
 */
export function useWheel(
  ref: RefObject<HTMLElement | null>,
  onWheel: (e: WheelEvent, point: LocalPoint) => void,
): void {
  const latest = useLatest(onWheel);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const listener = (e: WheelEvent): void => {
      e.preventDefault();
      latest.current(e, localPoint(el, e));
    };
    el.addEventListener('wheel', listener, { passive: false });
    return () => el.removeEventListener('wheel', listener);
  }, [ref, latest]);
}
