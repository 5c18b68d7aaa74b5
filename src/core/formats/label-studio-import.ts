import { KEYPOINT_NAMES, type KeypointName, type LabelRecord, type NormPoint } from '../../shared/labels';
import type { Result } from '../../shared/result';
import { keypointForLabel, type KeypointLabelMap } from '../keypoints/names';
import { isSafeFileName } from './labels';
import { err, ok } from '../result';
import type { LsKeypointControl } from './label-studio-config';
import { parseImageReference, type ImageRef } from './label-studio-urls';
import { isPlainRecord } from '../guards';
import { toIsoTimestamp } from '../format';

/**
 * A Label Studio export → label records. Both export formats are read:
 *
 * - **JSON** (docs/source/guide/export.md, "Label Studio JSON format of annotated tasks"): a list
 *   of tasks `{ id, data, annotations[], predictions[] }`; an annotation has `result[]`,
 *   `was_cancelled`, `completed_by`, `created_at`, `updated_at`; a keypoint result is
 *   `{ id, type: "keypointlabels", from_name, to_name, original_width, original_height,
 *   image_rotation, parentID?, value: { x, y, width, keypointlabels } }`, x and y in percent of
 *   the image (0–100).
 * - **JSON-MIN** (label_studio_sdk converter `convert_to_json_min`): one flat record per
 *   non-cancelled annotation: the task's data fields, `id` (the task), one key per control
 *   (its `from_name`) holding the region values (`x`, `y`, `width`, `keypointlabels`,
 *   `original_width`, `original_height`, and for keypoints `id`/`parentID`), `annotator`,
 *   `annotation_id`, `created_at`, `updated_at`, `lead_time`. A task with no annotation is one
 *   record with its data only.
 *
 * `image_rotation` is the rotation of the editor's view (the labelling UI turns the whole Konva
 * stage, image and regions together; regions are serialised in the unrotated image's percent:
 * web/libs/editor/src/tags/object/Image/Image.js `createSerializedResult`, ImageView `<Stage
 * rotation>`), so the points are already in the image frame and are taken as they are. A rotation
 * Label Studio's rotate control cannot produce (not a multiple of 90°) fails the task.
 */

export type LsExportKind = 'json' | 'json-min';

/** Why a task was not imported. Skipped: nothing to import. Failed: something there, unusable. */
export type LsSkipCode = 'no-annotations' | 'all-cancelled' | 'predictions-only' | 'no-keypoints' | 'duplicate-image';
export type LsFailCode =
  | 'no-image'
  | 'bad-rotation'
  | 'no-image-size'
  | 'size-mismatch'
  | 'bad-point'
  | 'unmapped-labels'
  | 'partial'
  | 'several-dials'
  | 'duplicate-keypoint'
  | 'bad-image-key';

export interface LsTaskRef {
  /** Position in the export (0-based). */
  index: number;
  /** The task's id, when the export has one. */
  id?: number | string;
  /** The image reference of the task's data, when there is one. */
  image?: string;
}

export interface LsTaskIssue<C extends string> {
  task: LsTaskRef;
  code: C;
  message: string;
  details?: Record<string, unknown>;
}

export interface LsImported {
  task: LsTaskRef;
  imageKey: string;
  watchId: string;
  record: LabelRecord;
  /** Where the record came from: a person's annotation or (with `predictions`) a model's. */
  source: 'annotation' | 'prediction';
  /** Keypoints the record lacks (imported with `allowPartial`). */
  missing: KeypointName[];
}

export interface LsImportReport {
  kind: LsExportKind;
  /** Tasks in the export (JSON-MIN records of one task count once). */
  tasks: number;
  imported: LsImported[];
  skipped: LsTaskIssue<LsSkipCode>[];
  failed: LsTaskIssue<LsFailCode>[];
  /** Labels of keypoint results that map to no dial keypoint, and how many points had each. */
  ignoredLabels: Record<string, number>;
}

export interface LsImportOptions {
  /** The KeyPointLabels control to read (from `--config`); other controls' results are ignored. */
  control?: LsKeypointControl;
  /** Read only results with this `from_name` (without a control). */
  fromName?: string;
  labelMap?: KeypointLabelMap;
  /** Import records that lack keypoints (the missing ones absent). */
  allowPartial: boolean;
  /** Import tasks that have predictions and no annotation, from their newest prediction. */
  predictions: boolean;
  /** Image key and watch ID of an image, from its path as the task names it. */
  identify: (imagePath: string) => { imageKey: string; watchId: string };
  /** The record's annotator for a person's annotation (`completed_by` / JSON-MIN `annotator`). */
  annotator: (who: unknown) => string;
  now: () => string;
}

/** One keypoint result, from either format. */
interface KpResult {
  id?: string;
  parentID?: string;
  fromName?: string;
  labels: string[];
  x: unknown;
  y: unknown;
  originalWidth?: unknown;
  originalHeight?: unknown;
  rotation?: unknown;
  meta?: unknown;
}

interface Source {
  kind: 'annotation' | 'prediction';
  results: KpResult[];
  /** When it was last changed (ms), for "newest wins"; -Infinity when the export does not say. */
  at: number;
  timestamp?: string;
  who?: unknown;
  id?: unknown;
  modelVersion?: string;
  score?: number;
}

interface NormTask {
  ref: LsTaskRef;
  data: Record<string, unknown>;
  /** Non-cancelled annotations, newest first. */
  annotations: Source[];
  cancelled: number;
  /** Newest first. */
  predictions: Source[];
}

type Obj = Record<string, unknown>;
const isObj = isPlainRecord;

const JSON_MIN_META = new Set([
  'id',
  'annotator',
  'annotation_id',
  'created_at',
  'updated_at',
  'lead_time',
  'agreement',
]);

/**
 * Which export a parsed file is. A JSON export is a list of tasks, objects with `data`; a JSON-MIN
 * export a list of flat records without it. A single task object (a cloud target storage file) is
 * read as a one-task JSON export. Anything else is refused with the reason.
 */
export function detectExportKind(json: unknown): Result<{ kind: LsExportKind; items: Obj[] }> {
  if (isObj(json) && isObj(json.data)) return ok({ kind: 'json', items: [json] });
  if (!Array.isArray(json)) {
    return err(
      'INVALID_ARGUMENT',
      'not a Label Studio export: expected a list of tasks (JSON) or of records (JSON-MIN), found ' +
        (isObj(json) ? 'an object without "data"' : typeof json),
    );
  }
  if (json.length === 0) return err('INVALID_ARGUMENT', 'the export holds no tasks');
  let tasks = 0;
  let records = 0;
  for (const [i, item] of json.entries()) {
    if (!isObj(item)) {
      return err(
        'INVALID_ARGUMENT',
        `not a Label Studio export: item ${i} is ${Array.isArray(item) ? 'a list' : typeof item}`,
      );
    }
    const looksLikeTask =
      isObj(item.data) ||
      Array.isArray(item.annotations) ||
      Array.isArray(item.completions) ||
      Array.isArray(item.predictions);
    if (looksLikeTask) {
      if (!isObj(item.data)) {
        return err('INVALID_ARGUMENT', `not a Label Studio JSON export: task ${i} has no "data" object`);
      }
      tasks++;
    } else {
      records++;
    }
  }
  if (tasks > 0 && records > 0) {
    return err(
      'INVALID_ARGUMENT',
      `not a Label Studio export: ${tasks} items are JSON tasks (with "data") and ${records} are not; export again as JSON or JSON-MIN`,
    );
  }
  return ok({ kind: tasks > 0 ? 'json' : 'json-min', items: json as Obj[] });
}

function time(...values: unknown[]): { at: number; timestamp?: string } {
  for (const v of values) {
    if (typeof v === 'string') {
      const at = Date.parse(v);
      if (!Number.isNaN(at)) return { at, timestamp: toIsoTimestamp(v) };
    }
  }
  return { at: Number.NEGATIVE_INFINITY };
}

function byNewest(a: Source, b: Source): number {
  if (a.at !== b.at) return b.at - a.at;
  const ai = typeof a.id === 'number' ? a.id : -1;
  const bi = typeof b.id === 'number' ? b.id : -1;
  return bi - ai;
}

function labelsOf(value: Obj): string[] {
  const l = value.keypointlabels;
  return Array.isArray(l) ? l.filter((x): x is string => typeof x === 'string') : [];
}

/** Keypoint results of a JSON annotation/prediction `result` list. */
function jsonResults(result: unknown): KpResult[] {
  if (!Array.isArray(result)) return [];
  const out: KpResult[] = [];
  for (const r of result) {
    if (!isObj(r) || !isObj(r.value)) continue;
    const type = typeof r.type === 'string' ? r.type.toLowerCase() : '';
    if (type !== 'keypointlabels' && !(type === '' && Array.isArray(r.value.keypointlabels))) continue;
    out.push({
      ...(typeof r.id === 'string' || typeof r.id === 'number' ? { id: String(r.id) } : {}),
      ...(typeof r.parentID === 'string' && r.parentID ? { parentID: r.parentID } : {}),
      ...(typeof r.from_name === 'string' ? { fromName: r.from_name } : {}),
      labels: labelsOf(r.value),
      x: r.value.x,
      y: r.value.y,
      originalWidth: r.original_width,
      originalHeight: r.original_height,
      rotation: r.image_rotation,
      meta: r.meta,
    });
  }
  return out;
}

function normalizeJsonTask(task: Obj, index: number): NormTask {
  const data = task.data as Obj;
  const id = typeof task.id === 'number' || typeof task.id === 'string' ? task.id : undefined;
  const list = (Array.isArray(task.annotations) ? task.annotations : task.completions) as unknown;
  const annotations: Source[] = [];
  let cancelled = 0;
  for (const a of Array.isArray(list) ? list : []) {
    if (!isObj(a)) continue;
    if (a.was_cancelled === true || a.skipped === true) {
      cancelled++;
      continue;
    }
    annotations.push({
      kind: 'annotation',
      results: jsonResults(a.result),
      ...time(a.updated_at, a.created_at),
      who: a.completed_by,
      id: a.id,
    });
  }
  const predictions: Source[] = [];
  for (const p of Array.isArray(task.predictions) ? task.predictions : []) {
    if (!isObj(p)) continue;
    predictions.push({
      kind: 'prediction',
      results: jsonResults(p.result),
      ...time(p.updated_at, p.created_at),
      id: p.id,
      ...(typeof p.model_version === 'string' && p.model_version ? { modelVersion: p.model_version } : {}),
      ...(typeof p.score === 'number' && Number.isFinite(p.score) ? { score: p.score } : {}),
    });
  }
  annotations.sort(byNewest);
  predictions.sort(byNewest);
  const image = typeof data.image === 'string' ? data.image : undefined;
  return {
    ref: { index, ...(id !== undefined ? { id } : {}), ...(image ? { image } : {}) },
    data,
    annotations,
    cancelled,
    predictions,
  };
}

/** JSON-MIN region values of one control key. */
function minResults(fromName: string, value: unknown): KpResult[] {
  if (!Array.isArray(value)) return [];
  const out: KpResult[] = [];
  for (const v of value) {
    if (!isObj(v) || !Array.isArray(v.keypointlabels)) continue;
    out.push({
      ...(typeof v.id === 'string' || typeof v.id === 'number' ? { id: String(v.id) } : {}),
      ...(typeof v.parentID === 'string' && v.parentID ? { parentID: v.parentID } : {}),
      fromName,
      labels: labelsOf(v),
      x: v.x,
      y: v.y,
      originalWidth: v.original_width,
      originalHeight: v.original_height,
    });
  }
  return out;
}

const isKeypointList = (v: unknown): boolean =>
  Array.isArray(v) && v.length > 0 && v.every((x) => isObj(x) && Array.isArray(x.keypointlabels));

/** JSON-MIN records grouped into tasks (by task `id`; records without one are a task each). */
function normalizeMinRecords(records: Obj[], controlName: string | undefined): NormTask[] {
  const groups = new Map<string, { index: number; records: Obj[] }>();
  for (const [index, r] of records.entries()) {
    const key = typeof r.id === 'number' || typeof r.id === 'string' ? `id:${r.id}` : `#${index}`;
    const g = groups.get(key) ?? { index, records: [] };
    g.records.push(r);
    groups.set(key, g);
  }
  const out: NormTask[] = [];
  let n = 0;
  for (const { records: rs } of groups.values()) {
    const first = rs[0] as Obj;
    const data: Obj = {};
    const annotations: Source[] = [];
    for (const r of rs) {
      const results: KpResult[] = [];
      let isAnnotation = r.annotation_id !== undefined && r.annotation_id !== null;
      for (const [k, v] of Object.entries(r)) {
        if (JSON_MIN_META.has(k)) continue;
        const isControl = controlName !== undefined ? k === controlName : isKeypointList(v);
        if (isControl) {
          results.push(...minResults(k, v));
          isAnnotation = true;
        } else if (!(k in data)) {
          data[k] = v;
        }
      }
      if (isAnnotation) {
        annotations.push({
          kind: 'annotation',
          results,
          ...time(r.updated_at, r.created_at),
          who: r.annotator,
          id: r.annotation_id,
        });
      }
    }
    annotations.sort(byNewest);
    const id = typeof first.id === 'number' || typeof first.id === 'string' ? first.id : undefined;
    const image = typeof data.image === 'string' ? data.image : undefined;
    out.push({
      ref: { index: n++, ...(id !== undefined ? { id } : {}), ...(image ? { image } : {}) },
      data,
      annotations,
      cancelled: 0,
      predictions: [],
    });
  }
  return out;
}

/** The task's image reference: the config's data field, else `image`, else the one image-like field. */
function imageField(data: Obj, control?: LsKeypointControl): { key: string; value: unknown } | { reason: string } {
  if (control?.multiImage) {
    return { reason: `the control's image tag "${control.toName}" uses valueList (several images a task)` };
  }
  if (control?.imageDataKey) {
    if (!(control.imageDataKey in data)) {
      return { reason: `the task data has no "${control.imageDataKey}" field (the labeling config's image)` };
    }
    return { key: control.imageDataKey, value: data[control.imageDataKey] };
  }
  if ('image' in data) return { key: 'image', value: data.image };
  const candidates = Object.entries(data).filter(([k, v]) => {
    if (k === 'image_key' || k === 'full_image_name' || typeof v !== 'string') return false;
    const r = parseImageReference(v);
    return r.ok && /\.(jpe?g|png|webp|tiff?|bmp|gif|avif)$/i.test(r.ref.name);
  });
  if (candidates.length === 1) {
    const [key, value] = candidates[0] as [string, unknown];
    return { key, value };
  }
  const fields = Object.keys(data).join(', ') || 'none';
  return {
    reason:
      candidates.length === 0
        ? `the task data has no image field (fields: ${fields}); say which with --config`
        : `the task data has several image fields (${candidates.map(([k]) => k).join(', ')}); say which with --config`,
  };
}

interface Point {
  result: KpResult;
  name: KeypointName;
  label: string;
  x: number;
  y: number;
}

function distance(a: { x: number; y: number }, b: { x: number; y: number }): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

function centroid(points: readonly Point[]): { x: number; y: number } {
  return {
    x: points.reduce((s, p) => s + p.x, 0) / points.length,
    y: points.reduce((s, p) => s + p.y, 0) / points.length,
  };
}

/**
 * The dials of one annotation: points linked by `parentID` (directly or through a parent chain)
 * are one dial; points without links join the nearest dial that lacks their keypoint, or start
 * dials of their own when a keypoint occurs more often than there are dials.
 */
function groupDials(points: readonly Point[]): { dials: Point[][]; byParent: boolean } {
  const byId = new Map(points.filter((p) => p.result.id).map((p) => [p.result.id as string, p]));
  const rootOf = (p: Point): string | null => {
    let cur: Point | undefined = p;
    let root: string | null = null;
    const seen = new Set<string>();
    while (cur?.result.parentID && !seen.has(cur.result.parentID)) {
      root = cur.result.parentID;
      seen.add(root);
      cur = byId.get(root);
    }
    return root;
  };
  const linked = new Map<string, Point[]>();
  const loose: Point[] = [];
  const parents = new Set(points.map((p) => p.result.parentID).filter((x): x is string => Boolean(x)));
  for (const p of points) {
    const root = rootOf(p) ?? (p.result.id && parents.has(p.result.id) ? p.result.id : null);
    if (root) linked.set(root, [...(linked.get(root) ?? []), p]);
    else loose.push(p);
  }
  const dials = [...linked.values()];
  const byParent = dials.length > 0;
  if (dials.length === 0 && loose.length > 0) {
    // Seed with the most frequent keypoint (centre first among equals), one dial each.
    const count = (n: KeypointName): number => loose.filter((p) => p.name === n).length;
    const order: KeypointName[] = ['center', ...KEYPOINT_NAMES.filter((n) => n !== 'center')];
    const seedName = order.reduce((best, n) => (count(n) > count(best) ? n : best), order[0] as KeypointName);
    for (const p of loose.filter((q) => q.name === seedName)) dials.push([p]);
    loose.splice(0, loose.length, ...loose.filter((q) => q.name !== seedName));
  }
  // Nearest first: repeatedly attach the closest (point, dial lacking its keypoint) pair.
  const rest = [...loose];
  while (rest.length > 0) {
    let best: { i: number; d: number; dist: number } | null = null;
    for (const [i, p] of rest.entries()) {
      for (const [d, dial] of dials.entries()) {
        if (dial.some((q) => q.name === p.name)) continue;
        const dist = distance(p, centroid(dial));
        if (!best || dist < best.dist) best = { i, d, dist };
      }
    }
    if (!best) {
      dials.push([rest.shift() as Point]);
      continue;
    }
    (dials[best.d] as Point[]).push(rest[best.i] as Point);
    rest.splice(best.i, 1);
  }
  return { dials, byParent };
}

/** The points found, in keypoint order, with the labels the project gave them. */
function found(points: readonly Point[]): Point[] {
  return [...points].sort((a, b) => KEYPOINT_NAMES.indexOf(a.name) - KEYPOINT_NAMES.indexOf(b.name));
}

function describeFound(points: readonly Point[]): string {
  return found(points)
    .map((p) => (p.label === p.name ? p.name : `${p.name} (${p.label})`))
    .join(', ');
}

type DialResult =
  | { ok: true; coords: Partial<Record<KeypointName, NormPoint>>; size: [number, number]; missing: KeypointName[] }
  | { ok: false; code: LsFailCode; message: string; details?: Record<string, unknown> }
  | { ok: 'empty' };

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** One annotation or prediction → one dial, or why not. */
function readDial(
  source: Source,
  options: LsImportOptions,
  ignoredLabels: Record<string, number>,
  countIgnored: boolean,
): DialResult {
  const fromName = options.control?.name ?? options.fromName;
  const results = source.results.filter((r) => fromName === undefined || r.fromName === fromName);
  if (results.length === 0) return { ok: 'empty' };
  const points: Point[] = [];
  const unmapped = new Set<string>();
  for (const r of results) {
    const label = r.labels[0];
    if (label === undefined) continue;
    const configLabel = options.control?.labels.find((l) => l.value === label || l.alias === label);
    const name = configLabel?.keypoint ?? keypointForLabel(label, options.labelMap);
    if (!name) {
      unmapped.add(label);
      if (countIgnored) ignoredLabels[label] = (ignoredLabels[label] ?? 0) + 1;
      continue;
    }
    const rotation = r.rotation;
    if (rotation !== undefined && rotation !== null) {
      const deg = num(rotation);
      if (deg === null || deg % 90 !== 0) {
        return {
          ok: false,
          code: 'bad-rotation',
          message: `image_rotation ${JSON.stringify(rotation)} is not a multiple of 90°, which Label Studio's rotate control turns by; the points' frame is unknown`,
          details: { image_rotation: rotation },
        };
      }
    }
    const x = num(r.x);
    const y = num(r.y);
    if (x === null || y === null) {
      return { ok: false, code: 'bad-point', message: `the ${label} point has no numeric x/y`, details: { label } };
    }
    points.push({ result: r, name, label, x, y });
  }
  if (points.length === 0 && unmapped.size === 0) return { ok: 'empty' };
  if (points.length === 0) {
    return {
      ok: false,
      code: 'unmapped-labels',
      message: `no label names a dial keypoint (found ${[...unmapped].join(', ')}); map them with --label-map LABEL=keypoint or --config`,
      details: { labels: [...unmapped] },
    };
  }
  const { dials, byParent } = groupDials(points);
  if (dials.length > 1) {
    return {
      ok: false,
      code: 'several-dials',
      message: `${dials.length} dials in one image (grouped by ${byParent ? 'parent region' : 'nearest points'}: ${dials
        .map((d) => `[${d.map((p) => p.name).join(', ')}]`)
        .join(' ')}); a label file holds one dial per image`,
      details: { dials: dials.map((d) => d.map((p) => p.name)) },
    };
  }
  const dial = dials[0] as Point[];
  const seen = new Set<KeypointName>();
  for (const p of dial) {
    if (seen.has(p.name)) {
      return {
        ok: false,
        code: 'duplicate-keypoint',
        message: `two ${p.name} points in one region`,
        details: { keypoint: p.name },
      };
    }
    seen.add(p.name);
  }
  const sizes = new Set<string>();
  let size: [number, number] | null = null;
  for (const p of dial) {
    const w = num(p.result.originalWidth);
    const h = num(p.result.originalHeight);
    if (w === null || h === null) continue;
    if (!(w > 0 && h > 0 && Number.isInteger(w) && Number.isInteger(h))) {
      return {
        ok: false,
        code: 'no-image-size',
        message: `original_width/height ${w}×${h} is not an image size`,
      };
    }
    sizes.add(`${w}×${h}`);
    size = [w, h];
  }
  if (!size) {
    return {
      ok: false,
      code: 'no-image-size',
      message: 'the results carry no original_width/original_height, so the image size is unknown',
    };
  }
  if (sizes.size > 1) {
    return {
      ok: false,
      code: 'size-mismatch',
      message: `the results disagree on the image size (${[...sizes].join(', ')})`,
      details: { sizes: [...sizes] },
    };
  }
  const coords: Partial<Record<KeypointName, NormPoint>> = {};
  for (const p of dial) coords[p.name] = [p.x / 100, p.y / 100];
  const missing = KEYPOINT_NAMES.filter((n) => !coords[n]);
  if (missing.length > 0 && !options.allowPartial) {
    return {
      ok: false,
      code: 'partial',
      message: `found ${describeFound(dial)}; missing ${missing.join(', ')} (import partial labels with --allow-partial)`,
      details: { found: found(dial).map((p) => ({ keypoint: p.name, label: p.label })), missing },
    };
  }
  return { ok: true, coords, size, missing };
}

/** Loupe's own fields in a result's `meta` (what `convert --to label-studio` writes). */
function loupeMeta(source: Source): { annotator?: string; confidence?: number } {
  for (const r of source.results) {
    if (!isObj(r.meta)) continue;
    const annotator = typeof r.meta.annotator === 'string' ? r.meta.annotator : undefined;
    const confidence = num(r.meta.confidence) ?? undefined;
    return { ...(annotator ? { annotator } : {}), ...(confidence !== undefined ? { confidence } : {}) };
  }
  return {};
}

function predictionAnnotator(source: Source): string {
  return loupeMeta(source).annotator ?? source.modelVersion ?? 'label-studio-prediction';
}

function predictionConfidence(source: Source): number | undefined {
  const c = source.score ?? loupeMeta(source).confidence;
  return c !== undefined && c >= 0 && c <= 1 ? c : undefined;
}

/**
 * The image's file name and the path naming it (for the naming pattern, whose unmatched names are
 * grouped by folder). Loupe's own `full_image_name` field wins; an upload's folder is Label
 * Studio's project number, not the user's, so uploads are named by file alone.
 */
function taskName(task: NormTask, ref: ImageRef): { name: string; path: string } | { reason: string } {
  const own = task.data.full_image_name;
  const name = typeof own === 'string' && own ? own : ref.name;
  if (!isSafeFileName(name)) {
    return { reason: `the image name ${JSON.stringify(name)} is not a plain file name` };
  }
  const dir = ref.kind === 'upload' ? '' : ref.path.replace(/[^/]*$/, '');
  return { name, path: dir + name };
}

/**
 * Read a parsed Label Studio export. Per task: the newest non-cancelled annotation wins (with
 * `predictions`, a task without one is read from its newest prediction); its keypoints are mapped
 * through the control's labels, the label map and the synonyms, grouped into dials, and become
 * one record keyed by the image key. Every task ends up imported, skipped or failed, with why.
 */
export function importLabelStudioExport(json: unknown, options: LsImportOptions): Result<LsImportReport> {
  const detected = detectExportKind(json);
  if (!detected.ok) return detected;
  const { kind, items } = detected.value;
  const tasks =
    kind === 'json'
      ? items.map((t, i) => normalizeJsonTask(t, i))
      : normalizeMinRecords(items, options.control?.name ?? options.fromName);

  const report: LsImportReport = {
    kind,
    tasks: tasks.length,
    imported: [],
    skipped: [],
    failed: [],
    ignoredLabels: {},
  };
  const byKey = new Map<string, LsImported>();
  const skip = (task: LsTaskRef, code: LsSkipCode, message: string, details?: Record<string, unknown>): void => {
    report.skipped.push({ task, code, message, ...(details ? { details } : {}) });
  };
  const fail = (task: LsTaskRef, code: LsFailCode, message: string, details?: Record<string, unknown>): void => {
    report.failed.push({ task, code, message, ...(details ? { details } : {}) });
  };

  for (const task of tasks) {
    const field = imageField(task.data, options.control);
    if ('value' in field) {
      if (typeof field.value === 'string') task.ref.image = field.value;
      else delete task.ref.image;
    }
    let source: Source | undefined = task.annotations[0];
    if (!source) {
      if (task.predictions.length > 0 && options.predictions) source = task.predictions[0];
      else if (task.predictions.length > 0) {
        skip(task.ref, 'predictions-only', 'only predictions, no annotation (import them with --predictions)');
        continue;
      } else if (task.cancelled > 0) {
        skip(task.ref, 'all-cancelled', `every annotation was cancelled (${task.cancelled})`);
        continue;
      } else {
        skip(task.ref, 'no-annotations', 'no annotations (an empty task)');
        continue;
      }
    }
    if (!source) continue;

    if ('reason' in field) {
      fail(task.ref, 'no-image', field.reason);
      continue;
    }
    const ref = parseImageReference(field.value);
    if (!ref.ok) {
      fail(task.ref, 'no-image', ref.reason, { field: field.key });
      continue;
    }
    const named = taskName(task, ref.ref);
    if ('reason' in named) {
      fail(task.ref, 'no-image', named.reason);
      continue;
    }
    const ownKey = task.data.image_key;
    const id = options.identify(named.path);
    const imageKey = typeof ownKey === 'string' && ownKey ? ownKey : id.imageKey;
    if (!imageKey || !isSafeFileName(imageKey) || !id.watchId || !isSafeFileName(id.watchId)) {
      fail(task.ref, 'bad-image-key', `the image ${named.name} gives no usable image key / watch ID`, {
        imageKey,
        watchId: id.watchId,
      });
      continue;
    }

    const dial = readDial(source, options, report.ignoredLabels, true);
    if (dial.ok === 'empty') {
      skip(
        task.ref,
        'no-keypoints',
        `the newest ${source.kind} has no keypoints${options.control || options.fromName ? ` of "${options.control?.name ?? options.fromName}"` : ''}`,
      );
      continue;
    }
    if (dial.ok === false) {
      fail(task.ref, dial.code, dial.message, dial.details);
      continue;
    }

    const record: LabelRecord = {
      image_size: dial.size,
      // Partial records (allowPartial) lack the missing keypoints; readers check.
      coords_norm: dial.coords as LabelRecord['coords_norm'],
      full_image_name: named.name,
      annotator: source.kind === 'annotation' ? options.annotator(source.who) : predictionAnnotator(source),
      timestamp: source.timestamp ?? options.now(),
    };
    if (source.kind === 'prediction') {
      const confidence = predictionConfidence(source);
      if (confidence !== undefined) record.confidence = confidence;
      // debug_info marks a model's record: the writers that protect human labels know it by that.
      record.debug_info = {
        method: 'label-studio-prediction',
        ...(source.modelVersion ? { model_version: source.modelVersion } : {}),
        ...(task.ref.id !== undefined ? { label_studio_task: task.ref.id } : {}),
      };
    } else {
      const prediction = task.predictions[0];
      if (prediction) {
        const p = readDial(prediction, { ...options, allowPartial: false }, report.ignoredLabels, false);
        if (p.ok === true) {
          const confidence = predictionConfidence(prediction);
          record.prediction = {
            coords_norm: p.coords as LabelRecord['coords_norm'],
            annotator: predictionAnnotator(prediction),
            ...(confidence !== undefined ? { confidence } : {}),
          };
        }
      }
    }

    const imported: LsImported = {
      task: task.ref,
      imageKey,
      watchId: id.watchId,
      record,
      source: source.kind,
      missing: dial.missing,
    };
    const earlier = byKey.get(imageKey);
    if (earlier) {
      const newer = Date.parse(record.timestamp ?? '') > Date.parse(earlier.record.timestamp ?? '');
      const [keep, drop] = newer ? [imported, earlier] : [earlier, imported];
      skip(
        drop.task,
        'duplicate-image',
        `image ${imageKey} is also in task ${taskLabel(keep.task)}, whose label is newer`,
      );
      byKey.set(imageKey, keep);
      continue;
    }
    byKey.set(imageKey, imported);
  }
  report.imported = [...byKey.values()];
  return ok(report);
}

/** How a task is named in messages: its id, else its position, and its image. */
export function taskLabel(task: LsTaskRef): string {
  const id = task.id !== undefined ? String(task.id) : `#${task.index + 1}`;
  return task.image ? `${id} (${task.image})` : id;
}

/** Who made an annotation, from Label Studio's `completed_by` (an id, an email, or a user object). */
export function labelStudioUser(completedBy: unknown): string {
  if (typeof completedBy === 'object' && completedBy !== null) {
    const c = completedBy as { email?: unknown; id?: unknown };
    if (typeof c.email === 'string' && c.email) return c.email;
    if (typeof c.id === 'number' || typeof c.id === 'string') return String(c.id);
  }
  if (typeof completedBy === 'number' || (typeof completedBy === 'string' && completedBy)) return String(completedBy);
  return 'label-studio';
}

const SKIP_TEXT: Record<LsSkipCode, string> = {
  'no-annotations': 'no annotations (empty tasks)',
  'all-cancelled': 'every annotation cancelled',
  'predictions-only': 'only predictions (import them with --predictions)',
  'no-keypoints': 'newest annotation has no keypoints',
  'duplicate-image': 'same image as a task with a newer label',
};

export function taskList(tasks: string[]): string {
  return tasks.length > 12 ? `${tasks.slice(0, 12).join(', ')}, … (${tasks.length - 12} more)` : tasks.join(', ');
}

/**
 * What an import did, in lines, the same for `loupe convert` and the app: what was imported where,
 * what was skipped and why (grouped), what failed (counted by reason), labels that named nothing.
 */
export function importSummary(
  report: LsImportReport,
  written: { written: number; files: number; labelsDir: string },
): string[] {
  const lines: string[] = [];
  const kindName = report.kind === 'json' ? 'JSON' : 'JSON-MIN';
  const partial = report.imported.filter((i) => i.missing.length > 0).length;
  const fromPredictions = report.imported.filter((i) => i.source === 'prediction').length;
  const extras = [
    ...(partial ? [`${partial} partial`] : []),
    ...(fromPredictions ? [`${fromPredictions} from predictions`] : []),
  ];
  lines.push(`Label Studio ${kindName} export, ${report.tasks} task${report.tasks === 1 ? '' : 's'}`);
  lines.push(
    `imported ${written.written}${extras.length ? ` (${extras.join(', ')})` : ''} → ${written.labelsDir} (${written.files} file${written.files === 1 ? '' : 's'})`,
  );
  if (report.skipped.length > 0) {
    lines.push(`skipped ${report.skipped.length}:`);
    const byCode = new Map<LsSkipCode, string[]>();
    for (const s of report.skipped) byCode.set(s.code, [...(byCode.get(s.code) ?? []), taskLabel(s.task)]);
    for (const [code, tasks] of byCode) lines.push(`  ${tasks.length} ${SKIP_TEXT[code]}: ${taskList(tasks)}`);
  }
  if (report.failed.length > 0) {
    lines.push(`failed ${report.failed.length} (each reported above):`);
    const byCode = new Map<string, number>();
    for (const f of report.failed) byCode.set(f.code, (byCode.get(f.code) ?? 0) + 1);
    for (const [code, n] of byCode) lines.push(`  ${n} ${code}`);
  }
  const ignored = Object.entries(report.ignoredLabels);
  if (ignored.length > 0) {
    lines.push(
      `labels not imported (they name no dial keypoint; map them with --label-map LABEL=keypoint): ${ignored
        .map(([label, n]) => `${label} ×${n}`)
        .join(', ')}`,
    );
  }
  return lines;
}
