import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { psnr, ssim, type Planes } from '../../../src/core/metrics/quality';
import { repoRoot } from '../../helpers';

interface Case {
  name: string;
  width: number;
  height: number;
  channels: number;
  bits: 8 | 16;
  a: string;
  b: string;
  ssim: number;
  psnr: number;
}

/** Reference values from scikit-image (scripts/metrics-reference.py wrote the fixture). */
const reference = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'metrics-reference.json'), 'utf8')) as {
  cases: Case[];
};

function planes(c: Case, which: 'a' | 'b'): Planes {
  const bytes = Buffer.from(c[which], 'base64');
  const data =
    c.bits === 16 ? new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2) : new Uint8Array(bytes);
  return { data, width: c.width, height: c.height, channels: c.channels };
}

describe('PSNR and SSIM agree with scikit-image', () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const range = c.bits === 16 ? 65535 : 255;
    const s = ssim(planes(c, 'a'), planes(c, 'b'), range);
    const p = psnr(planes(c, 'a'), planes(c, 'b'), range);
    console.log(
      `${c.name}: SSIM ${s.toFixed(6)} (skimage ${c.ssim.toFixed(6)}), PSNR ${p.toFixed(4)} (skimage ${c.psnr.toFixed(4)})`,
    );
    expect(Math.abs(s - c.ssim)).toBeLessThan(1e-3);
    expect(Math.abs(s - c.ssim)).toBeLessThan(1e-6); // in practice: the same number
    expect(p).toBeCloseTo(c.psnr, 6);
  });

  it('gives 1 and +Infinity for identical images, and refuses different shapes', () => {
    const c = reference.cases[0] as Case;
    expect(ssim(planes(c, 'a'), planes(c, 'a'), 255)).toBeCloseTo(1, 12);
    expect(psnr(planes(c, 'a'), planes(c, 'a'), 255)).toBe(Number.POSITIVE_INFINITY);
    expect(() => ssim(planes(c, 'a'), { ...planes(c, 'a'), width: 10 }, 255)).toThrow(/differ in shape/);
  });
});
