import { realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { PredictKeypointsSpec } from '../../../shared/jobs';
import type { KeypointMapInfo, ModelInfo } from '../../../shared/models';
import { DEFAULT_PIPELINE } from '../../../core/keypoints/pipeline';
import { modelKeypointMap } from '../../../core/keypoints/model-keypoints';
import type { Matcher } from '../../../core/match/matcher';
import { identifyImage, type ImageIdentity } from '../../../core/naming';
import { AppFailure, toAppError } from '../../../core/result';
import { walkImages, type WalkProblem } from '../../images/list-images';
import type { JobContext } from '../../jobs/manager';
import { DEFAULT_RESOLUTIONS, TemplateCache } from '../../keypoints/predictor';
import type { Cv } from '../../match/opencv';
import { OnnxMatcher } from '../../match/onnx-matcher';
import type { SessionHandle } from '../../ort/session-pool';
import type { EngineServices } from '../../services';

export type PredictContext = JobContext<'predict-keypoints'>;
export type OpenCvLoader = () => Promise<{ cv: Cv }>;

export interface PredictFolders {
  imagesDir: string;
  outputDir: string;
  labelsDir: string;
}

/** The run's folders, resolved; the images folder must exist and the output is never the human labels. */
export async function resolveFolders(spec: PredictKeypointsSpec): Promise<PredictFolders> {
  const imagesDir = resolve(spec.imagesDir);
  const outputDir = resolve(spec.outputDir);
  const labelsDir = resolve(spec.labelsDir);
  if (!(await stat(imagesDir).catch(() => null))?.isDirectory()) {
    throw new AppFailure('NOT_FOUND', `no images folder ${imagesDir}`, { path: imagesDir });
  }
  if ((await realpath(outputDir).catch(() => outputDir)) === (await realpath(labelsDir).catch(() => labelsDir))) {
    throw new AppFailure(
      'INVALID_ARGUMENT',
      'the output folder is the human labels folder; predictions never go there',
    );
  }
  return { imagesDir, outputDir, labelsDir };
}

/** What predicts: the detector and its session, its keypoints by name, and where matching runs. */
export interface Predictors {
  model: ModelInfo;
  handle: SessionHandle;
  keypointMap: KeypointMapInfo | null;
  /**
   * A learned (ONNX) matcher, its template cache and opencv.js, in the engine's thread; null for
   * the classical matcher, which runs in the match workers with an opencv.js of their own.
   */
  inThread: { cv: Cv; matcher: Matcher<unknown>; templates: TemplateCache<unknown> } | null;
  /** The engine thread's opencv.js, loaded on first use only (no start-up cost when workers match). */
  loadCv: OpenCvLoader;
}

/**
 * The detector (a catalog id, or a path to an .onnx file) and the matcher, ready. A model that is
 * not a dial detector, or a pose model whose keypoint names cannot be mapped, fails here, before
 * any image, with what is missing and how to name it.
 */
export async function openPredictors(
  svc: EngineServices,
  ctx: PredictContext,
  loadCv: OpenCvLoader,
): Promise<Predictors> {
  const { config } = ctx.spec;
  const device = ctx.spec.device ?? svc.config().device;
  const model = await resolveModel(svc, config.model, 'detector');
  if (model.task !== 'pose' && model.task !== 'detect' && model.task !== 'obb') {
    throw new AppFailure('INVALID_ARGUMENT', `${model.name} is a ${model.task} model, not a dial detector`);
  }
  const mapped = modelKeypointMap(model, config.keypointMap);
  if (mapped && !mapped.ok) throw new AppFailure(mapped.error.code, mapped.error.message, mapped.error.details);
  // Match workers share the cores with the detector: its threads must not spin between runs.
  const handle = await svc.sessions.acquire(model, device, { spinning: false });
  ctx.setProvider(handle.provider);
  const keypointMap = mapped?.value ?? null;
  // The classical matcher runs in the match workers (run-images.ts); a learned one (an ONNX export
  // with a matcher contract) in this thread.
  if (!config.matcher.startsWith('onnx:')) return { model, handle, keypointMap, inThread: null, loadCv };
  const { cv } = await loadCv();
  const m = await resolveModel(svc, config.matcher.slice('onnx:'.length), 'matcher');
  const mh = await svc.sessions.acquire(m, device);
  const matcher = new OnnxMatcher(mh.session, m) as Matcher<unknown>;
  const templates = new TemplateCache(matcher, DEFAULT_RESOLUTIONS, DEFAULT_PIPELINE.cropMargin);
  return { model, handle, keypointMap, inThread: { cv, matcher, templates }, loadCv };
}

/** A model by catalog id or .onnx path (the detector, or a learned matcher). */
async function resolveModel(svc: EngineServices, ref: string, role: 'detector' | 'matcher'): Promise<ModelInfo> {
  if (ref.toLowerCase().endsWith('.onnx')) {
    const model = await svc.catalog.describe(resolve(ref), 'user');
    if (model.error) throw new AppFailure('MODEL_LOAD_FAILED', `${ref}: ${model.error.message}`);
    return model;
  }
  try {
    return await svc.catalog.get(svc.modelDirs(), ref);
  } catch (e) {
    throw new AppFailure(
      'MODEL_LOAD_FAILED',
      `no ${role} "${ref}": ${toAppError(e).message}. Use a model id from \`loupe models\` or a path to an .onnx file.`,
    );
  }
}

/** One image of the run: its path relative to the images folder and its identity. */
export interface PredictImage {
  rel: string;
  id: ImageIdentity;
}

export interface ImageList {
  pattern: RegExp;
  /** The images folder's name (identities of images directly inside it). */
  rootName: string;
  /**
   * The images to predict (only the spec's watch ID and/or template model, when it names them),
   * in walk order (a watch ID's own images first when both are named). The
   * item-index rule: an image's position in this list is its item's index, whatever becomes of it.
   */
  images: PredictImage[];
  /** Every image file by its base name (templates are found by `full_image_name`). */
  byName: Map<string, string>;
  /** Entries the walk could not follow (link loops, broken links): said, not predicted. */
  problems: WalkProblem[];
}

/** The images to predict, identified by the run's naming pattern. */
export async function listPredictImages(
  spec: PredictKeypointsSpec,
  imagesDir: string,
  pattern: RegExp,
): Promise<ImageList> {
  const rootName = basename(imagesDir);
  const { files, problems } = await walkImages(imagesDir, true);
  const byName = new Map<string, string>();
  for (const rel of files) byName.set(basename(rel), join(imagesDir, rel));
  const all = files.map((rel) => ({ rel, id: identifyImage(rel, pattern, rootName) }));
  const { watchId, templateModel } = spec;
  const images = templateModel
    ? [
        // The watch ID's own images first (the live re-predict after a review), then its model's.
        ...all.filter((i) => i.id.watchId === watchId),
        ...all.filter((i) => i.id.watchId !== watchId && i.id.templateModel === templateModel),
      ]
    : all.filter((i) => !watchId || i.id.watchId === watchId);
  return { pattern, rootName, images, byName, problems };
}
