import {
  KEYPOINT_NAMES,
  type KeypointName,
  type Keypoints,
  type LabelFile,
  type LabelProblem,
  type LabelRecord,
  type NormPoint,
  type Tier,
} from '../../shared/labels';

/**
 * Reading, checking, merging and writing label files. Everything here is about the format; the
 * engine does the file IO (atomic writes, change detection) around it.
 */

export const TIER_SUFFIX: Record<Tier, string> = {
  full: '',
  'pipeline-fallback': '-pipeline-fallback',
  'geometric-fallback': '-geometric-fallback',
};

/** The tier an annotator string encodes (`ml-model-v1.0-geometric-fallback` → geometric-fallback). */
export function tierOf(annotator: string): Tier {
  if (annotator.endsWith(TIER_SUFFIX['geometric-fallback'])) return 'geometric-fallback';
  if (annotator.endsWith(TIER_SUFFIX['pipeline-fallback'])) return 'pipeline-fallback';
  return 'full';
}

export function annotatorFor(base: string, tier: Tier): string {
  return base + TIER_SUFFIX[tier];
}

/** The geometric fallback of DESIGN.md: a frontal dial filling the frame. */
export const GEOMETRIC_FALLBACK: Keypoints = {
  top: [0.5, 0.1],
  bottom: [0.5, 0.9],
  left: [0.1, 0.5],
  right: [0.9, 0.5],
  center: [0.5, 0.5],
};

/** How far outside [0, 1] a coordinate may go before it is an error rather than a warning. */
const HARD_LIMIT = 0.5;

export interface ValidateOptions {
  /** The file's name, for messages and the watch-ID check. */
  file: string;
  /** Whether an image file exists (when image references can be checked). */
  imageExists?: (fullImageName: string) => boolean;
  /** Watch ID the file name implies; keys of other watch IDs are flagged. */
  watchId?: string;
  /** Image key a file name maps to, for the key/name consistency check. */
  imageKeyOf?: (fullImageName: string) => string | null;
}

/**
 * Check a parsed label file: schema, the five keypoints (a record lacking some is partial, a
 * warning; one with none an error), coordinate ranges, image size, safe image
 * names, image references, and that keys belong to the file's watch ID. One problem per finding.
 */
export function validateLabelFile(json: unknown, options: ValidateOptions): LabelProblem[] {
  const problems: LabelProblem[] = [];
  const add = (severity: LabelProblem['severity'], message: string, key?: string): void => {
    problems.push({ severity, file: options.file, ...(key !== undefined ? { key } : {}), message });
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    add('error', 'the file must hold one JSON object keyed by image key');
    return problems;
  }
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      add('error', 'the record must be an object', key);
      continue;
    }
    const r = value as Record<string, unknown>;
    const size = r.image_size;
    if (!(Array.isArray(size) && size.length === 2 && size.every((v) => Number.isInteger(v) && (v as number) > 0))) {
      add('error', 'image_size must be [width, height] in positive whole pixels', key);
    }
    const coords = r.coords_norm;
    if (typeof coords !== 'object' || coords === null || Array.isArray(coords)) {
      add('error', 'coords_norm is missing', key);
    } else {
      const c = coords as Record<string, unknown>;
      const absent: string[] = [];
      for (const name of KEYPOINT_NAMES) {
        const p = c[name];
        if (p === undefined) {
          absent.push(name);
          continue;
        }
        if (!(Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && Number.isFinite(v)))) {
          add('error', `keypoint ${name} is not [x, y] numbers`, key);
          continue;
        }
        const [x, y] = p as [number, number];
        if (x < -HARD_LIMIT || x > 1 + HARD_LIMIT || y < -HARD_LIMIT || y > 1 + HARD_LIMIT) {
          add('error', `keypoint ${name} (${x}, ${y}) is far outside the image`, key);
        } else if (x < 0 || x > 1 || y < 0 || y > 1) {
          // A prediction may overshoot a dial cut by the frame; a person's label may not, and it
          // would be a matching template for every other photo of the watch.
          if (isHumanLabel(r)) {
            add(
              'error',
              `keypoint ${name} (${x}, ${y}) is outside [0, 1]; a human label must be inside the image (it cannot be a matching template)`,
              key,
            );
          } else add('warning', `keypoint ${name} (${x}, ${y}) is outside [0, 1]`, key);
        }
      }
      if (absent.length === KEYPOINT_NAMES.length) {
        add('error', 'coords_norm holds none of the five keypoints', key);
      } else if (absent.length > 0) {
        add('warning', `partial record: ${absent.join(', ')} absent`, key);
      }
      for (const name of Object.keys(c)) {
        if (!(KEYPOINT_NAMES as readonly string[]).includes(name)) add('warning', `unknown keypoint ${name}`, key);
      }
    }
    const name = r.full_image_name;
    if (typeof name !== 'string' || !name) {
      add('error', 'full_image_name is missing', key);
    } else if (!isSafeFileName(name)) {
      add('error', `full_image_name ${JSON.stringify(name)} is not a plain file name`, key);
    } else {
      if (options.imageExists && !options.imageExists(name)) add('error', `image ${name} does not exist`, key);
      const derived = options.imageKeyOf?.(name);
      if (derived && derived !== key) add('warning', `key does not match its image name (${name} → ${derived})`, key);
    }
    if (typeof r.annotator !== 'string' || !r.annotator) add('error', 'annotator is missing', key);
    if (r.confidence !== undefined && !(typeof r.confidence === 'number' && r.confidence >= 0 && r.confidence <= 1)) {
      add('error', 'confidence must be a number in [0, 1]', key);
    }
    if (r.timestamp !== undefined && (typeof r.timestamp !== 'string' || Number.isNaN(Date.parse(r.timestamp)))) {
      add('warning', 'timestamp is not a date', key);
    }
    if (options.watchId && !key.startsWith(options.watchId)) {
      add('warning', `key does not belong to watch ID ${options.watchId}`, key);
    }
  }
  return problems;
}

/**
 * The keypoints a record lacks. Label files may hold partial records (a Label Studio import with
 * `--allow-partial`); code that needs all five (templates, the review grid, training exports)
 * checks here first.
 */
export function missingKeypoints(record: Pick<LabelRecord, 'coords_norm'>): KeypointName[] {
  const c = (record.coords_norm ?? {}) as Partial<Keypoints>;
  return KEYPOINT_NAMES.filter((n) => !Array.isArray(c[n]));
}

/** A record a person made (or reviewed): predictions carry `debug_info`, human labels do not. */
export function isHumanLabel(record: Readonly<Record<string, unknown>>): boolean {
  return record.debug_info === undefined || record.debug_info === null;
}

/**
 * Why a human label cannot be a matching template (its keypoints are projected onto other
 * photos), or null when it can: every coordinate finite and inside [0, 1], a real image size.
 */
export function templateProblem(record: Pick<LabelRecord, 'coords_norm' | 'image_size'>): string | null {
  const size = record.image_size as unknown;
  if (!(Array.isArray(size) && size.length === 2 && size.every((v) => Number.isFinite(v) && (v as number) > 0)))
    return 'image_size is not [width, height] in pixels';
  const coords = record.coords_norm as unknown;
  if (typeof coords !== 'object' || coords === null) return 'coords_norm is missing';
  for (const name of KEYPOINT_NAMES) {
    const p = (coords as Record<string, unknown>)[name];
    if (!(Array.isArray(p) && p.length === 2)) return `keypoint ${name} is missing`;
    const [x, y] = p as [unknown, unknown];
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y))
      return `keypoint ${name} is not finite`;
    if (x < 0 || x > 1 || y < 0 || y > 1) return `keypoint ${name} (${x}, ${y}) is outside [0, 1]`;
  }
  return null;
}

/** A name with no directory part: no separators, no `..`, no NUL, not absolute. */
export function isSafeFileName(name: string): boolean {
  return !/[\\/\0]/.test(name) && name !== '.' && name !== '..' && !/^[A-Za-z]:/.test(name);
}

/** Parse label-file text. Records that fail validation errors are still returned; callers decide. */
export function parseLabelFile(text: string, file: string): { labels: LabelFile | null; problems: LabelProblem[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return {
      labels: null,
      problems: [{ severity: 'error', file, message: `not valid JSON: ${(e as Error).message}` }],
    };
  }
  const problems = validateLabelFile(json, { file });
  if (problems.some((p) => p.severity === 'error' && p.key === undefined)) return { labels: null, problems };
  return { labels: json as LabelFile, problems };
}

/**
 * Text of a file keyed by image key (a label file, a rejections file): two-space JSON, image keys
 * in natural order (stable diffs), newline at the end.
 */
export function serializeByImageKey(file: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(file).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const ordered: Record<string, unknown> = {};
  for (const k of keys) ordered[k] = file[k];
  return JSON.stringify(ordered, null, 2) + '\n';
}

/** Label-file text (serializeByImageKey). */
export function serializeLabelFile(labels: LabelFile): string {
  return serializeByImageKey(labels);
}

/**
 * Write our records into a file that may have changed on disk since we read it: records we did not
 * touch stay as they are on disk; a record we write keeps the unknown fields the disk version had;
 * a record that became human-labelled on disk (in a predictions file that a person edited) wins.
 */
export function mergeInto(
  onDisk: LabelFile,
  ours: LabelFile,
  isProtected: (record: LabelRecord) => boolean,
): LabelFile {
  const out: LabelFile = { ...onDisk };
  for (const [key, record] of Object.entries(ours)) {
    const existing = onDisk[key];
    if (existing && isProtected(existing)) continue;
    out[key] = existing ? { ...unknownFields(existing), ...record } : record;
  }
  return out;
}

const KNOWN_FIELDS = new Set([
  'image_size',
  'coords_norm',
  'full_image_name',
  'annotator',
  'confidence',
  'timestamp',
  'debug_info',
  'prediction',
]);

function unknownFields(record: LabelRecord): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => !KNOWN_FIELDS.has(k)));
}

/** Normalised → pixel coordinates of the displayed image, and back. */
export function toPixels(p: NormPoint, size: [number, number]): [number, number] {
  return [p[0] * size[0], p[1] * size[1]];
}

export function toNorm(p: [number, number], size: [number, number]): NormPoint {
  return [p[0] / size[0], p[1] / size[1]];
}

/** Mean keypoint distance between two labellings, in pixels of the displayed image. */
export function meanKeypointError(a: Keypoints, b: Keypoints, size: [number, number]): number {
  let sum = 0;
  for (const name of KEYPOINT_NAMES) {
    const [ax, ay] = toPixels(a[name], size);
    const [bx, by] = toPixels(b[name], size);
    sum += Math.hypot(ax - bx, ay - by);
  }
  return sum / KEYPOINT_NAMES.length;
}

/** The dial's diameter in pixels: the mean of the 12–6 and 9–3 distances. */
export function dialDiameter(k: Keypoints, size: [number, number]): number {
  const [tx, ty] = toPixels(k.top, size);
  const [bx, by] = toPixels(k.bottom, size);
  const [lx, ly] = toPixels(k.left, size);
  const [rx, ry] = toPixels(k.right, size);
  return (Math.hypot(tx - bx, ty - by) + Math.hypot(lx - rx, ly - ry)) / 2;
}
