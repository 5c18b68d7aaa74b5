import { describe, expect, it } from 'vitest';
import { dialDiameter, dialEllipse, toNormalised, toPixels } from '../../../src/core/geometry/dial';
import { designRecord } from '../../fixtures/labels';

describe('dial geometry', () => {
  it('converts normalised keypoints to pixels and back', () => {
    const r = designRecord();
    const px = toPixels(r.coords_norm, r.image_size);
    expect(px.top).toEqual([0.442 * 2228, 0.184 * 2066]);
    const back = toNormalised(px, r.image_size);
    for (const n of ['top', 'bottom', 'left', 'right', 'center'] as const) {
      expect(back[n][0]).toBeCloseTo(r.coords_norm[n][0], 12);
      expect(back[n][1]).toBeCloseTo(r.coords_norm[n][1], 12);
    }
  });

  it('draws a circle through a frontal dial’s rim points', () => {
    const k = { top: [50, 10], bottom: [50, 90], left: [10, 50], right: [90, 50], center: [50, 50] } as const;
    const ring = dialEllipse(k, 36);
    expect(ring).toHaveLength(36);
    for (const [x, y] of ring) expect(Math.hypot(x - 50, y - 50)).toBeCloseTo(40, 9);
    expect(ring[0]).toEqual([50, 10]); // t = 0 is 12 o'clock
    expect(dialDiameter(k)).toBe(80);
  });

  it('passes through all four rim points of a tilted dial', () => {
    const k = { top: [120, 30], bottom: [80, 170], left: [20, 90], right: [180, 110], center: [100, 100] } as const;
    const ring = dialEllipse(k, 4);
    // Conjugate diameters meet the rim at the keypoints when they are symmetric about the centre.
    expect(ring[0]).toEqual([120, 30]);
    expect(ring[1]).toEqual([180, 110]);
    expect(ring[2]![0]).toBeCloseTo(80, 9);
    expect(ring[2]![1]).toBeCloseTo(170, 9);
    expect(ring[3]![0]).toBeCloseTo(20, 9);
  });
});
