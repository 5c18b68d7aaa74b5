import { describe, expect, it } from 'vitest';
import {
  dialBox,
  fromCoco,
  fromYoloPoseLine,
  toCoco,
  toYoloPoseLine,
  yoloDatasetYaml,
} from '../../../src/core/formats/retraining';
import { designRecord } from '../../fixtures/labels';

describe('COCO keypoints and YOLO-pose', () => {
  const record = designRecord();

  it('derives the dial box from the keypoints, clipped to the image', () => {
    const [x, , w, h] = dialBox(record);
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x + w).toBeLessThanOrEqual(2228);
    expect(w).toBeGreaterThan((0.841 - 0.163) * 2228);
    expect(h).toBeGreaterThan((0.736 - 0.184) * 2066);
  });

  it('round-trips COCO', () => {
    const coco = toCoco([{ imageKey: 'PATEK_nab_001_03', record }], '2026-11-22');
    expect(coco.categories[0]).toMatchObject({
      name: 'dial',
      keypoints: ['top', 'bottom', 'left', 'right', 'center'],
      skeleton: [
        [1, 2],
        [3, 4],
      ],
    });
    expect(coco.annotations[0]).toMatchObject({ num_keypoints: 5, iscrowd: 0, category_id: 1 });
    expect(coco.annotations[0]?.keypoints.slice(0, 3)).toEqual([984.776, 380.144, 2]);
    const back = fromCoco(JSON.parse(JSON.stringify(coco)));
    const got = back.get('PATEK_nab_001_03_tiltface_q1.jpg');
    expect(got?.size).toEqual([2228, 2066]);
    for (const n of ['top', 'bottom', 'left', 'right', 'center'] as const) {
      expect(got?.coords[n][0]).toBeCloseTo(record.coords_norm[n][0], 5);
      expect(got?.coords[n][1]).toBeCloseTo(record.coords_norm[n][1], 5);
    }
  });

  it('round-trips YOLO-pose lines and writes a dataset yaml with flip_idx', () => {
    const line = toYoloPoseLine(record);
    expect(line.startsWith('0 ')).toBe(true);
    expect(line.split(' ')).toHaveLength(20);
    const back = fromYoloPoseLine(line);
    expect(back?.coords.right).toEqual([0.841, 0.434]);
    expect(back?.box[0]).toBeGreaterThan(0.4);
    expect(fromYoloPoseLine('0 1 2')).toBeNull();
    expect(yoloDatasetYaml('/data/x')).toContain('flip_idx: [0, 1, 3, 2, 4]');
  });
});
