import type { AppApi } from '../../shared/ipc';
import type { JobItem } from '../../shared/jobs';
import type { AppError } from '../../shared/result';

const PAGE = 5000;

/**
 * Every item of a job, once: the items it already has (paged) and then the live stream. Events
 * that arrive while the pages load are held and merged, deduplicated by item key; an item comes
 * again when its outcome changes: a failed one retried by a resumed job, or an ok one the engine
 * found failed later (a scanned image whose pixels do not decode; the later item replaces it).
 */
export function followJobItems(
  api: AppApi,
  jobId: string,
  onItems: (items: JobItem[]) => void,
  onError: (error: AppError) => void,
): () => void {
  // Key → whether the item delivered for it failed: a failed item retried on resume comes again.
  const seen = new Map<string, boolean>();
  let loaded = false;
  let closed = false;
  const held: JobItem[] = [];
  const deliver = (items: JobItem[]): void => {
    const fresh = items.filter((i) => {
      const failed = seen.get(i.key);
      if (failed !== undefined && failed === (i.status === 'failed')) return false;
      seen.set(i.key, i.status === 'failed');
      return true;
    });
    if (fresh.length > 0 && !closed) onItems(fresh);
  };
  const unsubscribe = api.events.subscribe((event) => {
    if (event.name !== 'job:items' || event.payload.jobId !== jobId) return;
    if (loaded) deliver(event.payload.items);
    else held.push(...event.payload.items);
  });
  void (async () => {
    for (let offset = 0; !closed; offset += PAGE) {
      const page = await api.jobs.items(jobId, offset, PAGE);
      if (!page.ok) {
        onError(page.error);
        break;
      }
      deliver(page.value.items);
      if (offset + PAGE >= page.value.total) break;
    }
    deliver(held.splice(0));
    loaded = true;
  })();
  return () => {
    closed = true;
    unsubscribe();
  };
}
