/**
 * Claim: converting a restored frame (CHW float32 → interleaved 8-bit, clamped, rounded, NaN/Inf
 * counted) into a buffer kept from an earlier frame is faster than into a new one, on the thread
 * inference blocks; the input conversion (toPlanar) into its kept buffer is listed for scale.
 * Same process, same tensor, alternating rounds; medians of 15 per variant.
 */
import { it } from 'vitest';
import { fromPlanarChecked, toPlanar } from '../src/core/image/tensor';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

it('fromPlanarChecked into a kept buffer vs a new one, 720p and 1080p', () => {
  const rows: Record<string, unknown>[] = [];
  for (const [label, w, h] of [
    ['1280×720', 1280, 720],
    ['1920×1080', 1920, 1080],
  ] as const) {
    const n = w * h;
    const tensor = new Float32Array(3 * n);
    for (let i = 0; i < tensor.length; i++) tensor[i] = ((i * 2654435761) % 1000) / 900 - 0.05;
    const pixels = new Uint8Array(3 * n);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7) & 255;
    const kept = new Uint8Array(3 * n);
    const input = new Float32Array(3 * n);
    const fresh: number[] = [];
    const reused: number[] = [];
    const planar: number[] = [];
    for (let r = 0; r < 20; r++) {
      let t = performance.now();
      fromPlanarChecked(tensor, w, h, 255);
      const a = performance.now() - t;
      t = performance.now();
      fromPlanarChecked(tensor, w, h, 255, undefined, kept);
      const b = performance.now() - t;
      t = performance.now();
      toPlanar(pixels, w, h, 255, undefined, input);
      const c = performance.now() - t;
      if (r < 5) continue; // warm-up: the loops are optimised by then
      fresh.push(a);
      reused.push(b);
      planar.push(c);
    }
    rows.push({
      size: label,
      newBufferMs: +median(fresh).toFixed(2),
      keptBufferMs: +median(reused).toFixed(2),
      newOverKept: +(median(fresh) / median(reused)).toFixed(2),
      toPlanarKeptMs: +median(planar).toFixed(2),
    });
  }
  console.table(rows);
});
