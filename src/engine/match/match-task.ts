import ort from 'onnxruntime-node';
import type { AppError } from '../../shared/result';
import type { KeypointMapInfo, ModelInfo } from '../../shared/models';
import type { Detection } from '../../core/detect/yolo';
import type { PipelineConfig, PipelineResult } from '../../core/keypoints/pipeline';
import type { MatcherConfig } from '../../core/match/matcher';
import { AppFailure, toAppError } from '../../core/result';
import { threadId } from 'node:worker_threads';
import {
  matchDetected,
  predictPhoto,
  TemplateCache,
  type PredictedPhoto,
  type Resolutions,
  type TemplateCacheStats,
  type TemplateCandidate,
} from '../keypoints/predictor';
import type { WorkingImage } from '../keypoints/working-image';
import { sessionOptions, warmUp, type SessionHandle } from '../ort/session-pool';
import { ClassicalMatcher, createOpenCvLoader, type Cv } from './opencv';

/** What a match worker is started with: the classical matcher's settings, the same for every task. */
export interface MatchWorkerData {
  matcher: MatcherConfig;
  resolutions: Resolutions;
  /** Margin around a template's keypoints when cropping its dial. */
  margin: number;
  /** Byte budget of this handler's template cache (the run's budget shared among the workers). */
  templateBudgetBytes: number;
  /**
   * The detector, when each worker runs it on a CPU session of its own: then a task is a whole
   * photo (PredictTask), decoded, detected and matched in the worker, and the engine's thread
   * only schedules and writes. Absent: the engine detects and sends each photo's grey image.
   */
  detector?: WorkerDetector;
  /**
   * Counts the workers whose handler has settled (opened, or failed to): one Int32 over a
   * SharedArrayBuffer, set by the pool, so that closing waits for every worker to leave its
   * start-up before terminating it (see openMatchPool's close).
   */
  settled?: Int32Array;
}

/** A predict worker's detector: the model (its file is opened in each worker) and its threads. */
export interface WorkerDetector {
  model: ModelInfo;
  /** A pose detector's keypoint mapping (modelKeypointMap), null for box detectors. */
  keypoints: KeypointMapInfo | null;
  /** Intra-op threads of each worker's session (the run's ONNX Runtime threads shared out). */
  threads: number;
}

/** One photo to match: its working grey image (moved, not copied, to the worker) and its detections. */
export interface MatchTask {
  kind: 'match';
  image: Omit<WorkingImage, 'rgb'>;
  detections: Detection[];
  /** Its templates, best first (templatesFor). */
  templates: TemplateCandidate[];
  watchId: string;
  config: PipelineConfig;
}

/** One photo to predict whole in a worker with a detector (MatchWorkerData.detector): only its path goes. */
export interface PredictTask {
  kind: 'predict';
  path: string;
  /** Its templates, best first (templatesFor). */
  templates: TemplateCandidate[];
  watchId: string;
  config: PipelineConfig & { iou: number };
}

export type WorkerTask = MatchTask | PredictTask;

/** A task's outcome, serialisable across the thread boundary (errors keep their code). */
export type TaskOutcome<R> = ({ ok: true; value: R } | { ok: false; error: AppError }) & {
  /** The handler's thread and its template cache after the task (for the run's log). */
  thread: number;
  cache: TemplateCacheStats;
};
export type MatchOutcome = TaskOutcome<PipelineResult>;
export type PredictOutcome = TaskOutcome<PredictedPhoto>;

export interface MatchHandler {
  run(task: MatchTask): Promise<MatchOutcome>;
  /** A whole photo (a handler made with a detector only). */
  predict(task: PredictTask): Promise<PredictOutcome>;
  /** Free the cached templates' native memory (a worker thread's heap goes with the thread anyway). */
  close(): Promise<void>;
}

/**
 * A worker's own detector session, on the CPU (a worker detects only when the run's detector runs
 * there: an accelerator keeps one session, in the engine's thread), created and warmed up as the
 * engine's session pool does, with the intra-op threads this worker's share of the cores.
 */
export async function openWorkerDetector(d: WorkerDetector): Promise<SessionHandle> {
  const started = performance.now();
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(
      d.model.path,
      // Each worker's session is one of several sharing the cores: no spinning between runs.
      sessionOptions(d.model, ['cpu'], { threads: d.threads, spinning: false }),
    );
  } catch (e) {
    throw new AppFailure('MODEL_LOAD_FAILED', `could not load ${d.model.name}: ${(e as Error).message}`, {
      model: d.model.id,
      path: d.model.path,
    });
  }
  const loadMs = performance.now() - started;
  const warmupMs = await warmUp(session, d.model, () => performance.now());
  return { session, provider: { requested: 'cpu', plan: ['cpu'], active: 'cpu' }, loadMs, warmupMs };
}

/**
 * The matching half of a prediction with its own opencv.js instance and template cache (template
 * features are computed once per handler: per worker thread, or once in the engine's thread);
 * with `data.detector`, the whole of it (`predict`), on its own detector session, or on
 * `detectorHandle` (the engine's, when this handler runs in the engine's thread).
 */
export async function createMatchHandler(
  data: MatchWorkerData,
  loadCv: () => Promise<{ cv: Cv }> = createOpenCvLoader(),
  detectorHandle?: SessionHandle,
): Promise<MatchHandler> {
  const { cv } = await loadCv();
  const matcher = new ClassicalMatcher(cv, data.matcher);
  const templates = new TemplateCache(matcher, data.resolutions, data.margin, data.templateBudgetBytes);
  const session = data.detector ? (detectorHandle ?? (await openWorkerDetector(data.detector))) : null;
  const outcome = async <R>(work: () => Promise<R>): Promise<TaskOutcome<R>> => {
    try {
      return { ok: true, value: await work(), thread: threadId, cache: templates.stats() };
    } catch (e) {
      return { ok: false, error: toAppError(e, 'INTERNAL'), thread: threadId, cache: templates.stats() };
    }
  };
  const deps = { cv, matcher, templates, resolutions: data.resolutions };
  return {
    run: (task) =>
      outcome(() => {
        const img: WorkingImage = { ...task.image, rgb: new Uint8Array(0) };
        return matchDetected(img, task.detections, task.templates, task.watchId, { ...deps, config: task.config });
      }),
    predict: (task) =>
      outcome(() => {
        if (!session || !data.detector) throw new AppFailure('INTERNAL', 'this match worker has no detector');
        const detector = { handle: session, model: data.detector.model, keypoints: data.detector.keypoints };
        return predictPhoto(task, task.templates, { ...deps, detector, config: task.config });
      }),
    close: async () => {
      await templates.clear();
      // The engine thread's own session (detectorHandle) belongs to its session pool.
      if (session && !detectorHandle) await session.session.release();
    },
  };
}

/** The handler as piscina calls it: one task in, its outcome out. */
export async function matchWorkerEntry(
  data: MatchWorkerData,
): Promise<(task: WorkerTask) => Promise<MatchOutcome | PredictOutcome>> {
  let handler: MatchHandler;
  try {
    handler = await createMatchHandler(data);
  } finally {
    if (data.settled) {
      Atomics.add(data.settled, 0, 1);
      Atomics.notify(data.settled, 0);
    }
  }
  return (task) => (task.kind === 'match' ? handler.run(task) : handler.predict(task));
}
