import { useLayoutEffect, useState, type RefObject } from 'react';
import type { Size } from './view';

/**
 * The size of an element's content box in CSS pixels, kept current by a ResizeObserver (null
 * until first measured). `round` turns the observed fractional size into whole pixels: the
 * editor rounds, the compare stage floors so its panes never overflow.
 */
export function useViewportSize(
  ref: RefObject<HTMLElement | null>,
  round: (n: number) => number = Math.floor,
): Size | null {
  const [size, setSize] = useState<Size | null>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => {
      if (!entry) return;
      const width = round(entry.contentRect.width);
      const height = round(entry.contentRect.height);
      setSize((prev) => (prev && prev.width === width && prev.height === height ? prev : { width, height }));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref, round]);
  return size;
}
