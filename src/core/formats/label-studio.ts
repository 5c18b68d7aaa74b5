import {
  KEYPOINT_NAMES,
  type Keypoints,
  type KeypointName,
  type LabelFile,
  type LabelRecord,
} from '../../shared/labels';

/**
 * Label Studio interchange: label files → tasks with predictions (KeyPointLabels, percent
 * coordinates), a labeling config to match, and an export → label files (human annotations).
 */

export const LS_FROM_NAME = 'kp';
export const LS_TO_NAME = 'image';
const POINT_WIDTH = 0.75;

export const KEYPOINT_COLORS: Record<KeypointName, string> = {
  top: '#ff4d4f',
  bottom: '#40a9ff',
  left: '#73d13d',
  right: '#faad14',
  center: '#b37feb',
};

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
}

export interface LsTask {
  id?: number;
  data: { image: string; image_key?: string; full_image_name?: string; [k: string]: unknown };
  predictions?: { model_version?: string; score?: number; result: LsResult[] }[];
  annotations?: LsAnnotation[];
}

export interface LsAnnotation {
  result: LsResult[];
  was_cancelled?: boolean;
  completed_by?: number | string | { email?: string };
  created_at?: string;
  updated_at?: string;
}

/** The labeling config for the five dial keypoints. */
export function labelingConfigXml(): string {
  const labels = KEYPOINT_NAMES.map((n) => `    <Label value="${n}" background="${KEYPOINT_COLORS[n]}"/>`).join('\n');
  return `<View>
  <Image name="${LS_TO_NAME}" value="$image" zoom="true" zoomControl="true"/>
  <KeyPointLabels name="${LS_FROM_NAME}" toName="${LS_TO_NAME}" strokeWidth="2" opacity="1">
${labels}
  </KeyPointLabels>
</View>
`;
}

function keypointResults(key: string, record: LabelRecord, score?: number): LsResult[] {
  const [width, height] = record.image_size;
  return KEYPOINT_NAMES.map((name) => {
    const [x, y] = record.coords_norm[name];
    return {
      id: `${key}_${name}`,
      from_name: LS_FROM_NAME,
      to_name: LS_TO_NAME,
      type: 'keypointlabels' as const,
      original_width: width,
      original_height: height,
      image_rotation: 0,
      value: { x: x * 100, y: y * 100, width: POINT_WIDTH, keypointlabels: [name] },
      ...(score !== undefined ? { score } : {}),
    };
  });
}

/** One task per labelled image, its record as a prediction. `imageUrl` maps an image file name to a URL. */
export function toLabelStudioTasks(labels: LabelFile, imageUrl: (fullImageName: string) => string): LsTask[] {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([key, record]) => ({
      data: { image: imageUrl(record.full_image_name), image_key: key, full_image_name: record.full_image_name },
      predictions: [
        {
          model_version: record.annotator,
          ...(record.confidence !== undefined ? { score: record.confidence } : {}),
          result: keypointResults(key, record, record.confidence),
        },
      ],
    }));
}

/** The image's file name from a task: our own field, else the URL's last part (minus LS's upload prefix). */
export function taskImageName(task: LsTask): string {
  if (typeof task.data.full_image_name === 'string') return task.data.full_image_name;
  const url = task.data.image;
  const last = decodeURIComponent(url.split('?')[0]?.split('/').pop() ?? url);
  // Uploaded files are stored as `<8 hex>-<original name>`.
  return /^[0-9a-f]{8}-/.test(last) ? last.slice(9) : last;
}

function keypointsFromResults(results: readonly LsResult[]): {
  coords: Partial<Keypoints>;
  size: [number, number] | null;
} {
  const coords: Partial<Keypoints> = {};
  let size: [number, number] | null = null;
  for (const r of results) {
    if (r.type !== 'keypointlabels') continue;
    const name = r.value.keypointlabels[0] as KeypointName | undefined;
    if (!name || !(KEYPOINT_NAMES as readonly string[]).includes(name)) continue;
    coords[name] = [r.value.x / 100, r.value.y / 100];
    if (r.original_width && r.original_height) size = [r.original_width, r.original_height];
  }
  return { coords, size };
}

export interface ImportProblem {
  task: string;
  message: string;
}

/**
 * A Label Studio export → label records keyed by image key. The newest non-cancelled annotation of
 * each task is taken; the task's prediction, if any, is kept under `prediction`.
 */
export function fromLabelStudioExport(
  tasks: readonly LsTask[],
  options: { imageKeyOf: (fullImageName: string) => string; annotator: (a: LsAnnotation) => string; now: () => string },
): { records: LabelFile; problems: ImportProblem[] } {
  const records: LabelFile = {};
  const problems: ImportProblem[] = [];
  for (const task of tasks) {
    const name = taskImageName(task);
    const label = task.data.image_key ?? options.imageKeyOf(name);
    const annotations = (task.annotations ?? []).filter((a) => !a.was_cancelled && a.result.length > 0);
    const latest = annotations.sort(
      (a, b) => Date.parse(b.updated_at ?? b.created_at ?? '') - Date.parse(a.updated_at ?? a.created_at ?? ''),
    )[0];
    if (!latest) continue;
    const { coords, size } = keypointsFromResults(latest.result);
    const missing = KEYPOINT_NAMES.filter((n) => !coords[n]);
    if (missing.length > 0 || !size) {
      problems.push({
        task: label,
        message: missing.length ? `missing keypoints: ${missing.join(', ')}` : 'no original_width/height',
      });
      continue;
    }
    const record: LabelRecord = {
      image_size: size,
      coords_norm: coords as Keypoints,
      full_image_name: name,
      annotator: options.annotator(latest),
      timestamp: latest.updated_at ?? latest.created_at ?? options.now(),
    };
    const prediction = task.predictions?.[0];
    if (prediction) {
      const p = keypointsFromResults(prediction.result);
      if (KEYPOINT_NAMES.every((n) => p.coords[n])) {
        record.prediction = {
          coords_norm: p.coords as Keypoints,
          annotator: prediction.model_version ?? 'unknown',
          ...(prediction.score !== undefined ? { confidence: prediction.score } : {}),
        };
      }
    }
    records[label] = record;
  }
  return { records, problems };
}
