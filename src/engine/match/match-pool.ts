import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { PipelineResult } from '../../core/keypoints/pipeline';
import type { TemplateCacheStats } from '../keypoints/predictor';
import { AppFailure } from '../../core/result';
import { createMatchHandler, type MatchOutcome, type MatchTask, type MatchWorkerData } from './match-task';
import type { Cv } from './opencv';

/** Matching off the engine's thread: `run` one photo, `close` when the run ends. */
export interface MatchPool {
  /** Worker threads matching (0: matching runs in the engine's own thread). */
  readonly threads: number;
  run(task: MatchTask): Promise<PipelineResult>;
  /** The template caches of the threads that matched, summed (their latest stats each). */
  cacheStats(): TemplateCacheStats | null;
  close(): Promise<void>;
}

/** Sums the latest template-cache stats of each thread. */
function cacheTally(): { note(o: MatchOutcome): void; total(): TemplateCacheStats | null } {
  const latest = new Map<number, TemplateCacheStats>();
  return {
    note: (o) => void latest.set(o.thread, o.cache),
    total: () => {
      if (latest.size === 0) return null;
      const sum = (k: keyof TemplateCacheStats): number => [...latest.values()].reduce((a, s) => a + s[k], 0);
      return {
        prepared: sum('prepared'),
        preparedBytes: sum('preparedBytes'),
        evictions: sum('evictions'),
        held: sum('held'),
        heldBytes: sum('heldBytes'),
        peakBytes: sum('peakBytes'),
        budgetBytes: sum('budgetBytes'),
      };
    },
  };
}

/**
 * The built worker entry (out/main/match-worker.js), next to the engine's entry or one folder up
 * from a shared chunk; null when running from the TypeScript sources (tests), where there is no
 * worker file to start.
 */
function workerFile(): string | null {
  for (const rel of ['./match-worker.js', '../match-worker.js']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  return null;
}

/**
 * `workers` threads, each with its own opencv.js instance and template cache, through piscina
 * (the Node.js worker-thread pool kept by the piscinajs maintainers: a task queue, per-task
 * transfer lists for the photo's pixels, a dead worker replaced, and an ESM worker whose default
 * export may be a promise, which lets each thread load opencv.js once; tinypool is its trimmed
 * fork, made for vitest). From the sources (no built worker file) matching runs in this thread,
 * through the same handler.
 */
export async function openMatchPool(
  workers: number,
  data: MatchWorkerData,
  loadCv: () => Promise<{ cv: Cv }>,
): Promise<MatchPool> {
  const tally = cacheTally();
  const unwrap = (o: MatchOutcome): PipelineResult => {
    tally.note(o);
    if (!o.ok) throw new AppFailure(o.error.code, o.error.message, o.error.details);
    return o.result;
  };
  const filename = workerFile();
  if (!filename) {
    const handler = await createMatchHandler(data, loadCv);
    return {
      threads: 0,
      run: async (task) => unwrap(await handler.run(task)),
      cacheStats: tally.total,
      close: () => handler.close(),
    };
  }
  const n = Math.max(1, workers);
  // The run's template budget is shared: each thread's cache gets its part.
  const workerData: MatchWorkerData = { ...data, templateBudgetBytes: Math.floor(data.templateBudgetBytes / n) };
  const pool = new Piscina({ filename, workerData, minThreads: n, maxThreads: n, idleTimeout: 60_000 });
  return {
    threads: n,
    cacheStats: tally.total,
    run: async (task) =>
      unwrap((await pool.run(task, { transferList: [task.image.gray.buffer as ArrayBuffer] })) as MatchOutcome),
    close: () => pool.destroy(),
  };
}
