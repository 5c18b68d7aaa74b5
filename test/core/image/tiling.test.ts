import { describe, expect, it } from 'vitest';
import { extractTile, planTiles, TileBlender, tileWeights } from '../../../src/core/image/tiling';

/** A 5×5 box blur with zero padding: receptive radius 2, like a small conv net. */
function blur(data: Float32Array, c: number, w: number, h: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let dy = -2; dy <= 2; dy++) {
          for (let dx = -2; dx <= 2; dx++) {
            const xx = x + dx;
            const yy = y + dy;
            if (xx >= 0 && yy >= 0 && xx < w && yy < h) s += data[ch * w * h + yy * w + xx] as number;
          }
        }
        out[ch * w * h + y * w + x] = s / 25;
      }
    }
  }
  return out;
}

describe('tiling', () => {
  it('covers the image with overlapping tiles, the last one flush with the edge', () => {
    const tiles = planTiles(200, 120, 64, 16);
    const xs = [...new Set(tiles.map((t) => t.x))];
    const ys = [...new Set(tiles.map((t) => t.y))];
    expect(xs).toEqual([0, 48, 96, 136]);
    expect(ys).toEqual([0, 48, 56]);
    expect(tiles.every((t) => t.width === 64 && t.height === 64)).toBe(true);
    expect(planTiles(50, 40, 64, 16)).toEqual([
      { x: 0, y: 0, width: 50, height: 40, inner: { left: false, right: false, top: false, bottom: false } },
    ]);
    expect(() => planTiles(100, 100, 32, 16)).toThrow(/less than half/);
  });

  it('weights sum to 1 everywhere', () => {
    const tiles = planTiles(150, 100, 48, 16);
    const sum = new Float32Array(150 * 100);
    for (const t of tiles) {
      const w = tileWeights(t, tiles);
      for (let y = 0; y < t.height; y++) {
        for (let x = 0; x < t.width; x++) {
          const i = (t.y + y) * 150 + t.x + x;
          sum[i] = (sum[i] as number) + (w[y * t.width + x] as number);
        }
      }
    }
    for (const v of sum) expect(v).toBeCloseTo(1, 5);
  });

  it('is seam-free: tiled output equals whole-image output when the receptive radius ≤ overlap / 4', () => {
    const w = 173;
    const h = 131;
    const c = 3;
    const img = Float32Array.from({ length: c * w * h }, (_, i) => Math.sin(i * 0.37) * 0.5 + 0.5);
    const whole = blur(img, c, w, h);
    const tiles = planTiles(w, h, 64, 16); // radius 2 ≤ 16 / 4
    const blender = new TileBlender(c, w, h);
    for (const t of tiles)
      blender.add(t, blur(extractTile(img, c, w, h, t), c, t.width, t.height), tileWeights(t, tiles));
    const tiled = blender.result();
    let maxDiff = 0;
    for (let i = 0; i < whole.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs((whole[i] as number) - (tiled[i] as number)));
    expect(maxDiff).toBeLessThan(1e-5);
  });
});
