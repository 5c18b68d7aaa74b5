import { useSyncExternalStore } from 'react';
import type { ImageView } from '../../../shared/images';
import type { Result } from '../../../shared/result';
import { Lru } from '../../lib/lru';

/** What the editor has of one image so far: its preview, its full resolution, or why there is no preview. */
export interface Variants {
  preview?: ImageView;
  full?: ImageView;
  error?: string;
}

const NONE: Variants = {};

export interface ImageVariantDeps {
  /** The engine's view of an image (`api.images.view`). */
  view: (path: string, variant: 'preview' | 'full') => Promise<Result<ImageView>>;
  /** Start loading a file the editor will show soon (the browser keeps it in its cache). */
  warm: (path: string) => void;
}

/**
 * The editor's image views by image key: the preview asked for when an image opens, the full
 * resolution once zoomed past the preview, neighbours' previews ahead of time. The last few
 * images are kept (an LRU), so stepping back and forth opens from memory. An external store for
 * React (`useImageVariants`); one per editor.
 */
export class ImageVariants {
  private readonly entries: Lru<string, Variants>;
  private readonly asked = new Set<string>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly deps: ImageVariantDeps,
    capacity = 5,
  ) {
    this.entries = new Lru(capacity);
  }

  /** The views known for `key` (a stable object until they change). */
  get(key: string | null): Variants {
    return (key && this.entries.peek(key)) || NONE;
  }

  /** Ask for a view of `key` unless it is known or on its way; resolves when it has settled. */
  async load(key: string, path: string, variant: 'preview' | 'full'): Promise<void> {
    const id = `${variant}:${key}`;
    if (this.get(key)[variant] || this.asked.has(id)) return;
    this.asked.add(id);
    try {
      const r = await this.deps.view(path, variant);
      if (r.ok) this.update(key, variant === 'preview' ? { preview: r.value, error: undefined } : { full: r.value });
      else if (variant === 'preview') this.update(key, { error: r.error.message });
    } finally {
      this.asked.delete(id);
    }
  }

  /** A neighbour's preview, asked for and its file warmed, so it opens from the cache. */
  async prefetch(key: string, path: string): Promise<void> {
    await this.load(key, path, 'preview');
    const preview = this.get(key).preview;
    if (preview) this.deps.warm(preview.path);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private update(key: string, patch: Partial<Variants>): void {
    const next: Variants = { ...this.entries.peek(key), ...patch };
    if (next.error === undefined) delete next.error;
    this.entries.set(key, next);
    for (const l of this.listeners) l();
  }
}

/** The views of the image `key`, re-rendering when they arrive. */
export function useImageVariants(variants: ImageVariants, key: string | null): Variants {
  return useSyncExternalStore(variants.subscribe, () => variants.get(key));
}
