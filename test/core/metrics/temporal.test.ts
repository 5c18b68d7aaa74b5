import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { temporalPsnr, type Planes } from '../../../src/core/metrics/quality';

/** A numpy reference of tPSNR, as TEMPORAL_DEFINITION states it (Debian's python3-numpy). */
const NUMPY_REFERENCE = `
import json, sys
import numpy as np
c = json.load(sys.stdin)
f = lambda k: np.asarray(c[k], dtype=np.float64)
d = (f('out') - f('outPrev')) - (f('gt') - f('gtPrev'))
mse = np.mean(d ** 2)
print(json.dumps(None if mse == 0 else float(10 * np.log10(c['range'] ** 2 / mse))))
`;

/** A deterministic pseudo-random image (mulberry32), `w × h × 3` in [0, max]. */
function image(seed: number, w: number, h: number, max: number): Planes {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const data = (max > 255 ? new Uint16Array(w * h * 3) : new Uint8Array(w * h * 3)).map(() => Math.round(next() * max));
  return { data, width: w, height: h, channels: 3 };
}

describe('temporal PSNR', () => {
  it('is what the hand computes: d = (14−10 − (12−10), 20−20 − (22−20)) = (2, −2), tMSE 4', () => {
    const one = (a: number, b: number): Planes => ({ data: [a, b], width: 2, height: 1, channels: 1 });
    const t = temporalPsnr(one(14, 20), one(10, 20), one(12, 22), one(10, 20), 255);
    expect(t).toBeCloseTo(10 * Math.log10((255 * 255) / 4), 12);
    expect(t).toBeCloseTo(42.1102, 4);
    // The same change as the truth's, wherever the frames are: infinite.
    expect(temporalPsnr(one(50, 60), one(40, 70), one(12, 22), one(2, 32), 255)).toBe(Number.POSITIVE_INFINITY);
    expect(() => temporalPsnr(one(1, 2), { ...one(1, 2), width: 1 }, one(1, 2), one(1, 2), 255)).toThrow(
      /differ in shape/,
    );
  });

  it.each([
    ['8-bit', 255, 37, 23],
    ['16-bit', 65535, 19, 11],
  ] as const)('agrees with a numpy reference, %s', (_name, max, w, h) => {
    const [out, outPrev, gt, gtPrev] = [1, 2, 3, 4].map((seed) => image(seed * 7 + max, w, h, max)) as [
      Planes,
      Planes,
      Planes,
      Planes,
    ];
    const input = JSON.stringify({
      range: max,
      ...Object.fromEntries(
        Object.entries({ out, outPrev, gt, gtPrev }).map(([k, p]) => [k, Array.from(p.data as ArrayLike<number>)]),
      ),
    });
    const r = spawnSync('/usr/bin/python3', ['-c', NUMPY_REFERENCE], { input, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const expected = JSON.parse(r.stdout) as number;
    expect(temporalPsnr(out, outPrev, gt, gtPrev, max)).toBeCloseTo(expected, 9);
  });
});
