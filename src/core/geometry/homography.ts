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

/** The exact homography taking four points to four points (DLT on 8 equations); null if degenerate. */
export function homographyFrom4(src: readonly Pt[], dst: readonly Pt[]): Homography | null {
  if (src.length !== 4 || dst.length !== 4) return null;
  // Unknowns h0..h7 (h8 = 1): for each pair, two rows of A·h = b.
  const a: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = src[i] as Pt;
    const [u, v] = dst[i] as Pt;
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y]);
    b.push(u);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y]);
    b.push(v);
  }
  const h = solve(a, b);
  return h ? ([...h, 1] as Homography) : null;
}

/** A ∘ B: apply B, then A. */
export function compose(A: Homography, B: Homography): Homography {
  const out = new Array(9).fill(0) as number[];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += (A[r * 3 + k] as number) * (B[k * 3 + c] as number);
      out[r * 3 + c] = s;
    }
  }
  return out as Homography;
}

/** Gaussian elimination with partial pivoting; null when singular. */
function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] as number]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) < 1e-12) return null;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}
