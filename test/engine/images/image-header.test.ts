import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpegHeader, readImageHeader } from '../../../src/engine/images/image-header';
import { probeImage } from '../../../src/engine/images/sharp-codec';
import { tempDir } from '../../helpers';

/** A 300×200 photo-like JPEG (noise, so it encodes like a photo), with sharp's options. */
async function jpeg(opts: { orientation?: number; progressive?: boolean; cmyk?: boolean; icc?: boolean } = {}) {
  const raw = Buffer.alloc(300 * 200 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24;
  let img = sharp(raw, { raw: { width: 300, height: 200, channels: 3 } });
  if (opts.orientation) img = img.withMetadata({ orientation: opts.orientation });
  if (opts.icc) img = img.withIccProfile('p3');
  if (opts.cmyk) img = img.toColourspace('cmyk');
  return img.jpeg({ quality: 80, progressive: opts.progressive ?? false }).toBuffer();
}

/**
 * An EXIF APP1 segment as the EXIF 2.3 spec lays it out ("Exif\0\0", a TIFF header, IFD0 with the
 * one Orientation entry: tag 0x0112, SHORT, count 1), in either byte order, spliced in after SOI.
 * sharp writes little-endian EXIF only; cameras (Nikon, Canon's older bodies) write big-endian.
 */
function withExifOrientation(jpg: Buffer, orientation: number, order: 'II' | 'MM'): Buffer {
  const le = order === 'II';
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  tiff.write(order, 0, 'latin1');
  const u16 = (v: number, at: number) => (le ? tiff.writeUInt16LE(v, at) : tiff.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (le ? tiff.writeUInt32LE(v, at) : tiff.writeUInt32BE(v, at));
  u16(42, 2);
  u32(8, 4); // IFD0 right after the header
  u16(1, 8); // one entry
  u16(0x0112, 10);
  u16(3, 12); // SHORT
  u32(1, 14);
  u16(orientation, 18); // the value, left-justified in the 4-byte field
  u32(0, 22); // no next IFD
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const seg = Buffer.alloc(4);
  seg.writeUInt16BE(0xffe1, 0);
  seg.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpg.subarray(0, 2), seg, payload, jpg.subarray(2)]);
}

/** A COM segment of `bytes` (≤ 65,533) after SOI: pushes the frame header further into the file. */
function withComment(jpg: Buffer, bytes: number): Buffer {
  const seg = Buffer.alloc(4 + bytes, 0x20);
  seg.writeUInt16BE(0xfffe, 0);
  seg.writeUInt16BE(bytes + 2, 2);
  return Buffer.concat([jpg.subarray(0, 2), seg, jpg.subarray(2)]);
}

describe('readImageHeader (real files, checked against sharp metadata)', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  const files: Record<string, Buffer> = {};
  beforeAll(async () => {
    dir = await tempDir();
    const plain = await jpeg();
    for (let o = 1; o <= 8; o++) files[`sharp-orientation-${o}.jpg`] = await jpeg({ orientation: o });
    for (const order of ['II', 'MM'] as const)
      for (const o of [1, 3, 6, 8]) files[`exif-${order}-${o}.jpg`] = withExifOrientation(plain, o, order);
    files['plain.jpg'] = plain;
    files['progressive.jpg'] = await jpeg({ progressive: true, orientation: 6 });
    files['cmyk.jpg'] = await jpeg({ cmyk: true });
    files['icc.jpg'] = await jpeg({ icc: true, orientation: 5 });
    // Frame header past the first 64 KiB: two long comments before it.
    files['late-sof.jpg'] = withComment(withComment(withExifOrientation(plain, 6, 'MM'), 60_000), 60_000);
    files['png.png'] = await sharp(await jpeg())
      .png()
      .toBuffer();
    files['webp.webp'] = await sharp(await jpeg())
      .webp()
      .toBuffer();
    for (const [name, buf] of Object.entries(files)) await writeFile(join(dir.path, name), buf);
  });
  afterAll(async () => {
    await dir.cleanup();
  });

  it('gives sharp’s displayed size, format and orientation for every file, fast path or not', async () => {
    for (const name of Object.keys(files)) {
      const path = join(dir.path, name);
      const p = await probeImage(path);
      const h = await readImageHeader(path, files[name]!.length);
      expect({ name, ...h }, name).toEqual({
        name,
        width: p.width,
        height: p.height,
        format: p.format,
        orientation: p.orientation,
        bytes: p.bytes,
      });
    }
    // The spliced EXIF really is read (not just defaulting to 1), in both byte orders.
    expect(await readImageHeader(join(dir.path, 'exif-MM-6.jpg'), files['exif-MM-6.jpg']!.length)).toMatchObject({
      width: 200,
      height: 300,
      orientation: 6,
    });
    expect(await readImageHeader(join(dir.path, 'late-sof.jpg'), files['late-sof.jpg']!.length)).toMatchObject({
      width: 200,
      height: 300,
      orientation: 6,
    });
  });

  it('takes the fast path for every JPEG whose frame header is in its first 64 KiB, and only for those', async () => {
    const fast = [];
    for (const name of Object.keys(files)) if (await jpegHeader(join(dir.path, name))) fast.push(name);
    expect(fast.sort()).toEqual(
      Object.keys(files)
        .filter((n) => n.endsWith('.jpg') && n !== 'late-sof.jpg')
        .sort(),
    );
  });

  it('fails an unreadable file the way sharp does (typed IMAGE_DECODE_FAILED), whatever its name', async () => {
    const path = join(dir.path, 'garbage.jpg');
    await writeFile(path, Buffer.from('not an image at all, just text'));
    await expect(readImageHeader(path, 30)).rejects.toMatchObject({ error: { code: 'IMAGE_DECODE_FAILED' } });
    // SOI and a marker, then nothing: no frame header to read.
    const cut = join(dir.path, 'cut.jpg');
    await writeFile(cut, (await readFile(join(dir.path, 'plain.jpg'))).subarray(0, 20));
    await expect(readImageHeader(cut, 20)).rejects.toMatchObject({ error: { code: 'IMAGE_DECODE_FAILED' } });
  });
});
