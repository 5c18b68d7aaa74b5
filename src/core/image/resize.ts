import type { GrayImage } from '../match/matcher';

/** Bilinear resize of a greyscale image (pixel centres aligned, as OpenCV's INTER_LINEAR). */
export function resizeGray(img: GrayImage, width: number, height: number): GrayImage {
  if (img.width === width && img.height === height) return img;
  const out = new Uint8Array(width * height);
  const sx = img.width / width;
  const sy = img.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(img.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(img.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(img.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(img.width - 1, x0 + 1);
      const wx = fx - x0;
      const p = (xx: number, yy: number): number => img.data[yy * img.width + xx] as number;
      out[y * width + x] = Math.round(
        p(x0, y0) * (1 - wx) * (1 - wy) + p(x1, y0) * wx * (1 - wy) + p(x0, y1) * (1 - wx) * wy + p(x1, y1) * wx * wy,
      );
    }
  }
  return { data: out, width, height };
}
