/**
 * Padding an image up to a model's multiple (UNet-style networks need H and W divisible by 2^levels)
 * and cropping the output back, on planar CHW float data.
 */

export type PadMode = 'reflect' | 'replicate' | 'zero';

/** The padded size: each side rounded up to `multiple`. Padding goes to the right and bottom. */
export function paddedSize(width: number, height: number, multiple: number): { width: number; height: number } {
  const m = Math.max(1, Math.floor(multiple));
  return { width: Math.ceil(width / m) * m, height: Math.ceil(height / m) * m };
}

/** Source index for a padded index, like numpy.pad / torch reflect (edge not repeated). */
export function sourceIndex(i: number, size: number, mode: PadMode): number {
  if (i < size) return i;
  if (mode === 'replicate' || size === 1) return size - 1;
  // Reflect about the last pixel, bouncing back and forth for pads longer than the image.
  const period = 2 * (size - 1);
  const k = i % period;
  return k < size ? k : period - k;
}

/** Pad planar CHW data from w×h to pw×ph. */
export function padPlanar(
  data: Float32Array,
  channels: number,
  width: number,
  height: number,
  paddedWidth: number,
  paddedHeight: number,
  mode: PadMode,
): Float32Array {
  if (paddedWidth === width && paddedHeight === height) return data;
  const out = new Float32Array(channels * paddedWidth * paddedHeight);
  const xs = Int32Array.from({ length: paddedWidth }, (_, x) => sourceIndex(x, width, mode));
  for (let c = 0; c < channels; c++) {
    const src = c * width * height;
    const dst = c * paddedWidth * paddedHeight;
    for (let y = 0; y < paddedHeight; y++) {
      const outside = y >= height;
      if (outside && mode === 'zero') continue;
      const sy = sourceIndex(y, height, mode);
      const srcRow = src + sy * width;
      const dstRow = dst + y * paddedWidth;
      out.set(data.subarray(srcRow, srcRow + width), dstRow);
      for (let x = width; x < paddedWidth; x++)
        out[dstRow + x] = mode === 'zero' ? 0 : (data[srcRow + (xs[x] as number)] as number);
    }
  }
  return out;
}

/** Crop planar CHW data from pw×ph back to w×h (top-left). */
export function cropPlanar(
  data: Float32Array,
  channels: number,
  paddedWidth: number,
  paddedHeight: number,
  width: number,
  height: number,
): Float32Array {
  if (paddedWidth === width && paddedHeight === height) return data;
  const out = new Float32Array(channels * width * height);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const s = c * paddedWidth * paddedHeight + y * paddedWidth;
      out.set(data.subarray(s, s + width), c * width * height + y * width);
    }
  }
  return out;
}
