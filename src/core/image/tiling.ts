/**
 * Tiled inference with overlap and feathered blending, seam-free for any network whose receptive
 * radius is at most a quarter of the overlap: near an inner tile edge a tile's weight is 0 (its
 * outputs there saw padding, not the neighbour's pixels), then it ramps linearly to 1 while the
 * neighbour's ramps down, so the weights always sum to 1.
 */

export interface Tile {
  /** Region of the (padded) image the tile covers. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** Which sides touch a neighbouring tile (and are feathered). */
  inner: { left: boolean; right: boolean; top: boolean; bottom: boolean };
}

/** Start positions covering `size` with tiles of `tile`, stepping `tile - overlap`. */
function starts(size: number, tile: number, overlap: number): number[] {
  if (size <= tile) return [0];
  const step = Math.max(1, tile - overlap);
  const out: number[] = [];
  for (let s = 0; ; s += step) {
    if (s + tile >= size) {
      out.push(size - tile);
      break;
    }
    out.push(s);
  }
  return [...new Set(out)];
}

/**
 * Tiles over a `width`×`height` image (already padded to the model's multiple). Tiles are
 * `tileSize` square (clipped to the image) and overlap by at least `overlap`.
 */
export function planTiles(width: number, height: number, tileSize: number, overlap: number): Tile[] {
  if (overlap * 2 >= tileSize) throw new Error(`overlap ${overlap} must be less than half the tile size ${tileSize}`);
  const tw = Math.min(tileSize, width);
  const th = Math.min(tileSize, height);
  const xs = starts(width, tw, overlap);
  const ys = starts(height, th, overlap);
  const tiles: Tile[] = [];
  for (const [j, y] of ys.entries()) {
    for (const [i, x] of xs.entries()) {
      tiles.push({
        x,
        y,
        width: tw,
        height: th,
        inner: { left: i > 0, right: i < xs.length - 1, top: j > 0, bottom: j < ys.length - 1 },
      });
    }
  }
  return tiles;
}

/**
 * Weight of a tile's pixel `d` pixels from an inner edge, over an overlap of `overlap` pixels
 * between the two tiles: 0 for the first quarter, a linear ramp over the middle half, 1 after.
 * Two tiles overlapping by `o ≥ overlap` get complementary ramps centred in their shared band.
 */
function ramp(d: number, band: number): number {
  const start = band / 4;
  const end = (3 * band) / 4;
  if (d + 0.5 <= start) return 0;
  if (d + 0.5 >= end) return 1;
  return (d + 0.5 - start) / (end - start);
}

/** Per-pixel blending weights of a tile (row-major, width×height). */
export function tileWeights(tile: Tile, tiles: readonly Tile[]): Float32Array {
  const w = new Float32Array(tile.width * tile.height);
  // The actual overlap with each neighbour (the last tile of a row may overlap more).
  const band = (side: 'left' | 'right' | 'top' | 'bottom'): number => {
    let best = 0;
    for (const t of tiles) {
      if (t === tile) continue;
      if (side === 'left' && t.y === tile.y && t.x < tile.x && t.x + t.width > tile.x)
        best = Math.max(best, t.x + t.width - tile.x);
      if (side === 'right' && t.y === tile.y && t.x > tile.x && tile.x + tile.width > t.x)
        best = Math.max(best, tile.x + tile.width - t.x);
      if (side === 'top' && t.x === tile.x && t.y < tile.y && t.y + t.height > tile.y)
        best = Math.max(best, t.y + t.height - tile.y);
      if (side === 'bottom' && t.x === tile.x && t.y > tile.y && tile.y + tile.height > t.y)
        best = Math.max(best, tile.y + tile.height - t.y);
    }
    return best;
  };
  const bl = tile.inner.left ? band('left') : 0;
  const br = tile.inner.right ? band('right') : 0;
  const bt = tile.inner.top ? band('top') : 0;
  const bb = tile.inner.bottom ? band('bottom') : 0;
  const wx = new Float32Array(tile.width);
  for (let x = 0; x < tile.width; x++) {
    let v = 1;
    if (bl) v = Math.min(v, ramp(x, bl));
    if (br) v = Math.min(v, ramp(tile.width - 1 - x, br));
    wx[x] = v;
  }
  for (let y = 0; y < tile.height; y++) {
    let vy = 1;
    if (bt) vy = Math.min(vy, ramp(y, bt));
    if (bb) vy = Math.min(vy, ramp(tile.height - 1 - y, bb));
    for (let x = 0; x < tile.width; x++) w[y * tile.width + x] = (wx[x] as number) * vy;
  }
  return w;
}

/** Copy a tile's region out of a planar CHW image. */
export function extractTile(
  data: Float32Array,
  channels: number,
  width: number,
  height: number,
  tile: Tile,
): Float32Array {
  const out = new Float32Array(channels * tile.width * tile.height);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < tile.height; y++) {
      const src = c * width * height + (tile.y + y) * width + tile.x;
      out.set(data.subarray(src, src + tile.width), c * tile.width * tile.height + y * tile.width);
    }
  }
  return out;
}

/** Accumulates weighted tile outputs into a whole image, then divides by the weight sum. */
export class TileBlender {
  private readonly sum: Float32Array;
  private readonly weight: Float32Array;

  constructor(
    private readonly channels: number,
    private readonly width: number,
    private readonly height: number,
  ) {
    this.sum = new Float32Array(channels * width * height);
    this.weight = new Float32Array(width * height);
  }

  add(tile: Tile, output: Float32Array, weights: Float32Array): void {
    const { channels, width, height } = this;
    for (let y = 0; y < tile.height; y++) {
      for (let x = 0; x < tile.width; x++) {
        const wv = weights[y * tile.width + x] as number;
        if (wv === 0) continue;
        const p = (tile.y + y) * width + tile.x + x;
        this.weight[p] = (this.weight[p] as number) + wv;
        for (let c = 0; c < channels; c++) {
          const i = c * width * height + p;
          this.sum[i] =
            (this.sum[i] as number) + wv * (output[c * tile.width * tile.height + y * tile.width + x] as number);
        }
      }
    }
  }

  result(): Float32Array {
    const { channels, width, height } = this;
    const n = width * height;
    for (let c = 0; c < channels; c++) {
      for (let p = 0; p < n; p++) {
        const wv = this.weight[p] as number;
        this.sum[c * n + p] = wv > 0 ? (this.sum[c * n + p] as number) / wv : 0;
      }
    }
    return this.sum;
  }
}
