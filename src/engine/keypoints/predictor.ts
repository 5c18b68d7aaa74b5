import { stat } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
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
import { templatesInfo } from '../../core/keypoints/template-provenance';
import { dialEntry, distinctDials } from '../../core/keypoints/dials';

/** Working resolutions: the decoded copy and the dial crops the matcher sees. */
export interface Resolutions {
  workingLongSide: number;
  cropSide: number;
}

export const DEFAULT_RESOLUTIONS: Resolutions = { workingLongSide: 1280, cropSide: 512 };

/** A human-labelled image usable as a template (or a sibling's strong prediction: `via`). */
export interface TemplateCandidate {
  key: string;
  path: string;
  watchId: string;
  templateModel: string | null;
  record: LabelRecord;
  coords: LabelRecord['coords_norm'];
  size: [number, number];
  /** A sibling template (a strong prediction of the same watch): the human label it was fit from. */
  via?: string;
}

interface PreparedTemplate<T> {
  ref: TemplateRef;
  prepared: T;
  stamp: string;
}

/** Default byte budget of the template features held in memory (all match workers together). */
export const TEMPLATE_BUDGET_BYTES = 64 * 1024 * 1024;

/** What a template cache holds and has done, for the log and the memory bench. */
export interface TemplateCacheStats {
  /** Templates prepared (features computed), re-loads after an eviction included. */
  prepared: number;
  preparedBytes: number;
  evictions: number;
  held: number;
  heldBytes: number;
  peakBytes: number;
  budgetBytes: number;
}

/**
 * Template features (the dial crop of a human-labelled image, its keypoints in crop pixels and
 * the matcher's prepared form), computed once and kept in a least-recently-used cache bounded by
 * bytes (lru-cache's maxSize with a size per entry): an archive with 10,000 watch IDs holds the
 * templates in use, not all of them. An evicted template is prepared again when next needed. A
 * template in use (acquired, not yet released) is freed only once its user releases it.
 */
export class TemplateCache<T> {
  private readonly lru: LRUCache<string, PreparedTemplate<T>>;
  private readonly loading = new Map<string, Promise<PreparedTemplate<T> | null>>();
  private readonly pins = new Map<PreparedTemplate<T>, number>();
  private readonly evictedInUse = new Set<PreparedTemplate<T>>();
  private readonly counts = { prepared: 0, preparedBytes: 0, evictions: 0, peakBytes: 0 };
  /** Templates that could not be prepared, with the reason (a missing or unreadable image). */
  readonly failures = new Map<string, string>();

  constructor(
    private readonly matcher: Matcher<T>,
    private readonly resolutions: Resolutions,
    private readonly margin: number,
    private readonly budgetBytes = TEMPLATE_BUDGET_BYTES,
  ) {
    this.lru = new LRUCache<string, PreparedTemplate<T>>({
      maxSize: Math.max(1, budgetBytes),
      sizeCalculation: (t) => Math.max(1, this.bytesOf(t)),
      dispose: (t, _key, reason) => {
        if (reason === 'evict') this.counts.evictions++;
        if (this.pins.has(t)) this.evictedInUse.add(t);
        else this.matcher.release(t.prepared);
      },
    });
  }

  /** A template's features, prepared on first use; pinned until `release` (match, then release). */
  acquire(c: TemplateCandidate): Promise<PreparedTemplate<T> | null> {
    const held = this.lru.get(c.key);
    if (held) {
      this.pin(held);
      return Promise.resolve(held);
    }
    if (this.failures.has(c.key)) return Promise.resolve(null);
    return this.load(c).then((t) => {
      if (!t) return null;
      // Pinned before it enters the cache: one larger than the budget is kept until released.
      this.pin(t);
      if (this.lru.get(c.key) !== t) {
        this.evictedInUse.delete(t);
        this.lru.set(c.key, t);
        // lru-cache does not store (nor dispose) an entry larger than the whole budget.
        if (this.lru.get(c.key) !== t) this.evictedInUse.add(t);
        this.counts.peakBytes = Math.max(this.counts.peakBytes, this.lru.calculatedSize);
      }
      return t;
    });
  }

  private pin(t: PreparedTemplate<T>): void {
    this.pins.set(t, (this.pins.get(t) ?? 0) + 1);
  }

  release(t: PreparedTemplate<T>): void {
    const n = (this.pins.get(t) ?? 1) - 1;
    if (n > 0) return void this.pins.set(t, n);
    this.pins.delete(t);
    if (this.evictedInUse.delete(t)) this.matcher.release(t.prepared);
  }

  /** Prepare (or find) a template without keeping it pinned. */
  async get(candidate: TemplateCandidate): Promise<PreparedTemplate<T> | null> {
    const t = await this.acquire(candidate);
    if (t) this.release(t);
    return t;
  }

  stats(): TemplateCacheStats {
    const heldBytes = this.lru.calculatedSize;
    return { ...this.counts, held: this.lru.size, heldBytes, budgetBytes: this.budgetBytes };
  }

  async clear(): Promise<void> {
    await Promise.all(this.loading.values());
    this.lru.clear();
  }

  /** Bytes a template holds: its high-passed crop, the matcher's prepared form, the keypoints. */
  private bytesOf(t: PreparedTemplate<T>): number {
    return t.ref.crop.data.byteLength + (this.matcher.bytes?.(t.prepared) ?? 0) + 512;
  }

  /** Prepare a template once however many ask at the same time. */
  private load(c: TemplateCandidate): Promise<PreparedTemplate<T> | null> {
    let pending = this.loading.get(c.key);
    if (!pending) {
      pending = this.prepare(c).then(
        (t) => {
          if (t) {
            this.counts.prepared++;
            this.counts.preparedBytes += this.bytesOf(t);
          }
          return t;
        },
        (e: unknown) => {
          this.failures.set(c.key, (e as Error).message);
          console.error('template', c.key, e);
          return null;
        },
      );
      this.loading.set(c.key, pending);
      void pending.finally(() => this.loading.delete(c.key));
    }
    return pending;
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

/** The record's own result and, when the detector found several dials, each one's (best first). */
export interface DialResults {
  result: PipelineResult;
  /** One per distinct dial (distinctDials), the first being `result`'s dial; empty for one dial or none. */
  dials: { detection: Detection; result: PipelineResult }[];
}

/**
 * Predict every dial the detector found: the record's own from all the detections (the first,
 * most confident, leads, as it always has), then each other detection alone, without the
 * whole-photo retry (that would find the first dial again). A photo with one dial costs nothing
 * more; each further dial costs one more match of its own crop, run alongside the first (its time
 * is in the record: debug_info.timings_ms.other_dials). Predicting them here, not when a reviewer
 * picks one, keeps the editor's switch instant and the CLI's files complete.
 */
export async function predictDials(
  detections: Detection[],
  config: PipelineConfig,
  match: (detections: Detection[], config: PipelineConfig) => Promise<PipelineResult>,
): Promise<DialResults> {
  // The same dial twice (a face inside its bezel) or a speck is not another dial (DIAL_RULES).
  const kept = distinctDials(detections.filter((d) => d.score >= config.conf));
  const [result, ...others] = await Promise.all([
    match(detections, config),
    ...kept.slice(1).map((d) => match([d], { ...config, matchWholeImage: false })),
  ]);
  const first = kept[0];
  if (!result || !first || others.length === 0) return { result: result!, dials: [] };
  return {
    result,
    dials: [{ detection: first, result }, ...others.map((r, i) => ({ detection: kept[i + 1]!, result: r }))],
  };
}

/** What matching needs: opencv, the matcher and its template cache, the pipeline's settings. */
export interface MatchDeps<T> {
  cv: Cv;
  matcher: Matcher<T>;
  templates: TemplateCache<T>;
  config: PipelineConfig;
  resolutions: Resolutions;
}

export interface PredictorDeps<T> extends MatchDeps<T> {
  /** `keypoints`: a pose detector's keypoint mapping (modelKeypointMap), null for box detectors. */
  detector: { handle: SessionHandle; model: ModelInfo; keypoints: KeypointMapInfo | null };
  candidates: readonly TemplateCandidate[];
  config: PipelineConfig & { iou: number; annotator: string };
  now: () => Date;
}

/** A photo decoded at the working resolution and run through the detector (the first half of a prediction). */
export interface DetectedImage {
  img: WorkingImage;
  detections: Detection[];
  decodeMs: number;
  /** The detector's session.run alone, and the whole detect step (letterbox, run, decode). */
  detectorRunMs: number;
  detectMs: number;
}

/** Decode and detect: the part of a prediction that needs the detector's session. */
export async function decodeAndDetect(
  input: Pick<PredictInput, 'path'>,
  deps: Pick<PredictorDeps<unknown>, 'detector' | 'resolutions'> & { config: { conf: number; iou: number } },
): Promise<DetectedImage> {
  const t0 = performance.now();
  const img = await loadWorkingImage(input.path, deps.resolutions.workingLongSide);
  const t1 = performance.now();
  const { handle, model, keypoints } = deps.detector;
  const r = await runDetector(handle, model, img, deps.config.conf, deps.config.iou, keypoints);
  return { img, detections: r.detections, decodeMs: t1 - t0, detectorRunMs: r.ms, detectMs: performance.now() - t1 };
}

/** The templates an image is matched against, best first (at most maxTemplates), never itself. */
export function templatesFor(
  input: Pick<PredictInput, 'imageKey' | 'watchId' | 'templateModel'>,
  candidates: readonly TemplateCandidate[],
  maxTemplates: number,
): TemplateCandidate[] {
  return rankTemplates(
    candidates.filter((c) => c.key !== input.imageKey),
    input,
  ).slice(0, maxTemplates);
}

/**
 * Match a detected photo to its templates and fit the keypoints (the second half of a
 * prediction): the same code in the engine's thread and in a match worker.
 */
export async function matchDetected<T>(
  img: WorkingImage,
  detections: Detection[],
  templates: readonly TemplateCandidate[],
  watchId: string,
  deps: MatchDeps<T>,
): Promise<PipelineResult> {
  // The templates stay pinned in the cache while this photo is matched to them.
  const used: PreparedTemplate<T>[] = [];
  try {
    return await runPipeline<T>(
      {
        detect: () => Promise.resolve(detections),
        crop: (box) => cropGray(img, box, deps.resolutions.cropSide),
        templates: async () => {
          const out: { ref: TemplateRef; prepared: T; sameWatch: boolean }[] = [];
          for (const c of templates) {
            const t = await deps.templates.acquire(c);
            if (!t) continue;
            used.push(t);
            out.push({ ref: t.ref, prepared: t.prepared, sameWatch: c.watchId === watchId });
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
  } finally {
    for (const t of used) deps.templates.release(t);
  }
}

/** The label record of a prediction (DESIGN.md's format), with the detect step's timings. */
export function predictionRecord(
  input: PredictInput,
  detected: Omit<DetectedImage, 'img' | 'detections'> & { size: [number, number] },
  results: DialResults,
  deps: { detectorId: string; annotator: string; now: () => Date; offered: readonly TemplateCandidate[] },
): Prediction {
  const { result } = results;
  const t = result.debug.timings_ms;
  const r1 = (v: number): number => Math.round(v * 10) / 10;
  t.detect = r1(detected.detectMs);
  t.total = r1((t.total ?? 0) + detected.detectMs);
  t.decode = r1(detected.decodeMs);
  t.detector_run = r1(detected.detectorRunMs);
  if (results.dials.length > 1) {
    t.other_dials = r1(results.dials.slice(1).reduce((a, d) => a + (d.result.debug.timings_ms.total ?? 0), 0));
  }
  const record: LabelRecord = {
    image_size: detected.size,
    coords_norm: result.coords,
    full_image_name: input.fullImageName,
    annotator: annotatorFor(deps.annotator, result.tier),
    confidence: result.confidence,
    timestamp: isoTimestamp(deps.now()),
    debug_info: {
      ...result.debug,
      template_model: result.debug.template_model ?? input.templateModel,
      detector: deps.detectorId,
      // Which human labels were this image's templates and whose fit it used: a later run
      // predicts it again when a better one exists (core/keypoints/template-provenance.ts).
      templates: templatesInfo(deps.offered, result.debug.template_key, input.watchId),
      // Several dials: every detection with its own keypoints, the record's first (core/keypoints/dials.ts).
      ...(results.dials.length > 1
        ? { detections: results.dials.map((d) => dialEntry(d.detection, d.result, detected.size)) }
        : {}),
    },
  };
  return { record, result };
}

/** A photo decoded, detected and every dial matched: what its record is made of (predictionRecord). */
export interface PredictedPhoto extends Omit<DetectedImage, 'img' | 'detections'> {
  results: DialResults;
  /** Displayed size of the full image (EXIF applied). */
  size: [number, number];
}

/**
 * Decode, detect and match one photo in this thread: the whole prediction but its record, the
 * same code in the engine's thread and in a predict worker (which has a detector session of its
 * own, so only the result crosses the thread boundary, never the pixels).
 */
export async function predictPhoto<T>(
  input: Pick<PredictInput, 'path' | 'watchId'>,
  templates: readonly TemplateCandidate[],
  deps: Pick<PredictorDeps<T>, 'detector'> & MatchDeps<T> & { config: PipelineConfig & { iou: number } },
): Promise<PredictedPhoto> {
  const detected = await decodeAndDetect(input, deps);
  const { img, detections, ...timings } = detected;
  const results = await predictDials(detections, deps.config, (dets, config) =>
    matchDetected(img, dets, templates, input.watchId, { ...deps, config }),
  );
  return { ...timings, results, size: [img.width, img.height] };
}

/** Predict one image in this thread: decode, detect, match, project; a label record in DESIGN.md's format. */
export async function predictImage<T>(input: PredictInput, deps: PredictorDeps<T>): Promise<Prediction> {
  const templates = templatesFor(input, deps.candidates, deps.config.maxTemplates);
  const { results, ...detected } = await predictPhoto(input, templates, deps);
  return predictionRecord(input, detected, results, {
    detectorId: deps.detector.model.id,
    annotator: deps.config.annotator,
    now: deps.now,
    offered: templates,
  });
}
