import { describe, expect, it } from 'vitest';
import { compose, homographyFrom4, project, type Homography } from '../../../src/core/geometry/homography';
import { highPass, invert3, warpedNcc } from '../../../src/core/match/verify';

describe('homography maths', () => {
  const H: Homography = [1.2, 0.1, 30, -0.05, 0.9, 12, 0.0004, -0.0002, 1];
  it('solves the four-point homography exactly', () => {
    const src: [number, number][] = [
      [0, 0],
      [100, 0],
      [100, 80],
      [0, 80],
    ];
    const fit = homographyFrom4(
      src,
      src.map((p) => project(H, p)),
    );
    expect(fit).not.toBeNull();
    for (const p of [
      [50, 40],
      [10, 70],
    ] as [number, number][]) {
      expect(project(fit!, p)[0]).toBeCloseTo(project(H, p)[0], 6);
      expect(project(fit!, p)[1]).toBeCloseTo(project(H, p)[1], 6);
    }
    expect(homographyFrom4(src, [src[0]!, src[0]!, src[0]!, src[0]!])).toBeNull();
  });

  it('composes and inverts', () => {
    const inv = invert3(H)!;
    const p = project(compose(inv, H), [37, 21]);
    expect(p[0]).toBeCloseTo(37, 9);
    expect(p[1]).toBeCloseTo(21, 9);
    expect(invert3([1, 2, 3, 2, 4, 6, 0, 0, 0])).toBeNull();
  });
});

describe('photometric check', () => {
  const img = (f: (x: number, y: number) => number, w = 120, h = 100) => ({
    data: Uint8Array.from({ length: w * h }, (_, i) => f(i % w, Math.floor(i / w))),
    width: w,
    height: h,
  });
  const pattern = img((x, y) => (Math.sin(x / 5) * 60 + Math.cos(y / 7) * 60 + 128) | 0);
  it('correlates an image with itself under the identity, not under a shift', () => {
    const I: Homography = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    expect(warpedNcc(pattern, pattern, I)).toBeCloseTo(1, 3);
    expect(warpedNcc(pattern, pattern, [1, 0, 16, 0, 1, 0, 0, 0, 1])).toBeLessThan(0.5);
    expect(warpedNcc(pattern, pattern, [1, 0, 500, 0, 1, 0, 0, 0, 1])).toBe(-1); // no overlap
  });
  it('keeps detail and drops shading in the high-pass image', () => {
    const shaded = img((x) => x * 2);
    const hp = highPass(shaded);
    expect(hp.data[50 * 120 + 60]).toBe(128); // a linear ramp has no local detail
    const dot = img((x, y) => (x === 60 && y === 50 ? 255 : 0));
    expect(highPass(dot).data[50 * 120 + 60]).toBe(255);
  });
});
