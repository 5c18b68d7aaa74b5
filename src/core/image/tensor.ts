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
  for (let c = 0; c < 3; c++) {
    const srcC = bgr ? 2 - c : c;
    const mean = norm.mean?.[c] ?? 0;
    const std = norm.std?.[c] ?? 1;
    const base = c * n;
    for (let i = 0; i < n; i++) out[base + i] = ((pixels[i * 3 + srcC] as number) * k + lo - mean) / std;
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
    const mean = norm.mean?.[c] ?? 0;
    const std = norm.std?.[c] ?? 1;
    const base = c * n;
    for (let i = 0; i < n; i++) {
      const v = ((data[base + i] as number) * std + mean - lo) * k;
      out[i * 3 + dstC] = v <= 0 ? 0 : v >= maxValue ? maxValue : Math.round(v);
    }
  }
  return out;
}
