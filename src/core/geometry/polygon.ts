/** Small plane-geometry helpers: polygons, convexity, intersection (for OBB NMS and dial checks). */

export type Pt = [number, number];

/** Corners of a rotated rectangle (centre, size, angle in radians), in order. */
export function obbCorners(cx: number, cy: number, w: number, h: number, angle: number): Pt[] {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const hw = w / 2;
  const hh = h / 2;
  return [
    [-hw, -hh],
    [hw, -hh],
    [hw, hh],
    [-hw, hh],
  ].map(([x, y]) => [cx + (x as number) * c - (y as number) * s, cy + (x as number) * s + (y as number) * c]);
}

/** Signed area (shoelace): positive for counter-clockwise in a y-up frame. */
export function signedArea(poly: readonly Pt[]): number {
  let a = 0;
  for (let i = 0; i < poly.length; i++) {
    const [x1, y1] = poly[i] as Pt;
    const [x2, y2] = poly[(i + 1) % poly.length] as Pt;
    a += x1 * y2 - x2 * y1;
  }
  return a / 2;
}

export function area(poly: readonly Pt[]): number {
  return Math.abs(signedArea(poly));
}

/** Whether a polygon is strictly convex (all turns the same way, none degenerate). */
export function isConvex(poly: readonly Pt[]): boolean {
  if (poly.length < 3) return false;
  let sign = 0;
  for (let i = 0; i < poly.length; i++) {
    const [ax, ay] = poly[i] as Pt;
    const [bx, by] = poly[(i + 1) % poly.length] as Pt;
    const [cx, cy] = poly[(i + 2) % poly.length] as Pt;
    const cross = (bx - ax) * (cy - by) - (by - ay) * (cx - bx);
    if (Math.abs(cross) < 1e-12) return false;
    const s = Math.sign(cross);
    if (sign === 0) sign = s;
    else if (s !== sign) return false;
  }
  return true;
}

/** Sutherland–Hodgman clipping of `subject` by the convex polygon `clip`. */
export function clipConvex(subject: readonly Pt[], clip: readonly Pt[]): Pt[] {
  const orientation = Math.sign(signedArea(clip)) || 1;
  let output: Pt[] = [...subject];
  for (let i = 0; i < clip.length && output.length > 0; i++) {
    const a = clip[i] as Pt;
    const b = clip[(i + 1) % clip.length] as Pt;
    const inside = (p: Pt): boolean =>
      orientation * ((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])) >= 0;
    const input = output;
    output = [];
    for (let j = 0; j < input.length; j++) {
      const p = input[j] as Pt;
      const q = input[(j + 1) % input.length] as Pt;
      const pin = inside(p);
      const qin = inside(q);
      if (pin) output.push(p);
      if (pin !== qin) output.push(intersect(p, q, a, b));
    }
  }
  return output;
}

function intersect(p: Pt, q: Pt, a: Pt, b: Pt): Pt {
  const [x1, y1] = p;
  const [x2, y2] = q;
  const [x3, y3] = a;
  const [x4, y4] = b;
  const den = (x1 - x2) * (y3 - y4) - (y1 - y2) * (x3 - x4);
  if (Math.abs(den) < 1e-12) return q;
  const t = ((x1 - x3) * (y3 - y4) - (y1 - y3) * (x3 - x4)) / den;
  return [x1 + t * (x2 - x1), y1 + t * (y2 - y1)];
}

/** IoU of two convex polygons. */
export function polygonIou(a: readonly Pt[], b: readonly Pt[]): number {
  const inter = area(clipConvex(a, b));
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}
