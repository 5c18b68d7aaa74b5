/**
 * A deterministic test card for checking a model when no real frame is at hand (`loupe export`
 * without `--sample`): smooth gradients, hard edges, fine stripes and seeded noise, planar RGB in
 * [0, 1], so an export is exercised on low and high frequencies alike.
 */
export function testCard(width: number, height: number, seed = 1): Float32Array {
  const n = width * height;
  const out = new Float32Array(3 * n);
  let state = seed >>> 0 || 1;
  const noise = (): number => {
    // xorshift32: fixed sequence for a fixed seed.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) / 0xffffffff - 0.5) * 0.1;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const u = x / Math.max(1, width - 1);
      const v = y / Math.max(1, height - 1);
      const stripes = (Math.floor(x / 2) + Math.floor(y / 8)) % 2 === 0 ? 0.15 : 0;
      const box = u > 0.6 && u < 0.85 && v > 0.2 && v < 0.6 ? 0.35 : 0;
      const base = [u, v, 1 - (u + v) / 2];
      for (let c = 0; c < 3; c++) {
        const value = 0.7 * (base[c] as number) + stripes + box + noise();
        out[c * n + i] = Math.min(1, Math.max(0, value));
      }
    }
  }
  return out;
}
