import { describe, expect, it } from 'vitest';
import { boxIou, decodeYolo, nms, unletterboxDetections } from '../../../src/core/detect/yolo';
import { letterbox } from '../../../src/core/image/letterbox';

/** Build a [1, C, N] head output from per-anchor rows. */
function head(rows: number[][]): { data: Float32Array; dims: number[] } {
  const c = rows[0]!.length;
  const n = rows.length;
  const data = new Float32Array(c * n);
  rows.forEach((r, i) => r.forEach((v, ch) => (data[ch * n + i] = v)));
  return { data, dims: [1, c, n] };
}

describe('decodeYolo', () => {
  it('decodes a pose head: threshold, NMS, keypoints in input pixels', () => {
    const kp = (dx: number) => [10 + dx, 20, 0.9, 30, 40, 0.8, 50, 60, 0.1, 70, 80, 0.95, 90, 100, 0.99];
    const { data, dims } = head([
      [100, 100, 50, 50, 0.9, ...kp(0)],
      [102, 101, 50, 50, 0.8, ...kp(1)], // overlaps the first: suppressed
      [300, 300, 40, 40, 0.6, ...kp(2)],
      [500, 500, 40, 40, 0.1, ...kp(3)], // below threshold
    ]);
    const dets = decodeYolo(data, dims, {
      layout: 'yolo-pose',
      classes: 1,
      kptShape: [5, 3],
      confThreshold: 0.25,
      iouThreshold: 0.7,
    });
    expect(dets).toHaveLength(2);
    expect(dets[0]).toMatchObject({ box: [75, 75, 125, 125], score: expect.closeTo(0.9, 6), cls: 0 });
    expect(dets[0]?.keypoints?.[0]).toEqual({ x: 10, y: 20, v: expect.closeTo(0.9, 6) });
    expect(dets[1]?.box).toEqual([280, 280, 320, 320]);
  });

  it('decodes multi-class detect heads per class', () => {
    const { data, dims } = head([
      [100, 100, 50, 50, 0.9, 0.1],
      [101, 100, 50, 50, 0.2, 0.85], // same place, other class: kept
    ]);
    expect(
      decodeYolo(data, dims, { layout: 'yolo-detect', classes: 2, confThreshold: 0.25, iouThreshold: 0.5 }).map(
        (d) => d.cls,
      ),
    ).toEqual([0, 1]);
    expect(
      decodeYolo(data, dims, {
        layout: 'yolo-detect',
        classes: 2,
        confThreshold: 0.25,
        iouThreshold: 0.5,
        agnostic: true,
      }),
    ).toHaveLength(1);
  });

  it('decodes OBB heads with rotated-box NMS', () => {
    const { data, dims } = head([
      [100, 100, 80, 20, 0.9, Math.PI / 4],
      [100, 100, 80, 20, 0.8, -Math.PI / 4], // crossing at 90°: IoU ≈ 0.14, kept
      [101, 100, 80, 20, 0.7, Math.PI / 4], // near-duplicate: suppressed
    ]);
    const dets = decodeYolo(data, dims, { layout: 'yolo-obb', classes: 1, confThreshold: 0.25, iouThreshold: 0.5 });
    expect(dets).toHaveLength(2);
    expect(dets[0]?.obb?.angle).toBeCloseTo(Math.PI / 4);
    expect(dets[0]?.box[0]).toBeCloseTo(100 - (80 + 20) / 2 / Math.SQRT2, 4);
  });

  it('reads exports with NMS in the graph', () => {
    const rows = [
      [10, 20, 110, 220, 0.95, 0, 15, 25, 0.9, 0, 0, 0.5, 0, 0, 0.5, 0, 0, 0.5, 60, 120, 0.9],
      [0, 0, 0, 0, 0.0, 0, ...new Array(15).fill(0)],
    ];
    const data = Float32Array.from(rows.flat());
    const dets = decodeYolo(data, [1, 2, 21], {
      layout: 'yolo-nms',
      classes: 1,
      kptShape: [5, 3],
      confThreshold: 0.25,
      iouThreshold: 0.7,
    });
    expect(dets).toHaveLength(1);
    expect(dets[0]?.box).toEqual([10, 20, 110, 220]);
    expect(dets[0]?.keypoints?.[4]?.x).toBe(60);
  });

  it('refuses an output that does not fit the layout', () => {
    expect(() =>
      decodeYolo(new Float32Array(20), [1, 5, 4], {
        layout: 'yolo-pose',
        classes: 1,
        kptShape: [5, 3],
        confThreshold: 0.2,
        iouThreshold: 0.7,
      }),
    ).toThrow(/needs 20/);
  });
});

describe('nms and mapping back', () => {
  it('computes IoU and keeps the best of overlapping boxes', () => {
    expect(boxIou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(1 / 3);
    const kept = nms(
      [
        { box: [0, 0, 10, 10], score: 0.5, cls: 0 },
        { box: [1, 0, 11, 10], score: 0.9, cls: 0 },
      ],
      0.5,
    );
    expect(kept.map((d) => d.score)).toEqual([0.9]);
  });

  it('maps detections back through the letterbox', () => {
    const lb = letterbox(1600, 1200, 384, 384);
    const [d] = unletterboxDetections(
      [{ box: [0, 48, 384, 336], score: 1, cls: 0, keypoints: [{ x: 192, y: 192, v: 1 }] }],
      lb,
    );
    expect(d?.box).toEqual([0, 0, 1600, 1200]);
    expect(d?.keypoints?.[0]).toEqual({ x: 800, y: 600, v: 1 });
  });
});
