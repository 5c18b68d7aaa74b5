/**
 * Interleaved pixels (HWC, 8- or 16-bit) ↔ planar network tensors (CHW float), with the value
 * range, channel order and mean/std a model expects.
 */
export interface TensorNormalization {
  /** Value range of the tensor before mean/std, e.g. [0, 1] or [0, 255]. */
  range: [number, number];
  mean?: [number, number, number];
  std?: [number, number, number];
  colorOrder?: 'RGB' | 'BGR';
}

export const PYTORCH_IMAGE: TensorNormalization = { range: [0, 1], colorOrder: 'RGB' };

/**
 * HWC RGB samples (max value `maxValue`: 255 or 65535) → CHW float32, into `into` when it is
 * given and the right size (a batch reuses one buffer for every frame of a size: a 720p tensor
 * is 11 MB to allocate, zero and collect per frame, on the thread inference blocks).
 */
export function toPlanar(
  pixels: Uint8Array | Uint16Array,
  width: number,
  height: number,
  maxValue: number,
  norm: TensorNormalization = PYTORCH_IMAGE,
  into?: Float32Array,
): Float32Array {
  const n = width * height;
  const out = into?.length === 3 * n ? into : new Float32Array(3 * n);
  const [lo, hi] = norm.range;
  const k = (hi - lo) / maxValue;
  const bgr = norm.colorOrder === 'BGR';
  // One multiply-add per sample: ((v * k + lo - mean) / std) = v * a + b. A frame is millions of
  // samples and this runs on the engine's only JS thread, between inference runs.
  const a = [0, 0, 0];
  const b = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    const std = norm.std?.[c] ?? 1;
    a[c] = k / std;
    b[c] = (lo - (norm.mean?.[c] ?? 0)) / std;
  }
  const [a0, a1, a2] = bgr ? [a[2]!, a[1]!, a[0]!] : [a[0]!, a[1]!, a[2]!];
  const [b0, b1, b2] = bgr ? [b[2]!, b[1]!, b[0]!] : [b[0]!, b[1]!, b[2]!];
  // Planes in the model's channel order; source samples read in memory order.
  const p0 = bgr ? 2 * n : 0;
  const p2 = bgr ? 0 : 2 * n;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[p0 + i] = (pixels[j] as number) * a0 + b0;
    out[n + i] = (pixels[j + 1] as number) * a1 + b1;
    out[p2 + i] = (pixels[j + 2] as number) * a2 + b2;
  }
  return out;
}

/** CHW float32 → HWC RGB samples at `maxValue` (255 or 65535), clamped and rounded. */
export function fromPlanar(
  data: Float32Array,
  width: number,
  height: number,
  maxValue: number,
  norm: TensorNormalization = PYTORCH_IMAGE,
): Uint8Array | Uint16Array {
  return fromPlanarChecked(data, width, height, maxValue, norm).pixels;
}

/** 4 for NaN, 1 for ±Inf, 0 for a finite value (summed over three values, NaNs count in the high bits). */
const nonFiniteOf = (x: number): number => (x !== x ? 4 : x - x !== 0 ? 1 : 0);

/**
 * `fromPlanar` and `countNonFinite` in one pass over the tensor (a restored frame is converted and
 * checked on the thread inference blocks): the pixels, and how many values were NaN or ±Inf.
 * The pixels go into `into` when it is given with the right type (16-bit above 255) and size: a
 * new buffer per frame adds its allocation, first writes and collections on the same thread
 * (about 3 ms of a 720p frame inside the engine, bench/BENCHMARKS.md).
 */
export function fromPlanarChecked(
  data: Float32Array,
  width: number,
  height: number,
  maxValue: number,
  norm: TensorNormalization = PYTORCH_IMAGE,
  into?: Uint8Array | Uint16Array,
): { pixels: Uint8Array | Uint16Array; nonFinite: NonFiniteCount } {
  const n = width * height;
  const sixteen = maxValue > 255;
  const fits = into !== undefined && into.length === 3 * n && into instanceof Uint16Array === sixteen;
  const out = fits ? into : sixteen ? new Uint16Array(3 * n) : new Uint8Array(3 * n);
  const [lo, hi] = norm.range;
  const k = maxValue / (hi - lo);
  const bgr = norm.colorOrder === 'BGR';
  // ((x * std + mean - lo) * k) = x * a + b, plus 0.5 so truncation rounds (values are ≥ 0 there).
  const a = [0, 0, 0];
  const b = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    const std = norm.std?.[c] ?? 1;
    a[c] = std * k;
    b[c] = ((norm.mean?.[c] ?? 0) - lo) * k + 0.5;
  }
  const [a0, a1, a2] = [a[0]!, a[1]!, a[2]!];
  const [b0, b1, b2] = [b[0]!, b[1]!, b[2]!];
  // Tensor plane c goes to pixel channel c (RGB) or 2 - c (BGR).
  const d0 = bgr ? 2 : 0;
  const d2 = bgr ? 0 : 2;
  const top = maxValue + 0.5;
  let nan = 0;
  let inf = 0;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const x0 = data[i] as number;
    const x1 = data[n + i] as number;
    const x2 = data[2 * n + i] as number;
    // x - x is 0 for every finite x, NaN for NaN and ±Inf: one test per pixel on the common path.
    if (x0 - x0 + (x1 - x1) + (x2 - x2) !== 0) {
      const bad = nonFiniteOf(x0) + nonFiniteOf(x1) + nonFiniteOf(x2);
      nan += bad >> 2;
      inf += bad & 3;
    }
    const v0 = x0 * a0 + b0;
    const v1 = x1 * a1 + b1;
    const v2 = x2 * a2 + b2;
    out[j + d0] = v0 <= 0.5 ? 0 : v0 >= top ? maxValue : v0 | 0;
    out[j + 1] = v1 <= 0.5 ? 0 : v1 >= top ? maxValue : v1 | 0;
    out[j + d2] = v2 <= 0.5 ? 0 : v2 >= top ? maxValue : v2 | 0;
  }
  return { pixels: out, nonFinite: { nan, inf, total: 3 * n } };
}

/** How many values of a tensor are NaN and how many ±Infinity. */
export interface NonFiniteCount {
  nan: number;
  inf: number;
  total: number;
}

/**
 * Count the values that are not finite. A diverged network returns NaN or Inf; written as a PNG
 * they would clamp to black or white and look like output, so they are counted and refused.
 */
export function countNonFinite(data: Float32Array): NonFiniteCount {
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    // v - v is 0 for every finite v, NaN for NaN and ±Inf: one test per value on the common path.
    if (v - v !== 0) {
      if (v !== v) nan++;
      else inf++;
    }
  }
  return { nan, inf, total: data.length };
}
