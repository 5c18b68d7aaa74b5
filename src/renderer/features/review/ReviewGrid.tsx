import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef, useState } from 'react';
import type { ReviewItem } from '../../../core/keypoints/review-list';
import { dialsOf } from '../../../core/keypoints/dials';
import { describeRepredicted } from '../../../core/keypoints/template-provenance';
import { KEYPOINT_NAMES, type LabelRecord } from '../../../shared/labels';
import { useApi } from '../../lib/api';
import { useFolder } from '../../store/folder';
import { POINT_STYLE, STATE_STYLE, TIER_STYLE } from './points';

const MIN_CELL = 150;
const GAP = 10;
const CAPTION = 44;

/**
 * The review grid: engine-made thumbnails with the keypoints drawn over them, virtualised (only
 * the rows in view are in the DOM, so 10,000 images scroll like 100).
 */
export function ReviewGrid({ items, onOpen }: { items: readonly ReviewItem[]; onOpen: (key: string) => void }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const thumbs = useFolder((s) => s.thumbs);
  const sizes = useFolder((s) => s.sizes);
  const current = useFolder((s) => s.current);
  const drafts = useFolder((s) => s.drafts);

  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(entry.contentRect.width);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const columns = Math.max(1, Math.floor((width + GAP) / (MIN_CELL + GAP)));
  const cell = Math.floor((width - GAP * (columns - 1)) / columns);
  const rows = Math.ceil(items.length / columns);
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => cell + CAPTION + GAP,
    overscan: 3,
  });
  useEffect(() => virtualizer.measure(), [cell, virtualizer]);

  // Coming back from the editor: keep the image that was open in view.
  useEffect(() => {
    if (current === null) return;
    const index = items.findIndex((i) => i.imageKey === current);
    if (index >= 0) virtualizer.scrollToIndex(Math.floor(index / columns), { align: 'auto' });
  }, [current, items, columns, virtualizer]);

  return (
    <div className="thumbs" ref={scrollRef} data-testid="review-grid">
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer
          .getVirtualItems()
          .flatMap((row) =>
            items
              .slice(row.index * columns, row.index * columns + columns)
              .map((item, col) => (
                <Cell
                  key={item.imageKey}
                  item={item}
                  thumbnail={thumbs[item.path]}
                  size={item.shown?.image_size ?? sizes[item.path]}
                  edited={item.imageKey in drafts}
                  current={item.imageKey === current}
                  cell={cell}
                  top={row.start}
                  left={col * (cell + GAP)}
                  onOpen={onOpen}
                />
              )),
          )}
      </div>
    </div>
  );
}

const Cell = memo(function Cell({
  item,
  thumbnail,
  size,
  edited,
  current,
  cell,
  top,
  left,
  onOpen,
}: {
  item: ReviewItem;
  thumbnail: string | undefined;
  size: readonly [number, number] | undefined;
  edited: boolean;
  current: boolean;
  cell: number;
  top: number;
  left: number;
  onOpen: (key: string) => void;
}) {
  const api = useApi();
  const hover = useRef<number | undefined>(undefined);
  const ensureThumbnail = useFolder((s) => s.ensureThumbnail);
  const thumbError = useFolder((s) => s.thumbErrors[item.path]);
  // The grid is virtualised, so a mounted cell is one on screen (or just beside it): make its
  // thumbnail now; the rest of the folder never costs a decode until scrolled to.
  useEffect(() => {
    if (!thumbnail) ensureThumbnail(item.path);
  }, [thumbnail, item.path, ensureThumbnail]);
  const fit = size ? Math.min(cell / size[0], cell / size[1]) : 1;
  const w = size ? size[0] * fit : cell;
  const h = size ? size[1] * fit : cell;
  const tier = TIER_STYLE[item.tier ?? 'none'];
  const state = STATE_STYLE[item.state];
  // Predicted again from a new template (a sibling's label): said until the image is reviewed.
  const again = item.state === 'unreviewed' ? describeRepredicted(item.predicted) : null;
  // Several dials in the photo: the record follows the most confident; the editor switches.
  const dials = dialsOf(item.predicted).length;
  return (
    <button
      className={`thumb review-thumb ${state.className}${current ? ' current' : ''}${again?.mark === 'refit' ? ' repredicted' : ''}`}
      data-testid="thumbnail"
      data-image-key={item.imageKey}
      data-state={item.state}
      data-tier={item.tier ?? 'none'}
      data-repredicted={again ? 'true' : undefined}
      style={{ top, left, width: cell, height: cell + CAPTION }}
      onClick={() => onOpen(item.imageKey)}
      onPointerEnter={() => {
        // Resting on a thumbnail: have the engine make its preview before the click.
        hover.current = window.setTimeout(() => void api.images.view(item.path, 'preview'), 120);
      }}
      onPointerLeave={() => window.clearTimeout(hover.current)}
      title={`${item.fullImageName}\n${tier.label}${item.confidence !== null ? ` · confidence ${item.confidence.toFixed(3)}` : ''}${item.score !== null ? ` · wrongness ${item.score.toFixed(2)}` : ''}\n${state.label}${edited ? ' · unsaved edits' : ''}${again ? `\n${again.sentence}` : ''}`}
    >
      <div className="thumb-frame" style={{ height: cell }}>
        <div className="thumb-fit" style={{ width: w, height: h }}>
          {thumbnail ? (
            <img
              src={api.images.url(thumbnail)}
              alt={item.imageKey}
              loading="lazy"
              decoding="async"
              draggable={false}
            />
          ) : thumbError ? (
            <div className="thumb-placeholder thumb-unreadable" data-testid="thumb-unreadable" title={thumbError}>
              Cannot decode this image
            </div>
          ) : (
            <div className="thumb-placeholder" />
          )}
          {item.shown && <PointsOverlay record={item.shown} scale={fit} />}
        </div>
      </div>
      <span className="caption">
        <span className="key">{item.imageKey}</span>
        <span className="meta">
          {item.tier === null && item.human ? (
            <span className="tier-chip tier-none">human</span>
          ) : (
            <span className={`tier-chip ${tier.className}`}>{tier.short}</span>
          )}
          {item.confidence !== null && <span className="conf">{item.confidence.toFixed(2)}</span>}
          {again && (
            <span
              className={`repredicted-mark${again.mark === 'refit' ? '' : ' no-fit'}`}
              data-testid="repredicted"
              aria-label={again.badge}
              title={again.sentence}
            >
              ↻ {again.mark}
            </span>
          )}
          {dials > 1 && (
            <span
              className="dials-mark"
              data-testid="dials"
              title={`The detector found ${dials} dials; the points follow the most confident. Open the image to switch (D or a click on a box).`}
            >
              {dials} dials
            </span>
          )}
          {state.symbol && (
            <span className={`state-mark ${state.className}`} aria-label={state.label}>
              {state.symbol}
            </span>
          )}
          {edited && <span className="state-mark state-edited">•</span>}
        </span>
      </span>
    </button>
  );
});

/** The five points and the two diameters over a thumbnail, in the image's own pixel space. */
function PointsOverlay({ record, scale }: { record: LabelRecord; scale: number }) {
  const [w, h] = record.image_size;
  const p = (n: (typeof KEYPOINT_NAMES)[number]): [number, number] => [
    record.coords_norm[n][0] * w,
    record.coords_norm[n][1] * h,
  ];
  const r = 3.2 / scale;
  const line = (a: [number, number], b: [number, number]) => (
    <line x1={a[0]} y1={a[1]} x2={b[0]} y2={b[1]} vectorEffect="non-scaling-stroke" />
  );
  return (
    <svg className="points-overlay" viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" aria-hidden>
      <g className="diameters">
        {line(p('top'), p('bottom'))}
        {line(p('left'), p('right'))}
      </g>
      {KEYPOINT_NAMES.map((n) => {
        const [x, y] = p(n);
        return <circle key={n} cx={x} cy={y} r={r} fill={POINT_STYLE[n].color} />;
      })}
    </svg>
  );
}
