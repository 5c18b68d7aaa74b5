import { KEYPOINT_NAMES, type Keypoints, type LabelRecord } from '../../shared/labels';

/**
 * Exports for retraining a keypoint model: COCO keypoints (one JSON) and Ultralytics YOLO-pose
 * (one txt per image plus a dataset yaml). The dial box is the keypoints' bounding box grown by a
 * margin, since top/bottom/left/right lie on the dial's edge.
 */

export const BOX_MARGIN = 0.08;
/** Horizontal flip swaps left and right: Ultralytics' flip_idx. */
export const FLIP_IDX = [0, 1, 3, 2, 4];
/** COCO skeleton (1-based): 12–6 and 9–3. */
export const SKELETON = [
  [1, 2],
  [3, 4],
];

export interface LabelledImage {
  imageKey: string;
  record: LabelRecord;
}

/** The dial box in pixels [x, y, w, h] from the keypoints, clipped to the image. */
export function dialBox(record: LabelRecord): [number, number, number, number] {
  const [w, h] = record.image_size;
  const xs = KEYPOINT_NAMES.map((n) => record.coords_norm[n][0] * w);
  const ys = KEYPOINT_NAMES.map((n) => record.coords_norm[n][1] * h);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const mx = (x1 - x0) * BOX_MARGIN;
  const my = (y1 - y0) * BOX_MARGIN;
  const left = Math.max(0, x0 - mx);
  const top = Math.max(0, y0 - my);
  const right = Math.min(w, x1 + mx);
  const bottom = Math.min(h, y1 + my);
  return [left, top, right - left, bottom - top];
}

export interface CocoKeypoints {
  info: { description: string; version: string; date_created: string };
  images: { id: number; file_name: string; width: number; height: number }[];
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
  categories: { id: number; name: string; supercategory: string; keypoints: string[]; skeleton: number[][] }[];
}

const round = (v: number): number => Math.round(v * 1000) / 1000;

export function toCoco(items: readonly LabelledImage[], now: string): CocoKeypoints {
  const coco: CocoKeypoints = {
    info: { description: 'Loupe dial keypoints', version: '1.0', date_created: now },
    images: [],
    annotations: [],
    categories: [{ id: 1, name: 'dial', supercategory: 'watch', keypoints: [...KEYPOINT_NAMES], skeleton: SKELETON }],
  };
  items.forEach(({ record }, i) => {
    const [w, h] = record.image_size;
    coco.images.push({ id: i + 1, file_name: record.full_image_name, width: w, height: h });
    const bbox = dialBox(record).map(round);
    coco.annotations.push({
      id: i + 1,
      image_id: i + 1,
      category_id: 1,
      keypoints: KEYPOINT_NAMES.flatMap((n) => [
        round(record.coords_norm[n][0] * w),
        round(record.coords_norm[n][1] * h),
        2,
      ]),
      num_keypoints: KEYPOINT_NAMES.length,
      bbox,
      area: round((bbox[2] as number) * (bbox[3] as number)),
      iscrowd: 0,
    });
  });
  return coco;
}

/** Read a COCO keypoints file back: file name → keypoints (normalised), in the category's order. */
export function fromCoco(coco: CocoKeypoints): Map<string, { size: [number, number]; coords: Keypoints }> {
  const names = coco.categories[0]?.keypoints ?? [...KEYPOINT_NAMES];
  const images = new Map(coco.images.map((i) => [i.id, i]));
  const out = new Map<string, { size: [number, number]; coords: Keypoints }>();
  for (const a of coco.annotations) {
    const img = images.get(a.image_id);
    if (!img) continue;
    const coords = {} as Keypoints;
    names.forEach((n, k) => {
      if ((KEYPOINT_NAMES as readonly string[]).includes(n)) {
        coords[n as keyof Keypoints] = [
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

/** One YOLO-pose label line: `0 cx cy w h x1 y1 v1 …`, all normalised. */
export function toYoloPoseLine(record: LabelRecord): string {
  const [w, h] = record.image_size;
  const [bx, by, bw, bh] = dialBox(record);
  const box = [(bx + bw / 2) / w, (by + bh / 2) / h, bw / w, bh / h].map(f6);
  const kpts = KEYPOINT_NAMES.flatMap((n) => [f6(record.coords_norm[n][0]), f6(record.coords_norm[n][1]), '2']);
  return ['0', ...box, ...kpts].join(' ');
}

export function fromYoloPoseLine(line: string): { box: [number, number, number, number]; coords: Keypoints } | null {
  const v = line.trim().split(/\s+/).map(Number);
  if (v.length !== 5 + 3 * KEYPOINT_NAMES.length || v.some((x) => !Number.isFinite(x))) return null;
  const coords = {} as Keypoints;
  KEYPOINT_NAMES.forEach((n, k) => {
    coords[n] = [v[5 + 3 * k] as number, v[6 + 3 * k] as number];
  });
  return { box: [v[1], v[2], v[3], v[4]] as [number, number, number, number], coords };
}

/** Ultralytics dataset yaml for the exported labels. */
export function yoloDatasetYaml(imagesDir: string): string {
  return `# Loupe dial keypoints, exported for Ultralytics YOLO-pose training
path: ${JSON.stringify(imagesDir)}
train: images
val: images
kpt_shape: [${KEYPOINT_NAMES.length}, 3]
flip_idx: [${FLIP_IDX.join(', ')}]
names:
  0: dial
kpt_names:
  0: [${KEYPOINT_NAMES.join(', ')}]
`;
}
