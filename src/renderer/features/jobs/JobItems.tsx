import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import type { JobItem, JobSnapshot } from '../../../shared/jobs';
import { useApi } from '../../lib/api';
import { followJobItems } from '../../lib/follow-job';

const ROW = 26;

/**
 * Every item of the selected job, virtualised: only the rows in view exist in the DOM, so a job
 * of 10,000 images scrolls as smoothly as one of ten.
 */
export function JobItems({ job }: { job: JobSnapshot }) {
  const api = useApi();
  const [items, setItems] = useState<JobItem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [onlyFailed, setOnlyFailed] = useState(false);
  const [follow, setFollow] = useState(true);
  const scrollRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    setItems([]);
    setError(null);
    return followJobItems(
      api,
      job.id,
      (fresh) =>
        setItems((prev) => {
          // A retried item replaces the failed one it came from.
          const keys = new Set(fresh.map((i) => i.key));
          return (prev.some((p) => keys.has(p.key)) ? prev.filter((p) => !keys.has(p.key)) : prev).concat(fresh);
        }),
      (e) => setError(e.message),
    );
  }, [api, job.id]);

  const shown = onlyFailed ? items.filter((i) => i.status === 'failed') : items;
  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW,
    overscan: 12,
  });

  useEffect(() => {
    if (follow && shown.length > 0 && job.status === 'running')
      virtualizer.scrollToIndex(shown.length - 1, { align: 'end' });
  }, [follow, shown.length, job.status, virtualizer]);

  return (
    <section className="items" aria-label="Job items">
      <div className="items-header">
        <span data-testid="items-count">
          {items.length} item{items.length === 1 ? '' : 's'}
        </span>
        <span className="spacer" />
        <label>
          <input type="checkbox" checked={onlyFailed} onChange={(e) => setOnlyFailed(e.target.checked)} /> failed only
        </label>
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> follow
        </label>
      </div>
      {error && <div className="empty">{error}</div>}
      <div className="items-scroll" ref={scrollRef} data-testid="items-scroll" onWheel={() => setFollow(false)}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((row) => {
            const item = shown[row.index] as JobItem;
            return (
              <div
                key={row.key}
                className={`item-row ${item.status}`}
                data-testid="item-row"
                style={{ top: row.start, height: ROW }}
                title={item.error ? `${item.error.code}: ${item.error.message}` : item.key}
              >
                <span className="faint mono">{item.index + 1}</span>
                <span className="key">{item.error ? `${item.key} — ${item.error.message}` : item.key}</span>
                {item.tag && <span className="badge">{item.tag}</span>}
                <span className="ms">{item.ms < 10 ? item.ms.toFixed(2) : Math.round(item.ms)} ms</span>
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}
