import { useEffect, useMemo, useState } from 'react';
import type { FrameCache } from './frame-cache';
import type { LoadedFrame } from './render-frame';

export type Loaded = LoadedFrame<ImageBitmap>;

/**
 * Loads the images of the frame the stage wants, one frame at a time and always the newest
 * wanted: while scrubbing faster than frames decode, skipped frames are never started, so the
 * screen keeps up at the rate one frame can be loaded. Moving frames show the proxies; a settled
 * frame is replaced by its lossless originals.
 */
export class LatestFrameLoader {
  private busy = false;
  private wanted: { key: string; frame: number; settled: boolean } | null = null;
  private shown: { key: string; lossless: boolean } | null = null;

  constructor(
    private readonly cache: Pick<FrameCache, 'isReady' | 'proxy' | 'bitmap'>,
    private readonly onLoaded: (loaded: Loaded) => void,
  ) {}

  want(key: string, frame: number, settled: boolean): void {
    this.wanted = { key, frame, settled };
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy || !this.wanted) return;
    const { key, frame, settled } = this.wanted;
    this.wanted = null;
    const paths = key.split('|').map((p) => p || null);
    const decoded = paths.every((p) => !p || this.cache.isReady(p, 'lossless'));
    const lossless = decoded || settled;
    if (this.shown?.key === key && (this.shown.lossless || !lossless)) return void this.pump();
    this.busy = true;
    try {
      const load = (kind: 'proxy' | 'lossless') =>
        Promise.all(
          paths.map((p) =>
            p
              ? (kind === 'proxy' ? this.cache.proxy(p) : this.cache.bitmap(p)).catch(() => null)
              : Promise.resolve(null),
          ),
        );
      const images = await load(lossless ? 'lossless' : 'proxy');
      this.shown = { key, lossless };
      this.onLoaded({ key, frame, images, lossless });
    } finally {
      this.busy = false;
      void this.pump();
    }
  }
}

/** The newest loaded images of `paths` (one frame's sources) for the stage. */
export function useFrameBitmaps(
  cache: FrameCache,
  paths: readonly (string | null)[],
  frame: number,
  settled: boolean,
): Loaded | null {
  const key = paths.join('|');
  const [state, setState] = useState<Loaded | null>(null);
  const loader = useMemo(() => new LatestFrameLoader(cache, setState), [cache]);
  useEffect(() => loader.want(key, frame, settled), [loader, key, frame, settled]);
  return state;
}
