import { beforeAll, describe, expect, it } from 'vitest';
import { checkDial, project, reprojectionError } from '../../src/core/geometry/homography';
import { ClassicalMatcher, createOpenCvLoader, fitHomography, type Cv } from '../../src/engine/match/opencv';
import { grayTexture, warpAffine } from '../fixtures/texture';

/** Real opencv.js: features on a generated picture, matched against a known warp of it. */
describe('opencv.js matcher and homography', () => {
  let cv: Cv;
  beforeAll(async () => {
    ({ cv } = await createOpenCvLoader()());
  }, 60_000);

  const angle = (12 * Math.PI) / 180;
  const scale = 0.85;
  const forward: [number, number, number, number, number, number] = [
    scale * Math.cos(angle),
    -scale * Math.sin(angle),
    60,
    scale * Math.sin(angle),
    scale * Math.cos(angle),
    20,
  ];

  it.each(['orb', 'akaze'] as const)('%s matches a rotated, scaled copy and recovers the map', async (type) => {
    const template = await grayTexture(480, 360);
    const query = warpAffine(template, forward);
    const matcher = new ClassicalMatcher(cv, { type, maxFeatures: 1500, ratio: 0.8 });
    const prepared = matcher.prepare(template);
    const q = matcher.prepare(query);
    const c = matcher.match(q, prepared);
    matcher.release(prepared);
    matcher.release(q);
    expect(c.features[0]).toBeGreaterThan(100);
    expect(c.query.length).toBeGreaterThan(40);
    const fit = fitHomography(cv, c.template, c.query, { threshold: 3 });
    expect(fit).not.toBeNull();
    expect(fit!.inlierCount).toBeGreaterThan(30);
    expect(reprojectionError(fit!.H, c.template, c.query, fit!.inliers)).toBeLessThan(1.5);
    const [x, y] = project(fit!.H, [240, 180]);
    expect(x).toBeCloseTo(forward[0] * 240 + forward[1] * 180 + forward[2], 0);
    expect(y).toBeCloseTo(forward[3] * 240 + forward[4] * 180 + forward[5], 0);
  });

  it('finds nothing useful between unrelated pictures', async () => {
    const a = await grayTexture(320, 240, 1);
    const b = await grayTexture(320, 240, 99);
    const matcher = new ClassicalMatcher(cv, { type: 'orb', maxFeatures: 1000, ratio: 0.7 });
    const prepared = matcher.prepare(a);
    const q = matcher.prepare(b);
    const c = matcher.match(q, prepared);
    matcher.release(prepared);
    matcher.release(q);
    const fit = fitHomography(cv, c.template, c.query, { threshold: 3 });
    expect(fit === null || fit.inlierCount < 15).toBe(true);
  });

  it('judges projected dials', () => {
    const size: [number, number] = [1000, 800];
    const good = {
      top: [500, 100],
      right: [800, 400],
      bottom: [500, 700],
      left: [200, 400],
      center: [500, 400],
    } as const;
    expect(checkDial(good as never, size)).toEqual({ ok: true, reason: null });
    expect(checkDial({ ...good, right: [200, 400], left: [800, 400] } as never, size).reason).toMatch(/mirrored/);
    expect(checkDial({ ...good, right: [500, 100], top: [800, 400] } as never, size).ok).toBe(false);
    expect(checkDial({ ...good, top: [500, -900] } as never, size).reason).toMatch(/outside/);
    expect(checkDial({ ...good, center: [900, 50] } as never, size).reason).toMatch(/centre/);
    expect(
      checkDial(
        { top: [500, 399], right: [501, 400], bottom: [500, 401], left: [499, 400], center: [500, 400] } as never,
        size,
      ).reason,
    ).toMatch(/degenerate/);
  });
});
