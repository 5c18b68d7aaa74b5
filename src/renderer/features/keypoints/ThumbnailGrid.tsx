import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import type { ScanImageData } from '../../../shared/jobs';
import { useApi } from '../../lib/api';

const CELL = 176;
const GAP = 10;
const CAPTION = 22;

/** A virtualised grid of thumbnails: rows outside the viewport are not in the DOM. */
export function ThumbnailGrid({
  images,
  onOpen,
}: {
  images: readonly ScanImageData[];
  onOpen: (image: ScanImageData) => void;
}) {
  const api = useApi();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);

  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(entry.contentRect.width);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const columns = Math.max(1, Math.floor((width + GAP) / (CELL + GAP)));
  const cell = Math.floor((width - GAP * (columns - 1)) / columns);
  const rows = Math.ceil(images.length / columns);
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => cell + CAPTION + GAP,
    overscan: 3,
  });
  useEffect(() => virtualizer.measure(), [cell, virtualizer]);

  return (
    <div className="thumbs" ref={scrollRef} data-testid="thumbnail-grid">
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().flatMap((row) =>
          images.slice(row.index * columns, row.index * columns + columns).map((img, col) => (
            <button
              key={img.relPath}
              className="thumb"
              data-testid="thumbnail"
              style={{ top: row.start, left: col * (cell + GAP), width: cell, height: cell + CAPTION }}
              onClick={() => onOpen(img)}
              title={`${img.relPath}\n${img.width}×${img.height}`}
            >
              <img
                src={api.images.url(img.thumbnail)}
                alt={img.imageKey}
                loading="lazy"
                decoding="async"
                draggable={false}
              />
              <span className="caption">{img.imageKey}</span>
            </button>
          )),
        )}
      </div>
    </div>
  );
}
