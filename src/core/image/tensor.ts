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

/** HWC RGB samples (max value `maxValue`: 255 or 65535) → CHW float32. */
export function toPlanar(
  pixels: Uint8Array | Uint16Array,
  width: number,
  height: number,
  maxValue: number,
  norm: TensorNormalization = PYTORCH_IMAGE,
): Float32Array {
  const n = width * height;
  const out = new Float32Array(3 * n);
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
  const n = width * height;
  const out = maxValue > 255 ? new Uint16Array(3 * n) : new Uint8Array(3 * n);
  const [lo, hi] = norm.range;
  const k = maxValue / (hi - lo);
  const bgr = norm.colorOrder === 'BGR';
  for (let c = 0; c < 3; c++) {
    const dstC = bgr ? 2 - c : c;
    const std = norm.std?.[c] ?? 1;
    // ((x * std + mean - lo) * k) = x * a + b, plus 0.5 so truncation rounds (values are ≥ 0 there).
    const a = std * k;
    const b = ((norm.mean?.[c] ?? 0) - lo) * k + 0.5;
    const top = maxValue + 0.5;
    const base = c * n;
    for (let i = 0, j = dstC; i < n; i++, j += 3) {
      const v = (data[base + i] as number) * a + b;
      out[j] = v <= 0.5 ? 0 : v >= top ? maxValue : v | 0;
    }
  }
  return out;
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
