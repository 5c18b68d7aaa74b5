/**
 * Decoded frames for the compare view: ImageBitmaps decoded off the main thread, kept in an LRU
 * (closed when evicted), with the pixels of a frame available for the inspector and heatmaps.
 * One cache per comparison.
 */
export class FrameCache {
  private readonly bitmaps = new Map<string, Promise<ImageBitmap>>();
  private readonly pixels = new Map<string, Promise<ImageData>>();

  constructor(
    private readonly url: (path: string) => string,
    private readonly capacity = 48,
    private readonly pixelCapacity = 12,
  ) {}

  /** The decoded frame (shared by every caller). */
  bitmap(path: string): Promise<ImageBitmap> {
    const hit = this.bitmaps.get(path);
    if (hit) {
      // Most recently used last.
      this.bitmaps.delete(path);
      this.bitmaps.set(path, hit);
      return hit;
    }
    const load = fetch(this.url(path))
      .then((r) => {
        if (!r.ok) throw new Error(`${r.status} ${r.statusText} for ${path}`);
        return r.blob();
      })
      .then((b) => createImageBitmap(b, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' }));
    load.catch(() => this.bitmaps.delete(path));
    this.bitmaps.set(path, load);
    this.evict(this.bitmaps, this.capacity, (p) => void p.then((b) => b.close()).catch(() => undefined));
    return load;
  }

  /** Decoded if it already is: for drawing without waiting. */
  has(path: string): boolean {
    return this.bitmaps.has(path);
  }

  /** Decode ahead (neighbouring frames while scrubbing or playing). */
  prefetch(paths: readonly (string | null)[]): void {
    for (const p of paths) if (p && !this.bitmaps.has(p)) void this.bitmap(p).catch(() => undefined);
  }

  /** RGBA pixels of a frame (for the pixel inspector and difference heatmaps). */
  imageData(path: string): Promise<ImageData> {
    const hit = this.pixels.get(path);
    if (hit) return hit;
    const load = this.bitmap(path).then((b) => {
      const canvas = new OffscreenCanvas(b.width, b.height);
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(b, 0, 0);
      return ctx.getImageData(0, 0, b.width, b.height);
    });
    load.catch(() => this.pixels.delete(path));
    this.pixels.set(path, load);
    this.evict(this.pixels, this.pixelCapacity, () => undefined);
    return load;
  }

  clear(): void {
    for (const p of this.bitmaps.values()) void p.then((b) => b.close()).catch(() => undefined);
    this.bitmaps.clear();
    this.pixels.clear();
  }

  private evict<T>(map: Map<string, T>, capacity: number, release: (value: T) => void): void {
    while (map.size > capacity) {
      const [key, value] = map.entries().next().value as [string, T];
      map.delete(key);
      release(value);
    }
  }
}
