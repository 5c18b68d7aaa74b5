import type { Pt } from './polygon';
import { area, isConvex, signedArea } from './polygon';

/** A 3×3 homography, row-major. */
export type Homography = [number, number, number, number, number, number, number, number, number];

export function project(H: Homography, p: Pt): Pt {
  const [x, y] = p;
  const w = H[6] * x + H[7] * y + H[8];
  return [(H[0] * x + H[1] * y + H[2]) / w, (H[3] * x + H[4] * y + H[5]) / w];
}

/** Mean distance between projected `src` and `dst` over the given indices. */
export function reprojectionError(
  H: Homography,
  src: readonly Pt[],
  dst: readonly Pt[],
  mask?: ArrayLike<number>,
): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    if (mask && !mask[i]) continue;
    const [px, py] = project(H, src[i] as Pt);
    const [qx, qy] = dst[i] as Pt;
    sum += Math.hypot(px - qx, py - qy);
    n++;
  }
  return n > 0 ? sum / n : Number.POSITIVE_INFINITY;
}

export interface DialSanity {
  ok: boolean;
  reason: string | null;
}

/**
 * Is a projected dial plausible? The quadrilateral top → right → bottom → left must be convex
 * (not folded) and not mirrored, not degenerate (area above a floor), not absurdly anisotropic, and inside the image
 * up to a margin (a fraction of the image size).
 */
export function checkDial(
  quad: { top: Pt; right: Pt; bottom: Pt; left: Pt; center: Pt },
  imageSize: [number, number],
  options: { margin?: number; minAreaFraction?: number; maxAspect?: number } = {},
): DialSanity {
  const margin = options.margin ?? 0.15;
  const [w, h] = imageSize;
  const poly: Pt[] = [quad.top, quad.right, quad.bottom, quad.left];
  for (const p of [...poly, quad.center]) {
    if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) return { ok: false, reason: 'projection is not finite' };
    if (p[0] < -margin * w || p[0] > (1 + margin) * w || p[1] < -margin * h || p[1] > (1 + margin) * h) {
      return { ok: false, reason: 'projected dial falls outside the image' };
    }
  }
  if (!isConvex(poly)) return { ok: false, reason: 'projected dial is not convex' };
  // top → right → bottom → left runs clockwise on screen (positive area with y down); a
  // homography of a real dial cannot mirror it.
  if (signedArea(poly) <= 0) return { ok: false, reason: 'projected dial is mirrored' };
  if (area(poly) < (options.minAreaFraction ?? 0.0005) * w * h)
    return { ok: false, reason: 'projected dial is degenerate' };
  const d1 = Math.hypot(quad.top[0] - quad.bottom[0], quad.top[1] - quad.bottom[1]);
  const d2 = Math.hypot(quad.left[0] - quad.right[0], quad.left[1] - quad.right[1]);
  const aspect = Math.max(d1, d2) / Math.max(1e-9, Math.min(d1, d2));
  if (aspect > (options.maxAspect ?? 6)) return { ok: false, reason: 'projected dial is too thin' };
  // The centre must lie inside the quadrilateral.
  if (!pointInConvex(quad.center, poly)) return { ok: false, reason: 'projected centre is outside the dial' };
  return { ok: true, reason: null };
}

function pointInConvex(p: Pt, poly: readonly Pt[]): boolean {
  let sign = 0;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i] as Pt;
    const b = poly[(i + 1) % poly.length] as Pt;
    const s = Math.sign((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]));
    if (s === 0) continue;
    if (sign === 0) sign = s;
    else if (s !== sign) return false;
  }
  return true;
}
