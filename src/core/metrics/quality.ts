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

/**
 * Temporal consistency of a restored frame: how far its change from the previous frame is from
 * the ground truth's change. With d = (out_k − out_{k−1}) − (gt_k − gt_{k−1}) over every pixel
 * and channel in the image's value range, tMSE = mean(d²) and tPSNR = 10·log10(R² / tMSE)
 * (infinite when the changes agree exactly). A model that flickers (changes where the truth
 * holds still) or freezes (holds still where it moves) scores low even when each frame alone has
 * a good PSNR. See TEMPORAL_DEFINITION for the literature it follows.
 */
export function temporalPsnr(out: Planes, outPrev: Planes, gt: Planes, gtPrev: Planes, dataRange: number): number {
  for (const p of [outPrev, gt, gtPrev]) assertSameShape(out, p);
  let se = 0;
  const n = out.width * out.height * out.channels;
  for (let i = 0; i < n; i++) {
    const d =
      (out.data[i] as number) - (outPrev.data[i] as number) - ((gt.data[i] as number) - (gtPrev.data[i] as number));
    se += d * d;
  }
  if (se === 0) return Number.POSITIVE_INFINITY;
  return 10 * Math.log10((dataRange * dataRange) / (se / n));
}

/** What metrics.json says its `temporal` numbers are. */
export const TEMPORAL_DEFINITION =
  "tPSNR of frame k (k ≥ 1, in the batch's frame order) = 10 log10(R^2 / mean(d^2)), d = (out_k − out_{k−1}) − (gt_k − gt_{k−1}) over all pixels and RGB channels, values in the image range R (255 for 8-bit, 65535 for 16-bit); higher is steadier. Frame 0, and a frame whose previous output or ground truth is missing or of another size, has none; the mean is over the frames that have one (infinite values left out). It measures what the temporal metrics of Chu et al. 2020 (\"Learning Temporal Coherence via Self-Supervision for GAN-based Video Generation\", ACM TOG 39(4), tOF and tLP) measure, a result's frame-to-frame change against the ground truth's, on the pixel differences themselves instead of optical flow or LPIPS.";

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

const TAPS = 2 * RADIUS + 1;

/**
 * Mean SSIM of two images (see the definition above). The five Gaussian-filtered quantities
 * (μx, μy, E[x²], E[y²], E[xy]) are computed in one fused horizontal pass and one fused vertical
 * pass that only visits the rows and columns the 5-pixel crop keeps.
 */
export function ssim(a: Planes, b: Planes, dataRange: number): number {
  assertSameShape(a, b);
  const { width: w, height: h, channels } = a;
  if (w < TAPS || h < TAPS) throw new Error('SSIM needs images of at least 11×11 pixels');
  const n = w * h;
  const C1 = (K1 * dataRange) ** 2;
  const C2 = (K2 * dataRange) ** 2;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  // Horizontal pass results: five planes.
  const hx = new Float64Array(n);
  const hy = new Float64Array(n);
  const hxx = new Float64Array(n);
  const hyy = new Float64Array(n);
  const hxy = new Float64Array(n);
  const xIdx = new Int32Array(w + 2 * RADIUS);
  for (let i = -RADIUS; i < w + RADIUS; i++) xIdx[i + RADIUS] = reflect(i, w);
  const k = KERNEL;
  let total = 0;
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < n; i++) {
      x[i] = a.data[i * channels + c] as number;
      y[i] = b.data[i * channels + c] as number;
    }
    for (let row = 0; row < h; row++) {
      const base = row * w;
      for (let col = 0; col < w; col++) {
        let sx = 0;
        let sy = 0;
        let sxx = 0;
        let syy = 0;
        let sxy = 0;
        const interior = col >= RADIUS && col < w - RADIUS;
        for (let t = 0; t < TAPS; t++) {
          const j = base + (interior ? col + t - RADIUS : (xIdx[col + t] as number));
          const kv = k[t] as number;
          const xv = x[j] as number;
          const yv = y[j] as number;
          sx += kv * xv;
          sy += kv * yv;
          sxx += kv * xv * xv;
          syy += kv * yv * yv;
          sxy += kv * xv * yv;
        }
        const o = base + col;
        hx[o] = sx;
        hy[o] = sy;
        hxx[o] = sxx;
        hyy[o] = syy;
        hxy[o] = sxy;
      }
    }
    // Vertical pass only where the crop keeps S (rows and columns RADIUS .. size-RADIUS-1), so
    // every tap stays inside the image.
    let sum = 0;
    for (let row = RADIUS; row < h - RADIUS; row++) {
      for (let col = RADIUS; col < w - RADIUS; col++) {
        let mx = 0;
        let my = 0;
        let ex2 = 0;
        let ey2 = 0;
        let exy = 0;
        for (let t = 0; t < TAPS; t++) {
          const j = (row + t - RADIUS) * w + col;
          const kv = k[t] as number;
          mx += kv * (hx[j] as number);
          my += kv * (hy[j] as number);
          ex2 += kv * (hxx[j] as number);
          ey2 += kv * (hyy[j] as number);
          exy += kv * (hxy[j] as number);
        }
        const vx = ex2 - mx * mx;
        const vy = ey2 - my * my;
        const vxy = exy - mx * my;
        sum += ((2 * mx * my + C1) * (2 * vxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
      }
    }
    total += sum / ((w - 2 * RADIUS) * (h - 2 * RADIUS));
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
