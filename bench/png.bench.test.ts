/**
 * Claim: PNG outputs use zlib level 6 because it is near the smallest files for a fraction of the
 * time of level 9. Measured on the sample frames (1280×720, 8-bit) and a 16-bit version of them,
 * every level in the same run; times relative to level 6 (libpng's default).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { it } from 'vitest';

const frames = join(import.meta.dirname, '..', 'resources', 'samples', 'frames');

it('png: encode time and size by compression level', async () => {
  sharp.concurrency(1);
  const names = (await readdir(frames)).filter((n) => n.endsWith('.png')).slice(0, 8);
  const raws = await Promise.all(
    names.map(async (n) => sharp(join(frames, n)).raw().toBuffer({ resolveWithObject: true })),
  );
  const rows: { depth: number; level: number; ms: number; bytes: number }[] = [];
  for (const depth of [8, 16]) {
    for (let level = 0; level <= 9; level++) {
      let ms = 0;
      let bytes = 0;
      for (const { data, info } of raws) {
        const input = depth === 16 ? Uint16Array.from(data, (v) => v * 257) : data;
        const img = sharp(input, { raw: { width: info.width, height: info.height, channels: 3 } });
        const t = performance.now();
        const out = await (depth === 16 ? img.toColourspace('rgb16') : img).png({ compressionLevel: level }).toBuffer();
        ms += performance.now() - t;
        bytes += out.length;
      }
      rows.push({ depth, level, ms: ms / raws.length, bytes: bytes / raws.length });
    }
  }
  for (const depth of [8, 16]) {
    const ref = rows.find((r) => r.depth === depth && r.level === 6)!;
    console.log(
      `\n${depth}-bit, ${raws[0]!.info.width}×${raws[0]!.info.height}, mean of ${raws.length} frames (relative to level 6)`,
    );
    for (const r of rows.filter((x) => x.depth === depth)) {
      console.log(
        `level ${r.level}: ${r.ms.toFixed(1)} ms (${(r.ms / ref.ms).toFixed(2)}×), ${(r.bytes / 1024).toFixed(0)} KB (${(r.bytes / ref.bytes).toFixed(3)}×)`,
      );
    }
  }
}, 600_000);
