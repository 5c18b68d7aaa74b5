import { describe, expect, it } from 'vitest';
import {
  actualPixels,
  fitView,
  hitPoint,
  imageToView,
  keepInView,
  MAX_SCALE,
  needsFullResolution,
  panBy,
  viewToImage,
  wheelZoomFactor,
  WHEEL_NOTCH_ZOOM,
  zoomAt,
  zoomTo,
} from '../../../src/renderer/canvas/view';

const close = (a: readonly number[], b: readonly number[], digits = 9): void =>
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, digits));

describe('the editor view transform', () => {
  it('maps image pixels to the screen and back, sub-pixel exact', () => {
    const v = { scale: 0.37, x: 12.5, y: -40 };
    for (const p of [
      [0, 0],
      [1234.567, 89.0125],
      [6000, 4000],
    ] as const) {
      close(viewToImage(v, imageToView(v, p)), p);
    }
    expect(imageToView(v, [100, 200])).toEqual([100 * 0.37 + 12.5, 200 * 0.37 - 40]);
  });

  it('fits and centres the image inside the padding', () => {
    const v = fitView({ width: 6000, height: 4000 }, { width: 1000, height: 800 }, 20);
    expect(v.scale).toBeCloseTo(960 / 6000, 12);
    close(imageToView(v, [3000, 2000]), [500, 400]);
    close(imageToView(v, [0, 0]), [20, 400 - 2000 * v.scale]);
  });

  it('zooms to the pointer: the image point under it does not move', () => {
    const v = fitView({ width: 6000, height: 4000 }, { width: 1000, height: 800 });
    const pointer = [731.25, 212.5] as const;
    const under = viewToImage(v, pointer);
    for (const factor of [1.2, 4, 0.5, wheelZoomFactor(-100), wheelZoomFactor(3, 1)]) {
      const z = zoomAt(v, pointer, factor);
      close(imageToView(z, under), pointer);
    }
    // Clamped at the limits, still anchored.
    const huge = zoomAt(v, pointer, 1e9);
    expect(huge.scale).toBe(MAX_SCALE);
    close(imageToView(huge, under), pointer);
    const anchored = zoomTo(v, [500, 400], 2);
    expect(anchored.scale).toBe(2);
    close(imageToView(anchored, viewToImage(v, [500, 400])), [500, 400]);
  });

  it('wheel up zooms in, down zooms out, symmetric, bounded per event', () => {
    expect(wheelZoomFactor(-100)).toBeGreaterThan(1);
    expect(wheelZoomFactor(100)).toBeLessThan(1);
    expect(wheelZoomFactor(-100) * wheelZoomFactor(100)).toBeCloseTo(1, 12);
    expect(wheelZoomFactor(-1e6)).toBe(wheelZoomFactor(-400));
  });

  it('one mouse-wheel notch is 1.2× whatever size the system gives it; a trackpad zooms smoothly', () => {
    // Windows (100 px), Linux (120 px), accelerated (300 px), Firefox's 3 lines: one notch each.
    for (const [dy, mode] of [
      [-100, 0],
      [-120, 0],
      [-300, 0],
      [-3, 1],
      [-1, 2],
    ] as const)
      expect(wheelZoomFactor(dy, mode)).toBeCloseTo(WHEEL_NOTCH_ZOOM, 12);
    expect(wheelZoomFactor(120)).toBeCloseTo(1 / 1.2, 12);
    // A trackpad's small deltas add up to the same rate: 100 px of scrolling in 25 steps is 1.2×.
    let f = 1;
    for (let i = 0; i < 25; i++) f *= wheelZoomFactor(-4);
    expect(f).toBeCloseTo(1.2, 9);
    // A pinch (ctrlKey) follows its deltas, bounded per event.
    expect(wheelZoomFactor(-10, 0, true)).toBeCloseTo(Math.exp(0.1), 12);
    expect(wheelZoomFactor(-1000, 0, true)).toBe(wheelZoomFactor(-50, 0, true));
    expect(wheelZoomFactor(0)).toBe(1);
  });

  it('1 shows one image pixel per device pixel, centred on the selected point', () => {
    const v = fitView({ width: 6000, height: 4000 }, { width: 1000, height: 800 });
    const at = actualPixels(v, { width: 1000, height: 800 }, 2, [1500, 900]);
    expect(at.scale).toBe(0.5);
    expect(imageToView(at, [1500, 900])).toEqual([500, 400]);
    const centre = actualPixels(v, { width: 1000, height: 800 }, 1);
    expect(centre.scale).toBe(1);
    close(imageToView(centre, viewToImage(v, [500, 400])), [500, 400]);
  });

  it('pans, keeps a nudged point in view and hits the nearest point within reach', () => {
    const v = { scale: 2, x: 0, y: 0 };
    expect(panBy(v, 5, -3)).toEqual({ scale: 2, x: 5, y: -3 });
    const moved = keepInView(v, { width: 400, height: 300 }, [300, 10], 40);
    close(imageToView(moved, [300, 10]), [360, 40]);
    expect(keepInView(v, { width: 400, height: 300 }, [100, 100])).toBe(v);

    const points = { top: [100, 50], center: [100, 100], bottom: [100, 150] } as const;
    expect(hitPoint(v, points, [203, 198], 10)).toBe('center');
    expect(hitPoint(v, points, [230, 250], 10)).toBeNull();
  });

  it("asks for full resolution once the view reaches the preview's own scale", () => {
    const fit = { scale: 0.2, x: 0, y: 0 };
    const preview = { width: 2048, original: false };
    expect(needsFullResolution(fit, 6000, preview, 1)).toBe(false);
    expect(needsFullResolution(fit, 6000, preview, 2)).toBe(true); // 2400 device pixels wide: sharper from the original
    expect(needsFullResolution({ ...fit, scale: 0.15 }, 6000, preview, 2)).toBe(false);
    expect(needsFullResolution({ ...fit, scale: 0.5 }, 6000, preview, 1)).toBe(true);
    // Actual pixels (1): full, even just above the preview size, where the preview is 2 % smaller.
    expect(needsFullResolution({ ...fit, scale: 1 }, 2090, preview, 1)).toBe(true);
    expect(needsFullResolution({ ...fit, scale: 0.5 }, 2090, preview, 2)).toBe(true);
    // Exactly the preview's scale (2048 / 6000, the width rounded) is the preview drawn 1:1: full.
    expect(needsFullResolution({ ...fit, scale: 2048 / 6000 - 1e-5 }, 6000, preview, 1)).toBe(true);
    expect(needsFullResolution({ ...fit, scale: 0.3 }, 6000, preview, 1)).toBe(false);
    // A preview the size of the image but re-encoded (turned upright): full at 1:1.
    expect(needsFullResolution({ ...fit, scale: 1 }, 1500, { width: 1500, original: false }, 1)).toBe(true);
    expect(needsFullResolution({ ...fit, scale: 4 }, 1500, { width: 1500, original: true }, 1)).toBe(false); // the preview is the original
  });
});
