import { describe, expect, it } from 'vitest';
import type { Keypoints } from '../../../src/shared/labels';
import {
  activeDial,
  dialAt,
  dialEntry,
  dialRecord,
  dialsOf,
  distinctDials,
  MAX_DIALS,
  type DialInfo,
} from '../../../src/core/keypoints/dials';
import { keypointsFromBox, type PipelineResult } from '../../../src/core/keypoints/pipeline';

/** A dial's five points: a frontal dial filling the box [x1, y1, x2, y2] (normalised). */
function dialPoints(x1: number, y1: number, x2: number, y2: number): Keypoints {
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  return { top: [cx, y1], bottom: [cx, y2], left: [x1, cy], right: [x2, cy], center: [cx, cy] };
}

const dial = (box: DialInfo['box_norm'], score: number): DialInfo => ({
  box_norm: box,
  score,
  tier: 'pipeline-fallback',
  method: 'pose',
  confidence: score,
  coords_norm: dialPoints(...box),
  template_key: null,
});

const LEFT = dial([0.05, 0.1, 0.45, 0.9], 0.9);
const RIGHT = dial([0.55, 0.1, 0.95, 0.9], 0.8);

describe('several dials', () => {
  it('stores a detection normalised to the image, with its own prediction', () => {
    const det = { box: [100, 50, 300, 250] as [number, number, number, number], score: 0.87654, cls: 0 };
    const points = keypointsFromBox(det);
    const result = {
      tier: 'full',
      method: 'homography',
      coords: dialPoints(0.25, 0.125, 0.75, 0.625),
      confidence: 0.71,
      debug: { method: 'YOLO-Match-Homography', template_key: 'A_b_001_01' },
    } as unknown as PipelineResult;
    expect(points.center).toEqual([200, 150]);
    expect(dialEntry(det, result, [400, 400])).toEqual({
      box_norm: [0.25, 0.125, 0.75, 0.625],
      score: 0.877,
      tier: 'full',
      method: 'YOLO-Match-Homography',
      confidence: 0.71,
      coords_norm: dialPoints(0.25, 0.125, 0.75, 0.625),
      template_key: 'A_b_001_01',
    });
  });

  it('reads the dials of a record, none for one dial, an old record or a hand-broken list', () => {
    expect(dialsOf({ debug_info: { detections: [LEFT, RIGHT] } })).toEqual([LEFT, RIGHT]);
    expect(dialsOf({ debug_info: { detections: [LEFT] } })).toEqual([]);
    expect(dialsOf({ debug_info: { yolo_detections: 2 } })).toEqual([]);
    expect(dialsOf({})).toEqual([]);
    expect(dialsOf(null)).toEqual([]);
    // A malformed entry is left out; what is left is one dial: nothing to switch.
    expect(dialsOf({ debug_info: { detections: [LEFT, { ...RIGHT, box_norm: [1, 2] }] } })).toEqual([]);
    expect(dialsOf({ debug_info: { detections: [LEFT, { ...RIGHT, coords_norm: { top: [0, 0] } }] } })).toEqual([]);
    // An unknown tier reads as a fallback, missing extras as defaults.
    const bare = { box_norm: RIGHT.box_norm, score: 0.5, coords_norm: RIGHT.coords_norm };
    expect(dialsOf({ debug_info: { detections: [LEFT, bare] } })[1]).toEqual({
      ...bare,
      tier: 'pipeline-fallback',
      method: '',
      confidence: 0,
      template_key: null,
    });
  });

  it('tells which dial points are on, even after a nudge, in image proportions', () => {
    expect(activeDial([LEFT, RIGHT], LEFT.coords_norm)).toBe(0);
    const nudged = { ...RIGHT.coords_norm, top: [RIGHT.coords_norm.top[0] - 0.2, 0.3] as [number, number] };
    expect(activeDial([LEFT, RIGHT], nudged)).toBe(1);
    expect(activeDial([], LEFT.coords_norm)).toBe(-1);
  });

  it('finds the dial under a click, the smaller box when they overlap, none outside', () => {
    const inner = dial([0.6, 0.3, 0.8, 0.5], 0.5);
    expect(dialAt([LEFT, RIGHT], [0.2, 0.5])).toBe(0);
    expect(dialAt([LEFT, RIGHT], [0.7, 0.5])).toBe(1);
    expect(dialAt([LEFT, RIGHT], [0.5, 0.5])).toBe(-1);
    expect(dialAt([LEFT, RIGHT, inner], [0.7, 0.4])).toBe(2);
  });

  it('starts a review of another dial from that dial’s prediction: points, tier suffix, confidence', () => {
    const record = {
      image_size: [800, 400] as [number, number],
      coords_norm: LEFT.coords_norm,
      full_image_name: 'A_b_001_01.jpg',
      annotator: 'loupe-dial-v1',
      confidence: 0.9,
      debug_info: { detections: [LEFT, RIGHT] },
    };
    expect(dialRecord(record, 1)).toEqual({
      ...record,
      coords_norm: RIGHT.coords_norm,
      annotator: 'loupe-dial-v1-pipeline-fallback',
      confidence: 0.8,
    });
    expect(dialRecord({ ...record, annotator: 'm-pipeline-fallback' }, 1).annotator).toBe('m-pipeline-fallback');
    expect(dialRecord({ ...record, debug_info: { detections: [LEFT, { ...RIGHT, tier: 'full' }] } }, 1).annotator).toBe(
      'loupe-dial-v1',
    );
    expect(dialRecord(record, 0)).toBe(record);
    expect(dialRecord(record, 5)).toBe(record);
  });

  it('counts a second watch as a dial, not the first dial’s face inside its bezel nor a speck', () => {
    const det = (box: [number, number, number, number], score: number) => ({ box, score });
    const casio = det([220, 330, 400, 440], 0.83);
    const timex = det([650, 430, 820, 540], 0.66);
    expect(distinctDials([casio, timex])).toEqual([casio, timex]);
    // The clock's inner face, inside the whole clock's box (akucia_example-1): the same dial.
    const clock = det([0, 30, 870, 920], 0.69);
    expect(distinctDials([clock, det([40, 60, 700, 870], 0.46)])).toEqual([clock]);
    // A crown beside the watch, under a tenth of its area (akucia_test-image-2): no dial.
    const watch = det([10, 240, 800, 900], 0.86);
    expect(distinctDials([watch, det([820, 250, 890, 310], 0.45)])).toEqual([watch]);
    // Overlapping a little (watches side by side, straps touching) is still two.
    const right = det([380, 330, 560, 440], 0.7);
    expect(distinctDials([casio, right])).toEqual([casio, right]);
    expect(distinctDials([])).toEqual([]);
    const many = Array.from({ length: 12 }, (_, i) => det([i * 100, 0, i * 100 + 90, 90], 0.9 - i * 0.01));
    expect(distinctDials(many)).toHaveLength(MAX_DIALS);
  });
});
