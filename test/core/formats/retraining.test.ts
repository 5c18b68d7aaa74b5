import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { LabelRecord } from '../../../src/shared/labels';
import {
  dialArea,
  dialBox,
  fromCoco,
  fromYoloPoseLine,
  KPT_OKS_SIGMAS,
  planYoloPoseExport,
  splitByWatch,
  toCoco,
  yoloDatasetYaml,
  yoloPoseLabel,
  type YoloExportItem,
} from '../../../src/core/formats/retraining';
import { designRecord } from '../../fixtures/labels';

const record = designRecord();
/** A frontal dial 1000 px across in a 2000 × 1500 photo. */
const frontal = (): LabelRecord => ({
  ...designRecord(),
  image_size: [2000, 1500],
  coords_norm: {
    top: [0.5, 0.2],
    bottom: [0.5, 0.8667],
    left: [0.25, 0.5333],
    right: [0.75, 0.5333],
    center: [0.5, 0.5333],
  },
});
/** The right keypoint 5 % of the width outside the image, as a tilted photo's dial edge can be. */
const offEdge = (): LabelRecord => ({
  ...designRecord(),
  coords_norm: { ...designRecord().coords_norm, right: [1.05, 0.434] },
});

describe('dial box', () => {
  it('is the keypoints’ box grown by a margin, clipped to the image; none without two points', () => {
    const [x, , w, h] = dialBox(record) as number[] as [number, number, number, number];
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x + w).toBeLessThanOrEqual(2228);
    expect(w).toBeGreaterThan((0.841 - 0.163) * 2228);
    expect(h).toBeGreaterThan((0.736 - 0.184) * 2066);
    const [bx, , bw] = dialBox(offEdge()) as number[] as [number, number, number, number];
    expect(bx + bw).toBe(2228);
    const one = { ...record, coords_norm: { center: [0.5, 0.5] } } as unknown as LabelRecord;
    expect(dialBox(one)).toBeNull();
    const outside = { ...record, coords_norm: { top: [1.2, 0.1], center: [1.3, 0.2] } } as unknown as LabelRecord;
    expect(dialBox(outside)).toBeNull();
  });
});

describe('COCO keypoints', () => {
  it('writes info, licenses, the dial category with kpt_oks_sigmas, and round-trips', () => {
    const { coco, skipped } = toCoco([{ imageKey: 'PATEK_nab_001_03', record }], { now: '2026-11-22T10:00:00.000Z' });
    expect(skipped).toEqual([]);
    expect(coco.info).toEqual({
      year: 2026,
      version: '1.0',
      description: 'Watch-dial keypoints (top, bottom, left, right, center) exported by Loupe',
      contributor: 'Loupe',
      url: '',
      date_created: '2026-11-22T10:00:00.000Z',
    });
    expect(coco.licenses).toEqual([{ id: 1, name: 'unspecified', url: '' }]);
    expect(coco.images[0]).toMatchObject({ id: 1, license: 1, width: 2228, height: 2066 });
    expect(coco.categories[0]).toMatchObject({
      name: 'dial',
      keypoints: ['top', 'bottom', 'left', 'right', 'center'],
      skeleton: [
        [1, 2],
        [3, 4],
      ],
      kpt_oks_sigmas: [0.0144, 0.0144, 0.0144, 0.0144, 0.0096],
    });
    expect(coco.annotations[0]).toMatchObject({ num_keypoints: 5, iscrowd: 0, category_id: 1 });
    expect(coco.annotations[0]?.keypoints.slice(0, 3)).toEqual([984.776, 380.144, 2]);
    const back = fromCoco(JSON.parse(JSON.stringify(coco)));
    const got = back.get('PATEK_nab_001_03_tiltface_q1.jpg');
    expect(got?.size).toEqual([2228, 2066]);
    for (const n of ['top', 'bottom', 'left', 'right', 'center'] as const) {
      expect(got?.coords[n]?.[0]).toBeCloseTo(record.coords_norm[n][0], 5);
      expect(got?.coords[n]?.[1]).toBeCloseTo(record.coords_norm[n][1], 5);
    }
  });

  it('writes keypoints outside the image as unlabelled (0, 0, 0) and skips records without a dial box', () => {
    const one = { ...record, coords_norm: { center: [0.5, 0.5] } } as unknown as LabelRecord;
    const { coco, skipped } = toCoco(
      [
        { imageKey: 'a', record: offEdge() },
        { imageKey: 'b', record: one },
      ],
      { now: '2026-01-01T00:00:00Z' },
    );
    expect(coco.annotations[0]?.keypoints.slice(9, 12)).toEqual([0, 0, 0]);
    expect(coco.annotations[0]?.num_keypoints).toBe(4);
    expect(skipped).toEqual([{ imageKey: 'b', reason: expect.stringMatching(/no dial box/) }]);
    expect(fromCoco(coco).get(record.full_image_name)?.coords.right).toBeUndefined();
  });

  it('documents sigmas that score OKS 0.5 at 3 % (rim) and 2 % (centre) of the dial diameter, with pycocotools’ formula', () => {
    const r = frontal();
    const box = dialBox(r) as number[];
    const area = dialArea(r, box);
    expect(area).toBeCloseTo((Math.PI / 4) * 1000 * 1000, -3);
    // pycocotools COCOeval.computeOks: e = d² / (2σ)² / (area + eps) / 2, OKS = exp(−e).
    const oks = (d: number, sigma: number) => Math.exp(-(d * d) / (2 * sigma) ** 2 / area / 2);
    expect(oks(30, KPT_OKS_SIGMAS[0] as number)).toBeCloseTo(0.5, 1);
    expect(oks(20, KPT_OKS_SIGMAS[4] as number)).toBeCloseTo(0.5, 1);
    // A template fit (under 1 % off) scores high, a pose detector's points (10 % off) near nothing.
    expect(oks(8, KPT_OKS_SIGMAS[0] as number)).toBeGreaterThan(0.9);
    expect(oks(100, KPT_OKS_SIGMAS[0] as number)).toBeLessThan(0.001);
  });
});

describe('YOLO-pose labels', () => {
  it('writes `0 cx cy w h` and x y v per keypoint, everything in [0, 1], and reads back', () => {
    const label = yoloPoseLabel(record);
    if (!label.ok) throw new Error(label.error.message);
    const cols = label.value.line.split(' ');
    expect(cols).toHaveLength(20);
    expect(cols[0]).toBe('0');
    const coords = cols.slice(1).filter((_, i) => i < 4 || (i - 4) % 3 !== 2);
    expect(coords.every((v) => Number(v) >= 0 && Number(v) <= 1)).toBe(true);
    const back = fromYoloPoseLine(label.value.line);
    expect(back?.coords.right).toEqual([0.841, 0.434]);
    expect(back?.visibility).toEqual([2, 2, 2, 2, 2]);
    expect(back?.box[0]).toBeGreaterThan(0.4);
    expect(fromYoloPoseLine('0 1 2')).toBeNull();
  });

  it('clamps keypoints outside the image onto its edge and marks them not visible; the box is clipped', () => {
    const label = yoloPoseLabel(offEdge());
    if (!label.ok) throw new Error(label.error.message);
    expect(label.value.clamped).toEqual(['right']);
    const v = label.value.line.split(' ').map(Number);
    // right is the fourth keypoint: columns 14, 15, 16.
    expect(v.slice(14, 17)).toEqual([1, 0.434, 0]);
    const [cx, , w] = v.slice(1, 4) as [number, number, number];
    expect(cx + w / 2).toBeCloseTo(1, 6);
    // On main the point went out as 1.05, which Ultralytics' verify_image_label drops as corrupt.
    expect(Math.max(...v.filter((_, i) => i === 0 || i < 5 || (i - 5) % 3 !== 2))).toBeLessThanOrEqual(1);
  });

  it('writes a partial label’s missing keypoints as 0 0 0 and refuses a record without a box', () => {
    const partial = { ...record, coords_norm: { top: [0.5, 0.2], center: [0.5, 0.5] } } as unknown as LabelRecord;
    const label = yoloPoseLabel(partial);
    expect(label.ok && label.value.missing).toEqual(['bottom', 'left', 'right']);
    expect(label.ok && label.value.line.split(' ').slice(8, 11)).toEqual(['0', '0', '0']);
    expect(yoloPoseLabel({ ...record, coords_norm: {} } as unknown as LabelRecord).ok).toBe(false);
  });
});

describe('split by watch ID', () => {
  const watches = Array.from({ length: 20 }, (_, i) => `BRAND_m_${String(i).padStart(3, '0')}`);

  it('puts a seeded fraction of the watches in val, none in both, the same on every run', () => {
    const a = splitByWatch([...watches, ...watches], 0.2, 7);
    if (!a.ok) throw new Error(a.error.message);
    expect(a.value.val).toHaveLength(4);
    expect(a.value.train).toHaveLength(16);
    expect(a.value.val.filter((w) => a.value.train.includes(w))).toEqual([]);
    expect(splitByWatch([...watches].reverse(), 0.2, 7)).toEqual(a);
    const b = splitByWatch(watches, 0.2, 8);
    expect(b.ok && b.value.val).not.toEqual(a.value.val);
  });

  it('keeps at least one watch on each side and refuses what cannot be split', () => {
    expect(splitByWatch(['A', 'B'], 0.01, 0)).toMatchObject({ ok: true, value: { train: [expect.any(String)] } });
    expect(splitByWatch(['A', 'B'], 0.99, 0)).toMatchObject({ ok: true, value: { val: [expect.any(String)] } });
    const one = splitByWatch(['A', 'A'], 0.2, 0);
    expect(!one.ok && one.error.message).toMatch(/at least two watch IDs; these labels have 1 \(A\)/);
    expect(splitByWatch(watches, 0, 0).ok).toBe(false);
    expect(splitByWatch(watches, 1, 0).ok).toBe(false);
  });
});

describe('YOLO-pose export plan and dataset.yaml', () => {
  const item = (key: string, watch: string, name: string, path: string | null = `/img/${name}`): YoloExportItem => ({
    imageKey: key,
    watchId: watch,
    imagePath: path,
    record: { ...designRecord(), full_image_name: name },
  });

  it('places each image in its watch’s split and says why any is left out', () => {
    const plan = planYoloPoseExport(
      [
        item('A_1', 'A', 'A_1.jpg'),
        item('A_2', 'A', 'A_2.JPG'),
        item('B_1', 'B', 'B_1.png'),
        item('C_1', 'C', 'C_1.jpg', null),
        item('C_2', 'C', 'C_2.gif'),
        item('D_1', 'D', 'A_1.png'),
      ],
      { valFraction: 0.5, seed: 0 },
    );
    if (!plan.ok) throw new Error(plan.error.message);
    expect(plan.value.files.map((f) => [f.imageKey, f.imageName, f.labelName])).toEqual([
      ['A_1', 'A_1.jpg', 'A_1.txt'],
      ['A_2', 'A_2.JPG', 'A_2.txt'],
      ['B_1', 'B_1.png', 'B_1.txt'],
    ]);
    const splitOf = new Map(plan.value.files.map((f) => [f.watchId, f.split]));
    expect(new Set(plan.value.files.filter((f) => f.watchId === 'A').map((f) => f.split)).size).toBe(1);
    expect([...splitOf.values()].sort()).toEqual(['train', 'val']);
    expect(plan.value.skipped).toEqual([
      { imageKey: 'C_1', reason: 'image C_1.jpg not found' },
      { imageKey: 'C_2', reason: 'C_2.gif: Ultralytics does not load .gif images' },
      { imageKey: 'D_1', reason: "A_1.png: its label would have the same name as A_1.jpg's" },
    ]);
  });

  it('writes the yaml Ultralytics reads: path, train, val, kpt_shape, flip_idx, names, kpt_names, kpt_oks_sigmas', () => {
    const yaml = parseYaml(yoloDatasetYaml('/data/my export')) as Record<string, unknown>;
    expect(yaml).toEqual({
      path: '/data/my export',
      train: 'images/train',
      val: 'images/val',
      kpt_shape: [5, 3],
      flip_idx: [0, 1, 3, 2, 4],
      kpt_names: { 0: ['top', 'bottom', 'left', 'right', 'center'] },
      kpt_oks_sigmas: [0.0144, 0.0144, 0.0144, 0.0144, 0.0096],
      names: { 0: 'dial' },
    });
  });
});
