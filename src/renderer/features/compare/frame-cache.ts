import { Lru } from '../../lib/lru';
import { pixelsOf } from '../../lib/pixels';

/**
 * Decoded frames for the compare view: ImageBitmaps decoded off the main thread, kept in an LRU
 * (closed when evicted), with the pixels of a frame available for the inspector and heatmaps.
 * One cache per comparison.
 */
type Priority = 'now' | 'ahead';

interface DecodeTask {
  id: string;
  path: string;
  priority: Priority;
  resolve: (b: ImageBitmap) => void;
  reject: (e: Error) => void;
}

/**
 * Decodes in flight at once (fetch + createImageBitmap). Most of a proxy's time is the round trip
 * to the engine's image handler, not decoding, so more in flight keeps the decoders busy: held-key
 * scrubbing of three 720p panes went from 13 to 29–36 frames/s going from 3 to 8 here
 * (bench/compare.bench.ts); 12 was no better.
 */
const DECODERS = 8;
/** Look-ahead decodes waiting at most; older ones are dropped (the frame has been passed). */
const MAX_AHEAD = 30;

export class FrameCache {
  private readonly bitmaps: Lru<string, Promise<ImageBitmap>>;
  private readonly proxies: Lru<string, Promise<ImageBitmap>>;
  private readonly ready = new Set<string>();
  private readonly pixels: Lru<string, Promise<ImageData>>;

  constructor(
    private readonly url: (path: string) => string,
    /** A frame's proxy (a small JPEG the engine makes), quick to decode while frames move. */
    private readonly proxyView: (path: string) => Promise<{ path: string; width: number; height: number }>,
    capacity = 48,
    pixelCapacity = 12,
  ) {
    // Evicted bitmaps are closed (their memory is the GPU's or the decoder's, not the GC's).
    const release =
      (kind: 'proxy' | 'lossless') =>
      (p: Promise<ImageBitmap>, path: string): void => {
        this.ready.delete(`${kind}:${path}`);
        void p.then((b) => b.close()).catch(() => undefined);
      };
    this.bitmaps = new Lru(capacity, release('lossless'));
    this.proxies = new Lru(capacity * 2, release('proxy'));
    this.pixels = new Lru(pixelCapacity);
  }

  /** The frame's proxy, decoded (falls back to the original if no proxy can be made). */
  proxy(path: string, priority: Priority = 'now'): Promise<ImageBitmap> {
    return this.cached('proxy', path, priority, () =>
      this.proxyOf(path)
        .then((v) => v.path)
        .catch(() => path),
    );
  }

  /** The decoded frame (shared by every caller). */
  bitmap(path: string, priority: Priority = 'now'): Promise<ImageBitmap> {
    return this.cached('lossless', path, priority, () => Promise.resolve(path));
  }

  /** A decoded image of `kind` for a frame, from its LRU or queued for decoding from the file `source()` names. */
  private cached(
    kind: 'proxy' | 'lossless',
    path: string,
    priority: Priority,
    source: () => Promise<string>,
  ): Promise<ImageBitmap> {
    const lru = kind === 'proxy' ? this.proxies : this.bitmaps;
    const id = `${kind}:${path}`;
    const hit = lru.get(path);
    if (hit) {
      if (priority === 'now') this.promote(id);
      return hit;
    }
    const load = source()
      .then((file) => this.decode(id, file, priority))
      .then((b) => {
        this.ready.add(id);
        if (kind === 'lossless') this.sizes.set(path, { width: b.width, height: b.height });
        return b;
      });
    load.catch(() => {
      if (lru.peek(path) === load) lru.delete(path);
    });
    lru.set(path, load);
    return load;
  }

  /** Decoded and ready to draw now (not merely requested). */
  isReady(path: string, kind: 'proxy' | 'lossless'): boolean {
    return this.ready.has(`${kind}:${path}`);
  }

  /**
   * Have the engine make the proxies of many frames ahead of time (files in its cache, not
   * decoded here), a few at a time, in order; `stop()` ends it.
   */
  warm(paths: readonly string[], onProgress: (done: number, total: number) => void, concurrency = 2): () => void {
    let stopped = false;
    let done = 0;
    const queue = [...paths];
    onProgress(0, paths.length);
    const worker = async (): Promise<void> => {
      for (let p = queue.shift(); p && !stopped; p = queue.shift()) {
        await this.proxyOf(p).catch(() => undefined);
        if (!stopped) onProgress(++done, paths.length);
      }
    };
    for (let i = 0; i < concurrency; i++) void worker();
    return () => {
      stopped = true;
    };
  }

  private readonly proxyPaths = new Map<string, Promise<{ path: string; width: number; height: number }>>();
  private readonly sizes = new Map<string, { width: number; height: number }>();

  /** Where a frame's proxy is (asked of the engine once per frame); notes the frame's size. */
  private proxyOf(path: string): Promise<{ path: string; width: number; height: number }> {
    const hit = this.proxyPaths.get(path);
    if (hit) return hit;
    const asked = this.proxyView(path).then((v) => {
      this.sizes.set(path, { width: v.width, height: v.height });
      return v;
    });
    asked.catch(() => this.proxyPaths.delete(path));
    this.proxyPaths.set(path, asked);
    return asked;
  }

  /** The frame's own size (a proxy may be smaller), once known. */
  sizeOf(path: string): { width: number; height: number } | null {
    return this.sizes.get(path) ?? null;
  }

  prefetchProxies(paths: readonly (string | null)[]): void {
    for (const p of paths) if (p && !this.proxies.has(p)) void this.proxy(p, 'ahead').catch(() => undefined);
  }

  // --- decoding: DECODERS at a time, what is on screen before what is ahead ---------------------
  private readonly queues: Record<Priority, DecodeTask[]> = { now: [], ahead: [] };
  private readonly pending = new Map<string, DecodeTask>();
  private readonly urgent = new Set<string>();
  /** Ids being fetched and decoded now (a promoted one of these needs nothing more). */
  private readonly inFlight = new Set<string>();
  private running = 0;

  private decode(id: string, path: string, priority: Priority): Promise<ImageBitmap> {
    if (this.urgent.delete(id)) priority = 'now';
    return new Promise<ImageBitmap>((resolve, reject) => {
      const task: DecodeTask = { id, path, priority, resolve, reject };
      this.queues[priority].push(task);
      this.pending.set(id, task);
      // Scrubbing asks for more than can be decoded: what was asked longest ago goes first.
      while (this.queues.ahead.length > MAX_AHEAD) {
        const dropped = this.queues.ahead.shift()!;
        this.pending.delete(dropped.id);
        dropped.reject(new Error('dropped'));
      }
      this.pump();
    });
  }

  private promote(id: string): void {
    const task = this.pending.get(id);
    if (!task) {
      // Not queued yet (its proxy is still being made): queue it first in line when it is.
      if (!this.ready.has(id) && !this.inFlight.has(id)) this.urgent.add(id);
      return;
    }
    if (task.priority === 'now') return;
    this.queues.ahead.splice(this.queues.ahead.indexOf(task), 1);
    task.priority = 'now';
    this.queues.now.push(task);
  }

  private pump(): void {
    while (this.running < DECODERS) {
      const task = this.queues.now.shift() ?? this.queues.ahead.shift();
      if (!task) return;
      this.pending.delete(task.id);
      this.running++;
      this.inFlight.add(task.id);
      this.fetchBitmap(task.path)
        .then(task.resolve, task.reject)
        .finally(() => {
          this.running--;
          this.inFlight.delete(task.id);
          this.pump();
        });
    }
  }

  private async fetchBitmap(path: string): Promise<ImageBitmap> {
    const r = await fetch(this.url(path));
    if (!r.ok) throw new Error(`${r.status} ${r.statusText} for ${path}`);
    return createImageBitmap(await r.blob(), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  }

  /**
   * A frame decoded for the caller alone, at full resolution, kept nowhere (the caller closes it):
   * an export reads every frame of a range once and must not evict what the view shows.
   */
  decodeOwned(path: string): Promise<ImageBitmap> {
    return this.fetchBitmap(path);
  }

  /** Decode ahead (neighbouring frames while scrubbing or playing). */
  prefetch(paths: readonly (string | null)[]): void {
    for (const p of paths) if (p && !this.bitmaps.has(p)) void this.bitmap(p, 'ahead').catch(() => undefined);
  }

  /** RGBA pixels of a frame (for the pixel inspector and difference heatmaps). */
  imageData(path: string): Promise<ImageData> {
    const hit = this.pixels.get(path);
    if (hit) return hit;
    const load = this.bitmap(path).then(pixelsOf);
    load.catch(() => {
      if (this.pixels.peek(path) === load) this.pixels.delete(path);
    });
    this.pixels.set(path, load);
    return load;
  }

  clear(): void {
    const close = (p: Promise<ImageBitmap>): void => void p.then((b) => b.close()).catch(() => undefined);
    this.bitmaps.clear(close);
    this.proxies.clear(close);
    this.ready.clear();
    this.pixels.clear();
  }
}
