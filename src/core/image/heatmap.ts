/**
 * Difference heatmaps: the per-pixel error between two RGBA frames (mean absolute difference
 * over R, G, B, in 8-bit units), a robust top of the scale shared by every pane, and a colour
 * map from dark (no error) through purple and red to bright yellow (large error).
 */

/** Mean |a − b| over RGB per pixel into `out` (length width×height). Alpha is ignored. */
export function errorMap(a: Uint8ClampedArray, b: Uint8ClampedArray, out: Float32Array): Float32Array {
  const n = out.length;
  if (a.length < n * 4 || b.length < n * 4) throw new Error('errorMap: frames of different sizes');
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    out[i] = (Math.abs(a[j]! - b[j]!) + Math.abs(a[j + 1]! - b[j + 1]!) + Math.abs(a[j + 2]! - b[j + 2]!)) / 3;
  }
  return out;
}

/** The p-quantile (0..1) of an error map (values in 0..255), by a 1/3-unit histogram. */
export function quantile(map: Float32Array, p: number): number {
  const bins = new Uint32Array(766);
  for (let i = 0; i < map.length; i++) bins[Math.min(765, Math.round(map[i]! * 3))]!++;
  const target = Math.min(map.length - 1, Math.max(0, Math.floor(p * map.length)));
  let seen = 0;
  for (let v = 0; v < bins.length; v++) {
    seen += bins[v]!;
    if (seen > target) return v / 3;
  }
  return 255;
}

/**
 * One scale for every pane: the largest 99.5th percentile of the maps (so a few outlier pixels
 * do not wash the rest out), rounded up to a readable step, at least 1.
 */
export function sharedScale(maps: readonly Float32Array[], p = 0.995): number {
  let top = 0;
  for (const m of maps) top = Math.max(top, quantile(m, p));
  const steps = [1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 40, 50, 64, 80, 100, 128, 160, 200, 255];
  return steps.find((s) => s >= top) ?? 255;
}

const STOPS: [number, [number, number, number]][] = [
  [0, [0, 0, 4]],
  [0.15, [40, 11, 84]],
  [0.35, [120, 28, 109]],
  [0.55, [187, 55, 84]],
  [0.72, [237, 105, 37]],
  [0.87, [251, 180, 26]],
  [1, [252, 255, 164]],
];

/** 256 RGB entries of the colour map. */
export function colourMap(): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    let k = 0;
    while (k < STOPS.length - 2 && t > STOPS[k + 1]![0]) k++;
    const [t0, c0] = STOPS[k]!;
    const [t1, c1] = STOPS[k + 1]!;
    const f = (t - t0) / (t1 - t0);
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(c0[c]! + (c1[c]! - c0[c]!) * f);
  }
  return lut;
}

/** Colour an error map into RGBA pixels, `max` at the top of the scale (clamped above). */
export function colourise(
  map: Float32Array,
  max: number,
  lut: Uint8ClampedArray,
  out: Uint8ClampedArray,
): Uint8ClampedArray {
  const k = 255 / Math.max(1e-6, max);
  for (let i = 0, j = 0; i < map.length; i++, j += 4) {
    const v = Math.min(255, Math.round(map[i]! * k)) * 3;
    out[j] = lut[v]!;
    out[j + 1] = lut[v + 1]!;
    out[j + 2] = lut[v + 2]!;
    out[j + 3] = 255;
  }
  return out;
}
