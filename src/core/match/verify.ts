import type { Homography } from '../geometry/homography';
import type { GrayImage } from './matcher';

/** Inverse of a 3×3 matrix (row-major); null when singular. */
export function invert3(m: Homography): Homography | null {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) return null;
  const k = 1 / det;
  return [
    A * k,
    -(b * i - c * h) * k,
    (b * f - c * e) * k,
    B * k,
    (a * i - c * g) * k,
    -(a * f - c * d) * k,
    C * k,
    -(a * h - b * g) * k,
    (a * e - b * d) * k,
  ];
}

/**
 * Photometric check of a homography: warp the template crop into the query crop (`H` maps
 * template pixels to query pixels) and take the normalised cross-correlation over the pixels both
 * see. A dial matched a quarter turn off, or onto the wrong object, correlates poorly even when its
 * inliers look fine; the hands move between photos, so good fits score well below 1.
 */
export function warpedNcc(query: GrayImage, template: GrayImage, H: Homography, step = 2): number {
  const inv = invert3(H);
  if (!inv) return -1;
  let n = 0;
  let sq = 0;
  let st = 0;
  let sqq = 0;
  let stt = 0;
  let sqt = 0;
  const tw = template.width;
  const th = template.height;
  for (let y = 0; y < query.height; y += step) {
    for (let x = 0; x < query.width; x += step) {
      const w = inv[6] * x + inv[7] * y + inv[8];
      if (w <= 0) continue;
      const u = (inv[0] * x + inv[1] * y + inv[2]) / w;
      const v = (inv[3] * x + inv[4] * y + inv[5]) / w;
      if (u < 0 || v < 0 || u >= tw - 1 || v >= th - 1) continue;
      const u0 = Math.floor(u);
      const v0 = Math.floor(v);
      const fu = u - u0;
      const fv = v - v0;
      const i0 = v0 * tw + u0;
      const t =
        (template.data[i0] as number) * (1 - fu) * (1 - fv) +
        (template.data[i0 + 1] as number) * fu * (1 - fv) +
        (template.data[i0 + tw] as number) * (1 - fu) * fv +
        (template.data[i0 + tw + 1] as number) * fu * fv;
      const q = query.data[y * query.width + x] as number;
      n++;
      sq += q;
      st += t;
      sqq += q * q;
      stt += t * t;
      sqt += q * t;
    }
  }
  if (n < 100) return -1;
  const cov = sqt - (sq * st) / n;
  const vq = sqq - (sq * sq) / n;
  const vt = stt - (st * st) / n;
  if (vq <= 0 || vt <= 0) return 0;
  return cov / Math.sqrt(vq * vt);
}

/**
 * The image minus its local mean (box radius `r`): printed detail (indices, text) stays, shading
 * and large flat areas go, so a correlation of two such images is about the print.
 */
export function highPass(img: GrayImage, r = 4): GrayImage {
  const { width: w, height: h, data } = img;
  // Summed-area table for O(1) box means.
  const sat = new Float64Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += data[y * w + x] as number;
      sat[(y + 1) * (w + 1) + x + 1] = (sat[y * (w + 1) + x + 1] as number) + row;
    }
  }
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(w, x + r + 1);
      const sum =
        (sat[y1 * (w + 1) + x1] as number) -
        (sat[y0 * (w + 1) + x1] as number) -
        (sat[y1 * (w + 1) + x0] as number) +
        (sat[y0 * (w + 1) + x0] as number);
      const mean = sum / ((x1 - x0) * (y1 - y0));
      out[y * w + x] = Math.max(0, Math.min(255, 128 + 2 * ((data[y * w + x] as number) - mean)));
    }
  }
  return { data: out, width: w, height: h };
}
