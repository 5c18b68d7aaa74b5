/**
 * The editor's view transform, kept apart from the points (which stay in image pixels):
 * screen = image × scale + offset. All zoom and pan gestures are pure functions of it.
 */
export interface View {
  scale: number;
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

export type Point = readonly [number, number];

export const MIN_SCALE = 1 / 64;
export const MAX_SCALE = 64;

export function imageToView(v: View, p: Point): [number, number] {
  return [p[0] * v.scale + v.x, p[1] * v.scale + v.y];
}

export function viewToImage(v: View, p: Point): [number, number] {
  return [(p[0] - v.x) / v.scale, (p[1] - v.y) / v.scale];
}

export function clampScale(scale: number, min = MIN_SCALE, max = MAX_SCALE): number {
  return Math.min(max, Math.max(min, scale));
}

/** The whole image, centred, with `padding` screen pixels around it. */
export function fitView(image: Size, viewport: Size, padding = 16): View {
  const w = Math.max(1, viewport.width - 2 * padding);
  const h = Math.max(1, viewport.height - 2 * padding);
  const scale = clampScale(Math.min(w / image.width, h / image.height));
  return centred(image, viewport, scale);
}

function centred(image: Size, viewport: Size, scale: number): View {
  return { scale, x: (viewport.width - image.width * scale) / 2, y: (viewport.height - image.height * scale) / 2 };
}

/** Zoom by `factor` keeping the image point under `pointer` where it is. */
export function zoomAt(v: View, pointer: Point, factor: number): View {
  const scale = clampScale(v.scale * factor);
  const k = scale / v.scale;
  return { scale, x: pointer[0] - (pointer[0] - v.x) * k, y: pointer[1] - (pointer[1] - v.y) * k };
}

/** Set an absolute scale keeping the image point under `anchor` (e.g. the viewport centre) fixed. */
export function zoomTo(v: View, anchor: Point, scale: number): View {
  return zoomAt(v, anchor, clampScale(scale) / v.scale);
}

/**
 * "1": one image pixel per device pixel, about the viewport centre (or the selected point, so
 * it stays in view).
 */
export function actualPixels(v: View, viewport: Size, devicePixelRatio: number, focus?: Point): View {
  const scale = 1 / Math.max(1e-6, devicePixelRatio);
  if (!focus) return zoomTo(v, [viewport.width / 2, viewport.height / 2], scale);
  return { scale, x: viewport.width / 2 - focus[0] * scale, y: viewport.height / 2 - focus[1] * scale };
}

export function panBy(v: View, dx: number, dy: number): View {
  return { ...v, x: v.x + dx, y: v.y + dy };
}

/** One mouse-wheel notch zooms by this much, in or out. */
export const WHEEL_NOTCH_ZOOM = 1.2;

/**
 * Wheel → zoom factor. A mouse wheel sends one event per notch whose size depends on the system
 * (100 px on Windows, 120 on some Linux setups, 3 lines elsewhere, several hundred with
 * acceleration), so any event that looks like a notch (a line or page delta, or ≥ 50 px at once)
 * is exactly one notch, ×1.2. A trackpad's two-finger scroll sends many small pixel deltas: those
 * zoom continuously at the same rate per 100 px. A pinch arrives as a wheel event with ctrlKey
 * (Chromium, Safari) whose deltaY is about −100 × ln(scale step): followed as it is, smoothly.
 */
export function wheelZoomFactor(deltaY: number, deltaMode = 0, pinch = false): number {
  if (deltaY === 0 || !Number.isFinite(deltaY)) return 1;
  if (pinch) return Math.exp(-Math.max(-50, Math.min(50, deltaY)) * 0.01);
  if (deltaMode !== 0 || Math.abs(deltaY) >= 50) return deltaY < 0 ? WHEEL_NOTCH_ZOOM : 1 / WHEEL_NOTCH_ZOOM;
  return Math.exp((-deltaY * Math.log(WHEEL_NOTCH_ZOOM)) / 100);
}

/** If `p` (image pixels) is outside the viewport (minus a margin), the pan that brings it in. */
export function keepInView(v: View, viewport: Size, p: Point, margin = 40): View {
  const [sx, sy] = imageToView(v, p);
  let dx = 0;
  let dy = 0;
  if (sx < margin) dx = margin - sx;
  else if (sx > viewport.width - margin) dx = viewport.width - margin - sx;
  if (sy < margin) dy = margin - sy;
  else if (sy > viewport.height - margin) dy = viewport.height - margin - sy;
  return dx || dy ? panBy(v, dx, dy) : v;
}

/** The point (by key) nearest to `pointer` within `radius` screen pixels, if any. */
export function hitPoint<K extends string>(
  v: View,
  points: Readonly<Record<K, Point>>,
  pointer: Point,
  radius: number,
): K | null {
  let best: K | null = null;
  let bestD = radius;
  for (const k of Object.keys(points) as K[]) {
    const [sx, sy] = imageToView(v, points[k]);
    const d = Math.hypot(sx - pointer[0], sy - pointer[1]);
    if (d <= bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

/**
 * Whether the editor needs the full-resolution image: once the view shows the image at the
 * preview's own scale or closer (actual pixels, 1, included), where the preview would be drawn
 * pixel for pixel or upsampled, unless the preview is the original file itself (an upright photo
 * no larger than the preview size). The preview's width is rounded, so half a pixel is allowed.
 */
export function needsFullResolution(
  v: View,
  imageWidth: number,
  preview: { width: number; original: boolean },
  devicePixelRatio: number,
): boolean {
  return !preview.original && v.scale * devicePixelRatio * imageWidth >= preview.width - 0.5;
}
