import { useEffect, useState } from 'react';
import type { FrameCache } from './frame-cache';
import type { HeatmapClient, Pixels } from './heatmap-compute';
import type { Slot } from './render-frame';

export interface ShownHeatmaps {
  /** What they were computed for (the frame's images, the slots, the scale asked for). */
  key: string;
  images: (ImageBitmap | null)[];
  scale: number;
}

/**
 * Difference mode: every slot against its reference on one shared scale, computed in the heatmap
 * worker from the frame's pixels (the frame cache's, which the inspector reads too). `key` names
 * what is wanted ('' when nothing is); the result is kept until the next one arrives, and its
 * bitmaps are closed once replaced.
 */
export function useHeatmaps({
  key,
  heatmaps,
  cache,
  slots,
  frame,
  scale,
}: {
  key: string;
  heatmaps: HeatmapClient;
  cache: Pick<FrameCache, 'imageData'>;
  slots: readonly Slot[];
  frame: number;
  scale: number | null;
}): ShownHeatmaps | null {
  const [heat, setHeat] = useState<ShownHeatmaps | null>(null);
  useEffect(() => () => heat?.images.forEach((b) => b?.close()), [heat]);
  useEffect(() => {
    if (!key) return;
    let live = true;
    void (async () => {
      const wanted = slots.map((s) => {
        const a = s.pane.paths[frame];
        const b = s.against?.paths[frame];
        return a && b ? ([a, b] as const) : null;
      });
      const paths = [...new Set(wanted.flatMap((w) => (w ? [...w] : [])))];
      const loaded = await Promise.all(paths.map((p) => cache.imageData(p).catch(() => null)));
      const images: Pixels[] = [];
      const index = new Map<string, number>();
      for (const [i, p] of paths.entries()) {
        const d = loaded[i];
        if (d) index.set(p, images.push(d) - 1);
      }
      const pairs = wanted.map((w) => {
        const a = w ? index.get(w[0]) : undefined;
        const b = w ? index.get(w[1]) : undefined;
        return a !== undefined && b !== undefined ? ([a, b] as const) : null;
      });
      try {
        const result = await heatmaps.compute(images, pairs, scale);
        if (live) setHeat({ key, ...result });
        else result.images.forEach((b) => b?.close());
      } catch {
        // The comparison closed (or the worker failed): nothing to show.
      }
    })();
    return () => {
      live = false;
    };
    // slots, frame, scale and the cache are captured through key.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, heatmaps]);
  return heat;
}
