import { describe, expect, it } from 'vitest';
import { area, clipConvex, isConvex, obbCorners, polygonIou } from '../../../src/core/geometry/polygon';

describe('polygons', () => {
  const square: [number, number][] = [
    [0, 0],
    [10, 0],
    [10, 10],
    [0, 10],
  ];
  it('measures area and convexity', () => {
    expect(area(square)).toBe(100);
    expect(isConvex(square)).toBe(true);
    expect(
      isConvex([
        [0, 0],
        [10, 0],
        [2, 2],
        [0, 10],
      ]),
    ).toBe(false);
    expect(
      isConvex([
        [0, 0],
        [5, 0],
        [10, 0],
        [0, 10],
      ]),
    ).toBe(false); // collinear: degenerate
  });
  it('clips and intersects convex polygons', () => {
    const shifted = square.map(([x, y]) => [x + 5, y + 5] as [number, number]);
    expect(area(clipConvex(square, shifted))).toBeCloseTo(25);
    expect(polygonIou(square, shifted)).toBeCloseTo(25 / 175);
    expect(polygonIou(square, square)).toBeCloseTo(1);
  });
  it('builds rotated rectangles', () => {
    const c = obbCorners(0, 0, 4, 2, Math.PI / 2);
    expect(c[0]?.[0]).toBeCloseTo(1);
    expect(c[0]?.[1]).toBeCloseTo(-2);
    expect(area(c)).toBeCloseTo(8);
  });
});
