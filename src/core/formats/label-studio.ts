import {
  KEYPOINT_NAMES,
  type KeypointName,
  type Keypoints,
  type LabelFile,
  type LabelRecord,
  type Tier,
} from '../../shared/labels';
import { TIER_SUFFIX, tierOf } from './labels';

/**
 * Label Studio interchange, export side: label files → tasks (KeyPointLabels results in percent of
 * the image, with original_width/height: docs/source/tags/keypointlabels.md) and a labeling
 * config to match. People's labels go out as annotations, models' as predictions of one
 * `model_version` for the whole batch (Label Studio shows the predictions of one model version
 * at a time), each result with the tier and confidence in `score` and `meta` (the editor keeps a
 * result's `meta` and `score` when it serialises: web/libs/editor/src/regions/Result.js).
 * The import side is label-studio-import.ts.
 */

export const LS_FROM_NAME = 'kp';
export const LS_TO_NAME = 'image';
export const LS_DATA_KEY = 'image';
const POINT_WIDTH = 0.75;

export const KEYPOINT_COLORS: Record<KeypointName, string> = {
  top: '#ff4d4f',
  bottom: '#40a9ff',
  left: '#73d13d',
  right: '#faad14',
  center: '#b37feb',
};

export interface LsResultMeta {
  /** The record's annotator, as in the label file (`ml-model-v1.0-pipeline-fallback`, `human:ann`). */
  annotator: string;
  tier?: Tier;
  confidence?: number;
  /** Shown by Label Studio as the region's meta text. */
  text?: string[];
}

export interface LsResult {
  id: string;
  from_name: string;
  to_name: string;
  type: 'keypointlabels';
  original_width: number;
  original_height: number;
  image_rotation: number;
  value: { x: number; y: number; width: number; keypointlabels: string[] };
  score?: number;
  meta?: LsResultMeta;
}

export interface LsPrediction {
  model_version: string;
  score?: number;
  result: LsResult[];
}

export interface LsAnnotation {
  result: LsResult[];
}

export interface LsTask {
  data: { [k: string]: unknown; image_key: string; full_image_name: string };
  annotations?: LsAnnotation[];
  predictions?: LsPrediction[];
}

export interface LsExportOptions {
  /** The image's URL in the task (`/data/local-files/?d=…`, an http URL). */
  imageUrl: (record: LabelRecord, imageKey: string) => string;
  /** The KeyPointLabels control's name (results' `from_name`). */
  fromName?: string;
  /** The Image tag's name (results' `to_name`). */
  toName?: string;
  /** The task data field the Image tag reads (`$image`). */
  dataKey?: string;
  /** The label a keypoint has in the project; null leaves the keypoint out. Default: its name. */
  labelFor?: (name: KeypointName) => string | null;
  /** The batch's model version. Default: the most common annotator base among the predictions. */
  modelVersion?: string;
}

export interface LsExport {
  tasks: LsTask[];
  /** The one model version of the predictions (null when there are none). */
  modelVersion: string | null;
  /** What the caller should tell the user: keypoints left out, several annotator bases. */
  notes: string[];
}

/** A record is a model's when the predictor (or an import of predictions) wrote debug_info. */
export function isPredictionRecord(record: LabelRecord): boolean {
  return record.debug_info !== undefined;
}

/** `ml-model-v1.0-pipeline-fallback` → `ml-model-v1.0`. */
export function annotatorBase(annotator: string): string {
  const suffix = TIER_SUFFIX[tierOf(annotator)];
  return suffix ? annotator.slice(0, -suffix.length) : annotator;
}

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The labeling config for the five dial keypoints (names and labels as the export writes them). */
export function labelingConfigXml(
  options: Pick<LsExportOptions, 'fromName' | 'toName' | 'dataKey' | 'labelFor'> = {},
): string {
  const labels = KEYPOINT_NAMES.map((n) => ({ n, label: options.labelFor ? options.labelFor(n) : n }))
    .filter((x): x is { n: KeypointName; label: string } => x.label !== null)
    .map(({ n, label }) => `    <Label value="${escapeXml(label)}" background="${KEYPOINT_COLORS[n]}"/>`)
    .join('\n');
  const toName = escapeXml(options.toName ?? LS_TO_NAME);
  return `<View>
  <Image name="${toName}" value="$${escapeXml(options.dataKey ?? LS_DATA_KEY)}" zoom="true" zoomControl="true" rotateControl="true"/>
  <KeyPointLabels name="${escapeXml(options.fromName ?? LS_FROM_NAME)}" toName="${toName}" strokeWidth="2" opacity="1">
${labels}
  </KeyPointLabels>
</View>
`;
}

function metaText(meta: LsResultMeta): string[] {
  const parts = [meta.annotator];
  if (meta.tier) parts.push(`tier ${meta.tier}`);
  if (meta.confidence !== undefined) parts.push(`confidence ${meta.confidence}`);
  return [parts.join(' · ')];
}

function keypointResults(
  idPrefix: string,
  coords: Partial<Keypoints>,
  size: [number, number],
  options: LsExportOptions,
  meta: LsResultMeta,
  left: Set<KeypointName>,
): LsResult[] {
  const [width, height] = size;
  const out: LsResult[] = [];
  for (const name of KEYPOINT_NAMES) {
    const p = coords[name];
    if (!p) continue;
    const label = options.labelFor ? options.labelFor(name) : name;
    if (label === null) {
      left.add(name);
      continue;
    }
    out.push({
      id: `${idPrefix}_${name}`,
      from_name: options.fromName ?? LS_FROM_NAME,
      to_name: options.toName ?? LS_TO_NAME,
      type: 'keypointlabels',
      original_width: width,
      original_height: height,
      image_rotation: 0,
      value: { x: p[0] * 100, y: p[1] * 100, width: POINT_WIDTH, keypointlabels: [label] },
      ...(meta.confidence !== undefined ? { score: meta.confidence } : {}),
      meta: { ...meta, text: metaText(meta) },
    });
  }
  return out;
}

function predictionMeta(annotator: string, confidence: number | undefined): LsResultMeta {
  return { annotator, tier: tierOf(annotator), ...(confidence !== undefined ? { confidence } : {}) };
}

/**
 * One task per image. A person's record becomes the task's annotation (and the prediction it
 * started from, when the file keeps one, its prediction); a model's record its prediction.
 */
export function toLabelStudioTasks(labels: LabelFile, options: LsExportOptions): LsExport {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  const bases = new Map<string, number>();
  const countBase = (annotator: string): void => {
    const b = annotatorBase(annotator);
    bases.set(b, (bases.get(b) ?? 0) + 1);
  };
  for (const [, r] of entries) {
    if (isPredictionRecord(r)) countBase(r.annotator);
    else if (r.prediction) countBase(r.prediction.annotator);
  }
  const ranked = [...bases.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const modelVersion = options.modelVersion ?? ranked[0]?.[0] ?? null;
  const notes: string[] = [];
  if (!options.modelVersion && ranked.length > 1) {
    notes.push(
      `predictions of several models (${ranked.map(([b, n]) => `${b} ×${n}`).join(', ')}) go out as model_version "${modelVersion}"; each result's meta.annotator keeps its own (or set --model-version)`,
    );
  }
  const left = new Set<KeypointName>();
  const tasks = entries.map(([key, record]): LsTask => {
    const task: LsTask = {
      data: {
        [options.dataKey ?? LS_DATA_KEY]: options.imageUrl(record, key),
        image_key: key,
        full_image_name: record.full_image_name,
      },
    };
    if (isPredictionRecord(record)) {
      const meta = predictionMeta(record.annotator, record.confidence);
      task.predictions = [
        {
          model_version: modelVersion ?? annotatorBase(record.annotator),
          ...(record.confidence !== undefined ? { score: record.confidence } : {}),
          result: keypointResults(key, record.coords_norm, record.image_size, options, meta, left),
        },
      ];
    } else {
      task.annotations = [
        {
          result: keypointResults(
            key,
            record.coords_norm,
            record.image_size,
            options,
            { annotator: record.annotator },
            left,
          ),
        },
      ];
      const p = record.prediction;
      if (p) {
        task.predictions = [
          {
            model_version: modelVersion ?? annotatorBase(p.annotator),
            ...(p.confidence !== undefined ? { score: p.confidence } : {}),
            result: keypointResults(
              `${key}_prediction`,
              p.coords_norm,
              record.image_size,
              options,
              predictionMeta(p.annotator, p.confidence),
              left,
            ),
          },
        ];
      }
    }
    return task;
  });
  if (left.size > 0) {
    notes.push(`keypoints with no label in the project left out: ${[...left].join(', ')}`);
  }
  return { tasks, modelVersion, notes };
}
