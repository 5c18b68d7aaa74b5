import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { PipelineResult } from '../../core/keypoints/pipeline';
import type { PredictedPhoto, TemplateCacheStats } from '../keypoints/predictor';
import type { SessionHandle } from '../ort/session-pool';
import { AppFailure } from '../../core/result';
import {
  createMatchHandler,
  type MatchTask,
  type MatchWorkerData,
  type PredictTask,
  type TaskOutcome,
} from './match-task';
import type { Cv } from './opencv';

/** Matching off the engine's thread: `run` one photo, `close` when the run ends. */
export interface MatchPool {
  /** Worker threads matching (0: matching runs in the engine's own thread). */
  readonly threads: number;
  /** Photos the pool works on at once (two per worker when the workers detect, else one; 0 in this thread). */
  readonly concurrency: number;
  /** Whether the workers also decode and detect (`predict`); else the engine detects and `run`s. */
  readonly detects: boolean;
  run(task: Omit<MatchTask, 'kind'>): Promise<PipelineResult>;
  /** A whole photo, decoded, detected and matched in a worker (a pool that `detects` only). */
  predict(task: Omit<PredictTask, 'kind'>): Promise<PredictedPhoto>;
  /** The template caches of the threads that matched, summed (their latest stats each). */
  cacheStats(): TemplateCacheStats | null;
  close(): Promise<void>;
}

/** Sums the latest template-cache stats of each thread. */
function cacheTally(): { note(o: TaskOutcome<unknown>): void; total(): TemplateCacheStats | null } {
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
 * `workers` threads, each with its own opencv.js instance and template cache (and, with
 * `data.detector`, its own detector session: a worker then takes two photos at a time, so one
 * decodes in libvips while the other is detected or matched), through piscina
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
  /** The engine's own detector session, for matching in this thread from the sources. */
  detectorHandle?: SessionHandle,
): Promise<MatchPool> {
  const tally = cacheTally();
  const unwrap = <R>(o: TaskOutcome<R>): R => {
    tally.note(o);
    if (!o.ok) throw new AppFailure(o.error.code, o.error.message, o.error.details);
    return o.value;
  };
  const detects = data.detector !== undefined;
  const filename = workerFile();
  if (!filename) {
    const handler = await createMatchHandler(data, loadCv, detectorHandle);
    return {
      threads: 0,
      concurrency: 0,
      detects,
      run: async (task) => unwrap(await handler.run({ kind: 'match', ...task })),
      predict: async (task) => unwrap(await handler.predict({ kind: 'predict', ...task })),
      cacheStats: tally.total,
      close: () => handler.close(),
    };
  }
  const n = Math.max(1, workers);
  // A detecting worker takes two photos at a time: libvips decodes one while the other is matched.
  const perWorker = detects ? 2 : 1;
  // The run's template budget is shared: each thread's cache gets its part.
  const settled = new Int32Array(new SharedArrayBuffer(4));
  const workerData: MatchWorkerData = {
    ...data,
    templateBudgetBytes: Math.floor(data.templateBudgetBytes / n),
    settled,
  };
  const pool = new Piscina({
    filename,
    workerData,
    minThreads: n,
    maxThreads: n,
    idleTimeout: 60_000,
    concurrentTasksPerWorker: perWorker,
  });
  return {
    threads: n,
    concurrency: n * perWorker,
    detects,
    cacheStats: tally.total,
    run: async (task) =>
      unwrap(
        (await pool.run({ kind: 'match', ...task } satisfies MatchTask, {
          transferList: [task.image.gray.buffer as ArrayBuffer],
        })) as TaskOutcome<PipelineResult>,
      ),
    predict: async (task) =>
      unwrap((await pool.run({ kind: 'predict', ...task } satisfies PredictTask)) as TaskOutcome<PredictedPhoto>),
    close: async () => {
      await startedUp(settled, n, CLOSE_WAIT_MS);
      await pool.destroy();
    },
  };
}

/** How long closing waits for workers still starting up (a large detector loading) before terminating them. */
const CLOSE_WAIT_MS = 30_000;

/**
 * Waits until `n` workers have settled their start-up (or `ms` pass). Terminating a worker while a
 * call into an ONNX Runtime session is in flight there (its creation, its warm-up run) aborts the
 * whole process: the binding throws a C++ Napi::Error that nothing catches once the thread is
 * stopping (seen here as SIGABRT on a run whose only photo failed at once; the same stack as
 * daintreehq/daintree#12577). An idle session is torn down with its thread without harm.
 */
async function startedUp(settled: Int32Array, n: number, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  for (let seen = Atomics.load(settled, 0); seen < n; seen = Atomics.load(settled, 0)) {
    const left = deadline - performance.now();
    if (left <= 0) return;
    const wait = Atomics.waitAsync(settled, 0, seen, left);
    if (wait.async) await wait.value;
  }
}
