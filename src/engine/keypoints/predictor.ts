import { stat } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import type { LabelRecord } from '../../shared/labels';
import { KEYPOINT_NAMES } from '../../shared/labels';
import type { KeypointMapInfo, ModelInfo } from '../../shared/models';
import { decodeYolo, unletterboxDetections, type Detection } from '../../core/detect/yolo';
import { annotatorFor } from '../../core/formats/labels';
import type { Pt } from '../../core/geometry/polygon';
import { letterbox } from '../../core/image/letterbox';
import { toPlanar } from '../../core/image/tensor';
import {
  expandBox,
  rankTemplates,
  runPipeline,
  type PipelineConfig,
  type PipelineResult,
  type TemplateRef,
} from '../../core/keypoints/pipeline';
import type { Matcher } from '../../core/match/matcher';
import { selectKeypoints } from '../../core/keypoints/model-keypoints';
import { highPass } from '../../core/match/verify';
import { concreteInputShape, readUltralyticsMetadata } from '../../core/models/describe';
import { AppFailure } from '../../core/result';
import { normalizationOf } from '../models/try-model';
import { fitHomography, type Cv } from '../match/opencv';
import type { SessionHandle } from '../ort/session-pool';
import { cropGray, letterboxWorking, loadWorkingImage, type WorkingImage } from './working-image';
import { isoTimestamp } from '../../core/format';

/** Working resolutions: the decoded copy and the dial crops the matcher sees. */
export interface Resolutions {
  workingLongSide: number;
  cropSide: number;
}

export const DEFAULT_RESOLUTIONS: Resolutions = { workingLongSide: 1280, cropSide: 512 };

/** A human-labelled image usable as a template. */
export interface TemplateCandidate {
  key: string;
  path: string;
  watchId: string;
  templateModel: string | null;
  record: LabelRecord;
  coords: LabelRecord['coords_norm'];
  size: [number, number];
}

interface PreparedTemplate<T> {
  ref: TemplateRef;
  prepared: T;
  stamp: string;
}

/**
 * Template features, computed once per template image (and matcher) and kept for the run: the
 * dial crop of a human-labelled image and its keypoints in crop pixels.
 */
export class TemplateCache<T> {
  private readonly cache = new Map<string, Promise<PreparedTemplate<T> | null>>();
  /** Templates that could not be prepared, with the reason (a missing or unreadable image). */
  readonly failures = new Map<string, string>();

  constructor(
    private readonly matcher: Matcher<T>,
    private readonly resolutions: Resolutions,
    private readonly margin: number,
  ) {}

  get(candidate: TemplateCandidate): Promise<PreparedTemplate<T> | null> {
    let pending = this.cache.get(candidate.key);
    if (!pending) {
      pending = this.prepare(candidate).catch((e) => {
        console.error('template', candidate.key, e);
        return null;
      });
      this.cache.set(candidate.key, pending);
    }
    return pending;
  }

  async clear(): Promise<void> {
    for (const p of this.cache.values()) {
      const t = await p;
      if (t) this.matcher.release(t.prepared);
    }
    this.cache.clear();
  }

  private async prepare(c: TemplateCandidate): Promise<PreparedTemplate<T> | null> {
    const st = await stat(c.path);
    const img = await loadWorkingImage(c.path, this.resolutions.workingLongSide);
    const [w, h] = [img.width, img.height];
    const px = KEYPOINT_NAMES.map((n) => [c.coords[n][0] * w, c.coords[n][1] * h] as Pt);
    const xs = px.map((p) => p[0]);
    const ys = px.map((p) => p[1]);
    const box = expandBox([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], this.margin, [w, h]);
    const crop = await cropGray(img, box, this.resolutions.cropSide);
    const keypoints = {} as TemplateRef['keypoints'];
    KEYPOINT_NAMES.forEach((n, i) => {
      const [x, y] = px[i] as Pt;
      keypoints[n] = [(x - crop.offsetX) / crop.scale, (y - crop.offsetY) / crop.scale];
    });
    const prepared = await this.matcher.prepare(crop.image);
    return {
      ref: { key: c.key, templateModel: c.templateModel, crop: highPass(crop.image), keypoints },
      prepared,
      stamp: `${st.size}:${st.mtimeMs}`,
    };
  }
}

export interface DetectorRun {
  detections: Detection[];
  ms: number;
}

/**
 * Run a detect/pose/OBB model on a working image; detections in source pixels. A pose model's
 * keypoints come back as Loupe's five (KEYPOINT_NAMES order) through `keypoints`, its mapping
 * (modelKeypointMap); without one they are dropped, never taken by position.
 */
export async function runDetector(
  handle: SessionHandle,
  model: ModelInfo,
  img: WorkingImage,
  conf: number,
  iou: number,
  keypoints: KeypointMapInfo | null,
): Promise<DetectorRun> {
  const input = model.inputs[0];
  if (!input) throw new AppFailure('UNSUPPORTED', `${model.name} has no input`);
  const shape = concreteInputShape(input, model.manifest, model.metadata, 640);
  const [, , h, w] = shape as [number, number, number, number];
  const lb = letterbox(img.width, img.height, w, h);
  const pixels = await letterboxWorking(img, lb);
  const tensor = new ort.Tensor('float32', toPlanar(pixels, w, h, 255, normalizationOf(model)), shape);
  const started = performance.now();
  let outputs: ort.InferenceSession.OnnxValueMapType;
  try {
    outputs = await handle.session.run({ [input.name]: tensor });
  } catch (e) {
    throw new AppFailure('INFERENCE_FAILED', `detector failed: ${(e as Error).message}`, { model: model.id });
  }
  const ms = performance.now() - started;
  const out = outputs[model.manifest?.output.name ?? model.outputs[0]?.name ?? ''] ?? Object.values(outputs)[0];
  if (!out) throw new AppFailure('INFERENCE_FAILED', 'the detector returned no output');
  const meta = readUltralyticsMetadata(model.metadata);
  const layout = model.layout === 'unknown' ? 'yolo-detect' : model.layout;
  const classes = model.manifest?.output.classes?.length ?? (meta.names.length || 1);
  const kptShape = model.manifest?.output.kptShape ?? meta.kptShape;
  const dets = decodeYolo(out.data as Float32Array, out.dims, {
    layout,
    classes,
    kptShape,
    confThreshold: conf,
    iouThreshold: iou,
  });
  const mapped = keypoints ? selectKeypoints(dets, keypoints) : dets.map(({ keypoints: _k, ...d }) => d);
  return { detections: unletterboxDetections(mapped, lb), ms };
}

export interface PredictInput {
  path: string;
  imageKey: string;
  fullImageName: string;
  watchId: string;
  templateModel: string | null;
}

export interface Prediction {
  record: LabelRecord;
  result: PipelineResult;
}

export interface PredictorDeps<T> {
  cv: Cv;
  /** `keypoints`: a pose detector's keypoint mapping (modelKeypointMap), null for box detectors. */
  detector: { handle: SessionHandle; model: ModelInfo; keypoints: KeypointMapInfo | null };
  matcher: Matcher<T>;
  templates: TemplateCache<T>;
  candidates: readonly TemplateCandidate[];
  config: PipelineConfig & { iou: number; annotator: string };
  resolutions: Resolutions;
  now: () => Date;
}

/** Predict one image: decode, detect, match, project; a label record in DESIGN.md's format. */
export async function predictImage<T>(input: PredictInput, deps: PredictorDeps<T>): Promise<Prediction> {
  const t0 = performance.now();
  const img = await loadWorkingImage(input.path, deps.resolutions.workingLongSide);
  const decodeMs = performance.now() - t0;
  let detectMs = 0;
  const ranked = rankTemplates(
    deps.candidates.filter((c) => c.key !== input.imageKey),
    input,
  );
  const result = await runPipeline<T>(
    {
      detect: async () => {
        const r = await runDetector(
          deps.detector.handle,
          deps.detector.model,
          img,
          deps.config.conf,
          deps.config.iou,
          deps.detector.keypoints,
        );
        detectMs = r.ms;
        return r.detections;
      },
      crop: (box) => cropGray(img, box, deps.resolutions.cropSide),
      templates: async () => {
        const out: { ref: TemplateRef; prepared: T; sameWatch: boolean }[] = [];
        for (const c of ranked.slice(0, deps.config.maxTemplates)) {
          const t = await deps.templates.get(c);
          if (t) out.push({ ref: t.ref, prepared: t.prepared, sameWatch: c.watchId === input.watchId });
        }
        return out;
      },
      prepareQuery: async (image) => deps.matcher.prepare(image),
      match: async (query, template) => deps.matcher.match(query, template),
      release: (prepared) => deps.matcher.release(prepared),
      fitHomography: (from, to, threshold) => fitHomography(deps.cv, from, to, { threshold }),
      now: () => performance.now(),
    },
    [img.width, img.height],
    deps.config,
  );
  result.debug.timings_ms.decode = Math.round(decodeMs * 10) / 10;
  result.debug.timings_ms.detector_run = Math.round(detectMs * 10) / 10;
  const record: LabelRecord = {
    image_size: [img.width, img.height],
    coords_norm: result.coords,
    full_image_name: input.fullImageName,
    annotator: annotatorFor(deps.config.annotator, result.tier),
    confidence: result.confidence,
    timestamp: isoTimestamp(deps.now()),
    debug_info: {
      ...result.debug,
      template_model: result.debug.template_model ?? input.templateModel,
      detector: deps.detector.model.id,
    },
  };
  return { record, result };
}
