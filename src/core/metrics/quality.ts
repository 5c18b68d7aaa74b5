/**
 * Image quality metrics, defined exactly so they can be checked against the usual tools.
 *
 * PSNR = 10·log10(R² / MSE), the MSE over every pixel and channel, R the data range (255 for
 * 8-bit, 65535 for 16-bit). Identical images give +Infinity.
 *
 * SSIM as Wang et al. 2004 and scikit-image's `structural_similarity(gaussian_weights=True,
 * sigma=1.5, use_sample_covariance=False, channel_axis=-1, data_range=R)`:
 *   - an 11-tap Gaussian window (σ = 1.5, truncated at 3.5σ), applied separably with scipy's
 *     'reflect' boundary (d c b a | a b c d | d c b a);
 *   - per channel: μx, μy, σx² = E[x²] − μx², σy², σxy (population, not sample, covariance);
 *   - S = ((2μxμy + C1)(2σxy + C2)) / ((μx² + μy² + C1)(σx² + σy² + C2)), C1 = (0.01R)², C2 = (0.03R)²;
 *   - the mean of S after cropping 5 pixels from every border; the channels' means averaged.
 */

export interface Planes {
  /** Interleaved samples (RGB or grey), in [0, dataRange]. */
  data: ArrayLike<number>;
  width: number;
  height: number;
  channels: number;
}

export function psnr(a: Planes, b: Planes, dataRange: number): number {
  assertSameShape(a, b);
  let se = 0;
  const n = a.width * a.height * a.channels;
  for (let i = 0; i < n; i++) {
    const d = (a.data[i] as number) - (b.data[i] as number);
    se += d * d;
  }
  if (se === 0) return Number.POSITIVE_INFINITY;
  return 10 * Math.log10((dataRange * dataRange) / (se / n));
}

const SIGMA = 1.5;
const TRUNCATE = 3.5;
const RADIUS = Math.trunc(TRUNCATE * SIGMA + 0.5); // 5
const K1 = 0.01;
const K2 = 0.03;

const KERNEL: Float64Array = (() => {
  const k = new Float64Array(2 * RADIUS + 1);
  let sum = 0;
  for (let i = -RADIUS; i <= RADIUS; i++) {
    const v = Math.exp((-0.5 * i * i) / (SIGMA * SIGMA));
    k[i + RADIUS] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] = (k[i] as number) / sum;
  return k;
})();

/** scipy.ndimage 'reflect': the edge sample is repeated (half-sample symmetric). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n;
  let k = ((i % period) + period) % period;
  if (k >= n) k = period - 1 - k;
  return k;
}

/** Separable Gaussian filter of one plane (row-major, w×h), float64 in and out. */
function gaussian(src: Float64Array, w: number, h: number, tmp: Float64Array, out: Float64Array): void {
  const xIdx = new Int32Array((w + 2 * RADIUS) * 1);
  for (let x = -RADIUS; x < w + RADIUS; x++) xIdx[x + RADIUS] = reflect(x, w);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -RADIUS; k <= RADIUS; k++)
        s += (KERNEL[k + RADIUS] as number) * (src[row + (xIdx[x + k + RADIUS] as number)] as number);
      tmp[row + x] = s;
    }
  }
  const yIdx = new Int32Array(h + 2 * RADIUS);
  for (let y = -RADIUS; y < h + RADIUS; y++) yIdx[y + RADIUS] = reflect(y, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -RADIUS; k <= RADIUS; k++)
        s += (KERNEL[k + RADIUS] as number) * (tmp[(yIdx[y + k + RADIUS] as number) * w + x] as number);
      out[y * w + x] = s;
    }
  }
}

/** Mean SSIM of two images (see the definition above). */
export function ssim(a: Planes, b: Planes, dataRange: number): number {
  assertSameShape(a, b);
  const { width: w, height: h, channels } = a;
  if (w < 2 * RADIUS + 1 || h < 2 * RADIUS + 1) throw new Error('SSIM needs images of at least 11×11 pixels');
  const n = w * h;
  const C1 = (K1 * dataRange) ** 2;
  const C2 = (K2 * dataRange) ** 2;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const prod = new Float64Array(n);
  const tmp = new Float64Array(n);
  const ux = new Float64Array(n);
  const uy = new Float64Array(n);
  const uxx = new Float64Array(n);
  const uyy = new Float64Array(n);
  const uxy = new Float64Array(n);
  let total = 0;
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < n; i++) {
      x[i] = a.data[i * channels + c] as number;
      y[i] = b.data[i * channels + c] as number;
    }
    gaussian(x, w, h, tmp, ux);
    gaussian(y, w, h, tmp, uy);
    for (let i = 0; i < n; i++) prod[i] = (x[i] as number) * (x[i] as number);
    gaussian(prod, w, h, tmp, uxx);
    for (let i = 0; i < n; i++) prod[i] = (y[i] as number) * (y[i] as number);
    gaussian(prod, w, h, tmp, uyy);
    for (let i = 0; i < n; i++) prod[i] = (x[i] as number) * (y[i] as number);
    gaussian(prod, w, h, tmp, uxy);
    let sum = 0;
    let count = 0;
    for (let yy = RADIUS; yy < h - RADIUS; yy++) {
      for (let xx = RADIUS; xx < w - RADIUS; xx++) {
        const i = yy * w + xx;
        const mx = ux[i] as number;
        const my = uy[i] as number;
        const vx = (uxx[i] as number) - mx * mx;
        const vy = (uyy[i] as number) - my * my;
        const vxy = (uxy[i] as number) - mx * my;
        sum += ((2 * mx * my + C1) * (2 * vxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
        count++;
      }
    }
    total += sum / count;
  }
  return total / channels;
}

function assertSameShape(a: Planes, b: Planes): void {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new Error(
      `images differ in shape: ${a.width}×${a.height}×${a.channels} vs ${b.width}×${b.height}×${b.channels}`,
    );
  }
}
