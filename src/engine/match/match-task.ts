import type { AppError } from '../../shared/result';
import type { Detection } from '../../core/detect/yolo';
import type { PipelineConfig, PipelineResult } from '../../core/keypoints/pipeline';
import type { MatcherConfig } from '../../core/match/matcher';
import { toAppError } from '../../core/result';
import { threadId } from 'node:worker_threads';
import {
  matchDetected,
  TemplateCache,
  type Resolutions,
  type TemplateCacheStats,
  type TemplateCandidate,
} from '../keypoints/predictor';
import type { WorkingImage } from '../keypoints/working-image';
import { ClassicalMatcher, createOpenCvLoader, type Cv } from './opencv';

/** What a match worker is started with: the classical matcher's settings, the same for every task. */
export interface MatchWorkerData {
  matcher: MatcherConfig;
  resolutions: Resolutions;
  /** Margin around a template's keypoints when cropping its dial. */
  margin: number;
  /** Byte budget of this handler's template cache (the run's budget shared among the workers). */
  templateBudgetBytes: number;
}

/** One photo to match: its working grey image (moved, not copied, to the worker) and its detections. */
export interface MatchTask {
  image: Omit<WorkingImage, 'rgb'>;
  detections: Detection[];
  /** Its templates, best first (templatesFor). */
  templates: TemplateCandidate[];
  watchId: string;
  config: PipelineConfig;
}

/** A task's outcome, serialisable across the thread boundary (errors keep their code). */
export type MatchOutcome = ({ ok: true; result: PipelineResult } | { ok: false; error: AppError }) & {
  /** The handler's thread and its template cache after the task (for the run's log). */
  thread: number;
  cache: TemplateCacheStats;
};

export interface MatchHandler {
  run(task: MatchTask): Promise<MatchOutcome>;
  /** Free the cached templates' native memory (a worker thread's heap goes with the thread anyway). */
  close(): Promise<void>;
}

/**
 * The matching half of a prediction with its own opencv.js instance and template cache (template
 * features are computed once per handler: per worker thread, or once in the engine's thread).
 */
export async function createMatchHandler(
  data: MatchWorkerData,
  loadCv: () => Promise<{ cv: Cv }> = createOpenCvLoader(),
): Promise<MatchHandler> {
  const { cv } = await loadCv();
  const matcher = new ClassicalMatcher(cv, data.matcher);
  const templates = new TemplateCache(matcher, data.resolutions, data.margin, data.templateBudgetBytes);
  return {
    async run(task) {
      try {
        const img: WorkingImage = { ...task.image, rgb: new Uint8Array(0) };
        const result = await matchDetected(img, task.detections, task.templates, task.watchId, {
          cv,
          matcher,
          templates,
          config: task.config,
          resolutions: data.resolutions,
        });
        return { ok: true, result, thread: threadId, cache: templates.stats() };
      } catch (e) {
        return { ok: false, error: toAppError(e, 'INTERNAL'), thread: threadId, cache: templates.stats() };
      }
    },
    close: () => templates.clear(),
  };
}

/** The handler as piscina calls it: one task in, its outcome out. */
export async function matchWorkerEntry(data: MatchWorkerData): Promise<(task: MatchTask) => Promise<MatchOutcome>> {
  const handler = await createMatchHandler(data);
  return (task) => handler.run(task);
}
