import { colourise, colourMap, errorMap, sharedScale } from '../../../core/image/heatmap';

/** RGBA pixels (an ImageData, or anything shaped like one). */
export interface Pixels {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** A heatmap's RGBA pixels, in a buffer of their own (what `new ImageData` takes). */
export interface Rgba extends Pixels {
  data: Uint8ClampedArray<ArrayBuffer>;
}

/** Heatmaps of one frame: each slot's pair of images (indexes into `images`), on one scale. */
export interface HeatmapRequest {
  id: number;
  images: readonly Pixels[];
  /** Per slot: [pane, reference], or null where the slot has no pair this frame. */
  pairs: readonly (readonly [number, number] | null)[];
  /** The top of the scale; null: the shared robust maximum of the maps. */
  scale: number | null;
}

export interface Heatmaps<T> {
  scale: number;
  /** Per slot, null where there was no pair or its images differ in size. */
  images: (T | null)[];
}

export type HeatmapResponse<T> = ({ id: number } & Heatmaps<T>) | { id: number; error: string };

/**
 * The difference heatmaps of one frame: every pair's per-pixel error map, the scale they share
 * (or the one asked for) and each map coloured into RGBA pixels. Pure; the heatmap worker runs it.
 */
export function computeHeatmaps(
  images: readonly Pixels[],
  pairs: HeatmapRequest['pairs'],
  fixedScale: number | null,
): Heatmaps<Rgba> {
  const maps = pairs.map((pair) => {
    const a = pair ? images[pair[0]] : undefined;
    const b = pair ? images[pair[1]] : undefined;
    if (!a || !b || a.width !== b.width || a.height !== b.height) return null;
    return { width: a.width, height: a.height, map: errorMap(a.data, b.data, new Float32Array(a.width * a.height)) };
  });
  const scale = fixedScale ?? sharedScale(maps.flatMap((m) => (m ? [m.map] : [])));
  const lut = colourMap();
  return {
    scale,
    images: maps.map((m) => {
      if (!m) return null;
      const data = new Uint8ClampedArray(m.width * m.height * 4);
      colourise(m.map, scale, lut, data);
      return { width: m.width, height: m.height, data };
    }),
  };
}

/** Answer one request: the heatmaps as drawable images (`toImage`), or the error. */
export async function answerHeatmapRequest<T>(
  request: HeatmapRequest,
  toImage: (pixels: Rgba) => Promise<T>,
): Promise<HeatmapResponse<T>> {
  try {
    const heat = computeHeatmaps(request.images, request.pairs, request.scale);
    const images = await Promise.all(heat.images.map((p) => (p ? toImage(p) : null)));
    return { id: request.id, scale: heat.scale, images };
  } catch (e) {
    return { id: request.id, error: (e as Error).message ?? String(e) };
  }
}

/** The worker as the client sees it (a Worker, or a test's stand-in). */
export interface HeatmapWorkerPort {
  postMessage: (message: HeatmapRequest) => void;
  addEventListener: (type: 'message', listener: (e: { data: HeatmapResponse<ImageBitmap> }) => void) => void;
  terminate: () => void;
}

/**
 * The main thread's side of the heatmap worker: one request per frame, answered with
 * ImageBitmaps to draw. The worker is started on first use (a comparison never shown as a
 * difference costs nothing) and ended by `dispose`. One per comparison.
 */
export class HeatmapClient {
  private worker: HeatmapWorkerPort | null = null;
  private next = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (h: Heatmaps<ImageBitmap>) => void; reject: (e: Error) => void }
  >();

  constructor(private readonly start: () => HeatmapWorkerPort) {}

  compute(
    images: readonly Pixels[],
    pairs: HeatmapRequest['pairs'],
    scale: number | null,
  ): Promise<Heatmaps<ImageBitmap>> {
    const worker = this.port();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, images, pairs, scale });
    });
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const w of this.waiting.values()) w.reject(new Error('the comparison was closed'));
    this.waiting.clear();
  }

  private port(): HeatmapWorkerPort {
    if (this.worker) return this.worker;
    const worker = this.start();
    worker.addEventListener('message', ({ data }) => {
      const w = this.waiting.get(data.id);
      if (!w) {
        if (!('error' in data)) for (const b of data.images) b?.close();
        return;
      }
      this.waiting.delete(data.id);
      if ('error' in data) w.reject(new Error(data.error));
      else w.resolve({ scale: data.scale, images: data.images });
    });
    this.worker = worker;
    return worker;
  }
}

/** The browser's heatmap worker (bundled by Vite as its own file, so `worker-src 'self'` allows it). */
export function startHeatmapWorker(): HeatmapWorkerPort {
  return new Worker(new URL('./heatmap.worker.ts', import.meta.url), { type: 'module', name: 'heatmaps' });
}
