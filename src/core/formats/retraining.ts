import { KEYPOINT_NAMES, type KeypointName, type Keypoints, type LabelRecord } from '../../shared/labels';
import type { Result } from '../../shared/result';
import { err, ok } from '../result';

/**
 * Exports for retraining a keypoint model: COCO keypoints (one JSON) and an Ultralytics YOLO-pose
 * dataset (images/ and labels/ per split, dataset.yaml) that `yolo pose train data=dataset.yaml`
 * reads as it is (docs/retraining.md). The dial box is the keypoints' bounding box grown by a
 * margin, since top/bottom/left/right lie on the dial's edge.
 */

export const BOX_MARGIN = 0.08;
/** Horizontal flip swaps left and right: Ultralytics' flip_idx (indices into top, bottom, left, right, center). */
export const FLIP_IDX = [0, 1, 3, 2, 4];
/** COCO skeleton (1-based): 12–6 and 9–3. */
export const SKELETON = [
  [1, 2],
  [3, 4],
];

/**
 * Per-keypoint OKS sigmas (COCO `kpt_oks_sigmas`) for the five dial keypoints, in
 * KEYPOINT_NAMES order. COCO's OKS scores a keypoint d pixels off as exp(−d² / (2 s² (2σ)²)), s²
 * the object's area. Loupe's annotation area is the dial's (the ellipse through the four rim
 * points, π/4 · D² for a frontal dial of diameter D), so a point scores 0.5 when it is
 * 2σ · √(2 ln 2) · √(π/4) · D ≈ 2.087 σ D off. The sigmas are chosen (not measured from repeated
 * human labels, as COCO's were) so that this happens at 3 % of the diameter for the rim points
 * and 2 % for the centre, the sharper point: a template fit (well under 1 % off) scores above
 * 0.9, a pose detector's keypoints (about 10 % off on real photos) near 0.
 */
export const OKS_TOLERANCE: Readonly<Record<KeypointName, number>> = {
  top: 0.03,
  bottom: 0.03,
  left: 0.03,
  right: 0.03,
  center: 0.02,
};
export const KPT_OKS_SIGMAS: readonly number[] = KEYPOINT_NAMES.map(
  (n) => Math.round((OKS_TOLERANCE[n] / (2 * Math.sqrt(2 * Math.LN2) * Math.sqrt(Math.PI / 4))) * 1e4) / 1e4,
);

export interface LabelledImage {
  imageKey: string;
  record: LabelRecord;
}

/** A keypoint of a record in pixels, or null when the record does not have it (a partial label). */
function pixel(record: LabelRecord, name: KeypointName): [number, number] | null {
  const p = (record.coords_norm as Partial<Keypoints>)[name];
  if (!Array.isArray(p) || p.length !== 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) return null;
  return [p[0] * record.image_size[0], p[1] * record.image_size[1]];
}

/** Whether a normalised point lies in the image (its edges included). */
const inside = (x: number, y: number): boolean => x >= 0 && x <= 1 && y >= 0 && y <= 1;

/**
 * The dial box in pixels [x, y, w, h]: the bounding box of the keypoints (those outside the image
 * too, since the dial is there) grown by BOX_MARGIN, clipped to the image. A partial label with
 * its centre: the circle around the centre through the farthest rim point it has. Null when
 * fewer than two keypoints, or when nothing of the box is left inside the image.
 */
export function dialBox(record: LabelRecord): [number, number, number, number] | null {
  const [w, h] = record.image_size;
  const pts = KEYPOINT_NAMES.map((n) => pixel(record, n)).filter((p): p is [number, number] => p !== null);
  if (pts.length < 2) return null;
  const c = pixel(record, 'center');
  const r =
    c && pts.length < KEYPOINT_NAMES.length ? Math.max(...pts.map((p) => Math.hypot(p[0] - c[0], p[1] - c[1]))) : 0;
  const xs = r > 0 && c ? [c[0] - r, c[0] + r] : pts.map((p) => p[0]);
  const ys = r > 0 && c ? [c[1] - r, c[1] + r] : pts.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const mx = (x1 - x0) * BOX_MARGIN;
  const my = (y1 - y0) * BOX_MARGIN;
  const left = Math.max(0, x0 - mx);
  const top = Math.max(0, y0 - my);
  const right = Math.min(w, x1 + mx);
  const bottom = Math.min(h, y1 + my);
  if (!(right > left && bottom > top)) return null;
  return [left, top, right - left, bottom - top];
}

/**
 * The dial's area in pixels for OKS: the ellipse through the four rim points (π/4 · |12–6| ·
 * |9–3|), else, for a partial label, 0.53 × the box's area (the factor xtcocotools and
 * Ultralytics' pose validator use for a box).
 */
export function dialArea(record: LabelRecord, box: readonly number[]): number {
  const [t, b, l, r] = (['top', 'bottom', 'left', 'right'] as const).map((n) => pixel(record, n));
  if (t && b && l && r) {
    return (Math.PI / 4) * Math.hypot(t[0] - b[0], t[1] - b[1]) * Math.hypot(l[0] - r[0], l[1] - r[1]);
  }
  return 0.53 * (box[2] as number) * (box[3] as number);
}

export interface CocoKeypoints {
  info: {
    year: number;
    version: string;
    description: string;
    contributor: string;
    url: string;
    date_created: string;
  };
  licenses: { id: number; name: string; url: string }[];
  images: { id: number; file_name: string; width: number; height: number; license: number }[];
  annotations: {
    id: number;
    image_id: number;
    category_id: number;
    keypoints: number[];
    num_keypoints: number;
    bbox: number[];
    area: number;
    iscrowd: 0;
  }[];
  categories: {
    id: number;
    name: string;
    supercategory: string;
    keypoints: string[];
    skeleton: number[][];
    /** Not part of COCO's own format (pycocotools keeps sigmas in COCOeval.params): see KPT_OKS_SIGMAS. */
    kpt_oks_sigmas: number[];
  }[];
}

export interface CocoOptions {
  /** ISO date the export was made. */
  now: string;
  /** The licence of the images, when the user knows it. */
  license?: { name: string; url: string };
}

const round = (v: number): number => Math.round(v * 1000) / 1000;

/**
 * COCO keypoints. Keypoints outside the image, and those a partial label lacks, are written as
 * COCO writes unlabelled points (0, 0, v = 0), so OKS ignores them; the others are v = 2.
 * Records without a dial box (fewer than two keypoints, or none of the dial inside the image)
 * are skipped with the reason.
 */
export function toCoco(
  items: readonly LabelledImage[],
  options: CocoOptions,
): { coco: CocoKeypoints; skipped: { imageKey: string; reason: string }[] } {
  const coco: CocoKeypoints = {
    info: {
      year: new Date(options.now).getUTCFullYear(),
      version: '1.0',
      description: 'Watch-dial keypoints (top, bottom, left, right, center) exported by Loupe',
      contributor: 'Loupe',
      url: '',
      date_created: options.now,
    },
    licenses: [{ id: 1, name: options.license?.name ?? 'unspecified', url: options.license?.url ?? '' }],
    images: [],
    annotations: [],
    categories: [
      {
        id: 1,
        name: 'dial',
        supercategory: 'watch',
        keypoints: [...KEYPOINT_NAMES],
        skeleton: SKELETON,
        kpt_oks_sigmas: [...KPT_OKS_SIGMAS],
      },
    ],
  };
  const skipped: { imageKey: string; reason: string }[] = [];
  for (const { imageKey, record } of items) {
    const box = dialBox(record);
    if (!box) {
      skipped.push({ imageKey, reason: 'no dial box: fewer than two keypoints, or none of the dial in the image' });
      continue;
    }
    const id = coco.images.length + 1;
    const [w, h] = record.image_size;
    coco.images.push({ id, file_name: record.full_image_name, width: w, height: h, license: 1 });
    const keypoints = KEYPOINT_NAMES.flatMap((n) => {
      const p = pixel(record, n);
      return p && inside(p[0] / w, p[1] / h) ? [round(p[0]), round(p[1]), 2] : [0, 0, 0];
    });
    coco.annotations.push({
      id,
      image_id: id,
      category_id: 1,
      keypoints,
      num_keypoints: KEYPOINT_NAMES.filter((_, k) => keypoints[3 * k + 2] === 2).length,
      bbox: box.map(round),
      area: round(dialArea(record, box)),
      iscrowd: 0,
    });
  }
  return { coco, skipped };
}

/**
 * Read a COCO keypoints file back: file name → keypoints (normalised), in the category's order;
 * unlabelled points (v = 0) are left out.
 */
export function fromCoco(
  coco: Pick<CocoKeypoints, 'images' | 'annotations' | 'categories'>,
): Map<string, { size: [number, number]; coords: Partial<Keypoints> }> {
  const names = coco.categories[0]?.keypoints ?? [...KEYPOINT_NAMES];
  const images = new Map(coco.images.map((i) => [i.id, i]));
  const out = new Map<string, { size: [number, number]; coords: Partial<Keypoints> }>();
  for (const a of coco.annotations) {
    const img = images.get(a.image_id);
    if (!img) continue;
    const coords: Partial<Keypoints> = {};
    names.forEach((n, k) => {
      if ((KEYPOINT_NAMES as readonly string[]).includes(n) && (a.keypoints[3 * k + 2] as number) > 0) {
        coords[n as KeypointName] = [
          (a.keypoints[3 * k] as number) / img.width,
          (a.keypoints[3 * k + 1] as number) / img.height,
        ];
      }
    });
    out.set(img.file_name, { size: [img.width, img.height], coords });
  }
  return out;
}

const f6 = (v: number): string => (Math.round(v * 1e6) / 1e6).toString();
const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

export interface YoloPoseLabel {
  /** `0 cx cy w h x1 y1 v1 …`, every number in [0, 1]. */
  line: string;
  /** Keypoints outside the image: clamped onto its edge and written not visible (v = 0). */
  clamped: KeypointName[];
  /** Keypoints the record lacks (a partial label): `0 0 0`. */
  missing: KeypointName[];
}

/**
 * One YOLO-pose label line for a record, normalised as Ultralytics' verify_image_label requires
 * (every coordinate within [0, 1]; it drops an image whose label has one above 1.01 or below
 * −0.01 as corrupt). Keypoints inside the image are v = 2 (labelled, visible); outside it they
 * are clamped to the edge and v = 0, which Ultralytics' pose loss ignores; missing ones are 0 0 0.
 * The box is clipped to the image.
 */
export function yoloPoseLabel(record: LabelRecord): Result<YoloPoseLabel> {
  const [w, h] = record.image_size;
  if (!(w > 0 && h > 0))
    return err('INVALID_ARGUMENT', `image_size ${JSON.stringify(record.image_size)} is not a size`);
  const box = dialBox(record);
  if (!box) return err('INVALID_ARGUMENT', 'no dial box: fewer than two keypoints, or none of the dial in the image');
  const [bx, by, bw, bh] = box;
  const clamped: KeypointName[] = [];
  const missing: KeypointName[] = [];
  const kpts = KEYPOINT_NAMES.flatMap((n) => {
    const p = (record.coords_norm as Partial<Keypoints>)[n];
    if (!pixel(record, n) || !p) {
      missing.push(n);
      return ['0', '0', '0'];
    }
    if (inside(p[0], p[1])) return [f6(p[0]), f6(p[1]), '2'];
    clamped.push(n);
    return [f6(clamp01(p[0])), f6(clamp01(p[1])), '0'];
  });
  const boxNorm = [(bx + bw / 2) / w, (by + bh / 2) / h, bw / w, bh / h].map((v) => f6(clamp01(v)));
  return ok({ line: ['0', ...boxNorm, ...kpts].join(' '), clamped, missing });
}

export function fromYoloPoseLine(
  line: string,
): { box: [number, number, number, number]; coords: Partial<Keypoints>; visibility: number[] } | null {
  const v = line.trim().split(/\s+/).map(Number);
  if (v.length !== 5 + 3 * KEYPOINT_NAMES.length || v.some((x) => !Number.isFinite(x))) return null;
  const coords: Partial<Keypoints> = {};
  const visibility: number[] = [];
  KEYPOINT_NAMES.forEach((n, k) => {
    const vis = v[7 + 3 * k] as number;
    visibility.push(vis);
    if (vis > 0) coords[n] = [v[5 + 3 * k] as number, v[6 + 3 * k] as number];
  });
  return { box: [v[1], v[2], v[3], v[4]] as [number, number, number, number], coords, visibility };
}

/**
 * Image suffixes Ultralytics loads (`IMG_FORMATS` in ultralytics/data/utils.py, the ones every
 * recent release shares); get_img_files silently leaves out any other file.
 */
export const ULTRALYTICS_IMAGE_SUFFIXES: ReadonlySet<string> = new Set([
  'bmp',
  'dng',
  'heic',
  'jpeg',
  'jpg',
  'mpo',
  'png',
  'tif',
  'tiff',
  'webp',
]);

export type Split = 'train' | 'val';

/** FNV-1a, 32 bits: a stable order of watch IDs for a seed. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * A train/val split by watch ID, so no watch has photos on both sides (photos of one watch are
 * near duplicates; split by image, validation would measure memory). round(n × valFraction)
 * watches go to val (at least one, and at least one stays in train), chosen by a seeded hash of
 * each ID: the same seed and IDs give the same split on every machine.
 */
export function splitByWatch(
  watchIds: Iterable<string>,
  valFraction: number,
  seed: number,
): Result<{ train: string[]; val: string[] }> {
  if (!(valFraction > 0 && valFraction < 1)) {
    return err('INVALID_ARGUMENT', `the validation fraction must be between 0 and 1 (exclusive), not ${valFraction}`);
  }
  const ids = [...new Set(watchIds)].sort();
  if (ids.length < 2) {
    return err(
      'INVALID_ARGUMENT',
      `a train/val split by watch ID needs at least two watch IDs; these labels have ${ids.length}${ids.length ? ` (${ids[0]})` : ''}`,
      { watchIds: ids },
    );
  }
  const k = Math.min(ids.length - 1, Math.max(1, Math.round(ids.length * valFraction)));
  const order = ids
    .map((id) => ({ id, h: fnv1a(`${seed}\u0000${id}`) }))
    .sort((a, b) => a.h - b.h || (a.id < b.id ? -1 : 1));
  const val = new Set(order.slice(0, k).map((o) => o.id));
  return ok({ train: ids.filter((id) => !val.has(id)), val: ids.filter((id) => val.has(id)) });
}

/**
 * Ultralytics dataset yaml for the export. `path` is the dataset root (absolute: Ultralytics
 * resolves a relative one against the working directory, then its datasets folder);
 * train and val are relative to it, and each image's label is found by img2label_paths, which
 * swaps the last `/images/` of its path for `/labels/`.
 */
export function yoloDatasetYaml(root: string): string {
  return `# Watch-dial keypoints exported by Loupe for Ultralytics YOLO-pose training:
#   yolo pose train data=${root.includes(' ') ? JSON.stringify(`${root}/dataset.yaml`) : `${root}/dataset.yaml`}
# Split by watch ID (no watch in both). After moving this folder, update path (or delete the
# line: Ultralytics then uses this file's folder).
path: ${JSON.stringify(root)}
train: images/train
val: images/val

# Keypoints: top (12 o'clock), bottom (6), left (9), right (3), center; x, y, visibility
kpt_shape: [${KEYPOINT_NAMES.length}, 3]
# A horizontal flip swaps left and right. Leave flipud at 0: a vertical flip of a dial is no dial.
flip_idx: [${FLIP_IDX.join(', ')}]
kpt_names:
  0: [${KEYPOINT_NAMES.join(', ')}]
# OKS sigmas for the pose validator (see docs/retraining.md)
kpt_oks_sigmas: [${KPT_OKS_SIGMAS.join(', ')}]

names:
  0: dial
`;
}

export interface YoloExportItem {
  imageKey: string;
  record: LabelRecord;
  watchId: string;
  /** Where the image is, or null when it could not be found. */
  imagePath: string | null;
}

export interface YoloExportFile {
  split: Split;
  watchId: string;
  imageKey: string;
  /** The image's file name inside images/<split>/. */
  imageName: string;
  source: string;
  /** The label's file name inside labels/<split>/: the image's stem + .txt. */
  labelName: string;
  label: string;
}

export interface YoloExportPlan {
  files: YoloExportFile[];
  skipped: { imageKey: string; reason: string }[];
  /** Keypoints that were clamped or missing, per image. */
  notes: { imageKey: string; message: string }[];
  train: string[];
  val: string[];
}

/**
 * What a YOLO-pose export writes: each usable image in the split of its watch, its label line,
 * and the images left out with the reason (no image file, a suffix Ultralytics does not load, two
 * images whose labels would share a name, no dial box).
 */
export function planYoloPoseExport(
  items: readonly YoloExportItem[],
  options: { valFraction: number; seed: number },
): Result<YoloExportPlan> {
  const skipped: YoloExportPlan['skipped'] = [];
  const notes: YoloExportPlan['notes'] = [];
  const usable: Omit<YoloExportFile, 'split'>[] = [];
  // Label names are the image stem (img2label_paths); compared without case for case-insensitive disks.
  const stems = new Map<string, string>();
  for (const item of [...items].sort((a, b) => (a.imageKey < b.imageKey ? -1 : a.imageKey > b.imageKey ? 1 : 0))) {
    if (!item.imagePath) {
      skipped.push({ imageKey: item.imageKey, reason: `image ${item.record.full_image_name} not found` });
      continue;
    }
    const imageName = item.record.full_image_name.split(/[\\/]/).pop() ?? '';
    const dot = imageName.lastIndexOf('.');
    const suffix = dot > 0 ? imageName.slice(dot + 1).toLowerCase() : '';
    if (!ULTRALYTICS_IMAGE_SUFFIXES.has(suffix)) {
      skipped.push({
        imageKey: item.imageKey,
        reason: `${imageName}: Ultralytics does not load .${suffix || '(no suffix)'} images`,
      });
      continue;
    }
    const stem = imageName.slice(0, dot);
    const clash = stems.get(stem.toLowerCase());
    if (clash !== undefined) {
      skipped.push({
        imageKey: item.imageKey,
        reason: `${imageName}: its label would have the same name as ${clash}'s`,
      });
      continue;
    }
    const label = yoloPoseLabel(item.record);
    if (!label.ok) {
      skipped.push({ imageKey: item.imageKey, reason: label.error.message });
      continue;
    }
    stems.set(stem.toLowerCase(), imageName);
    if (label.value.clamped.length) {
      notes.push({
        imageKey: item.imageKey,
        message: `${label.value.clamped.join(', ')} outside the image: clamped to its edge, not visible (v=0)`,
      });
    }
    if (label.value.missing.length) {
      notes.push({ imageKey: item.imageKey, message: `${label.value.missing.join(', ')} not labelled (0 0 0)` });
    }
    usable.push({
      watchId: item.watchId,
      imageKey: item.imageKey,
      imageName,
      source: item.imagePath,
      labelName: `${stem}.txt`,
      label: `${label.value.line}\n`,
    });
  }
  const split = splitByWatch(
    usable.map((u) => u.watchId),
    options.valFraction,
    options.seed,
  );
  if (!split.ok) return split;
  const val = new Set(split.value.val);
  return ok({
    files: usable.map((u) => ({ ...u, split: val.has(u.watchId) ? 'val' : 'train' })),
    skipped,
    notes,
    train: split.value.train,
    val: split.value.val,
  });
}
