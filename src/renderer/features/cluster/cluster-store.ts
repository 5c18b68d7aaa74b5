import { createStore, type StoreApi } from 'zustand';
import type { AppApi } from '../../../shared/ipc';
import type { AppError } from '../../../shared/result';
import type { ClusterPhase, ClusterStatus } from '../../../shared/shard';

/** How often a live run is read again while a shard runs (or the merge is awaited). */
export const POLL_MS = 2000;

/** Phases that can still change on their own (a shard writing, a shard's or a person's merge). */
const LIVE: readonly ClusterPhase[] = ['running', 'unmerged'];

export interface ClusterWatchDeps {
  api: Pick<AppApi, 'cluster'>;
  /** Run `fn` after `ms`; returns its cancel (the window's timers; a test's own). */
  schedule: (fn: () => void, ms: number) => () => void;
}

export interface ClusterWatchState {
  outputDir: string;
  status: ClusterStatus | null;
  /** The last read's failure (the folder gone, not granted); polling stops on it. */
  error: AppError | null;
  /** A read is scheduled (the run is live and the view is open). */
  polling: boolean;
  /** Read now, and again every POLL_MS while the run is live. */
  refresh: () => Promise<void>;
  /** The view closed: no more reads. */
  stop: () => void;
}

export type ClusterWatchStore = StoreApi<ClusterWatchState>;

/**
 * A cluster run watched from the app: `cluster:status` polled while any shard runs or the merge
 * is awaited, stopped when the run is merged, failed, or the view closes. Read only.
 */
export function createClusterWatch(
  deps: ClusterWatchDeps,
  outputDir: string,
  first: ClusterStatus | null = null,
): ClusterWatchStore {
  let cancel: (() => void) | null = null;
  let stopped = false;
  const store = createStore<ClusterWatchState>()((set) => {
    const clear = (): void => {
      cancel?.();
      cancel = null;
    };
    const refresh = async (): Promise<void> => {
      clear();
      const r = await deps.api.cluster.status(outputDir);
      if (stopped) return;
      if (!r.ok) {
        set({ error: r.error, polling: false });
        return;
      }
      const live = LIVE.includes(r.value.phase);
      if (live) cancel = deps.schedule(() => void refresh(), POLL_MS);
      set({ status: r.value, error: null, polling: live });
    };
    return {
      outputDir,
      status: first,
      error: null,
      polling: false,
      refresh,
      stop: () => {
        stopped = true;
        clear();
        set({ polling: false });
      },
    };
  });
  return store;
}

/** The window's timers. */
export const windowSchedule = (fn: () => void, ms: number): (() => void) => {
  const id = window.setTimeout(fn, ms);
  return () => window.clearTimeout(id);
};
