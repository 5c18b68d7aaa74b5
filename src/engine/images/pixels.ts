import sharp from 'sharp';
import type { Letterbox } from '../../core/image/letterbox';
import { LETTERBOX_FILL } from '../../core/image/letterbox';
import { writeFileAtomic } from '../fs/atomic';
import { imageFailure } from './read-errors';

export interface RgbImage {
  /** Interleaved RGB samples. */
  pixels: Uint8Array | Uint16Array;
  width: number;
  height: number;
  /** 8 or 16 bits per sample; 16-bit sources stay 16-bit. */
  depth: 8 | 16;
}

/**
 * Decode to interleaved RGB with EXIF orientation applied; alpha dropped, greyscale and CMYK
 * converted. 16-bit sources are read at 16 bits (sharp needs rgb16 + ushort for that, else it
 * silently returns 8-bit values). `maxSide` shrinks on load (fast for JPEG).
 */
export function readRgb(path: string, options: { maxSide?: number } = {}): Promise<RgbImage> {
  return startReadRgb(path, options).image;
}

/**
 * `readRgb` in two steps: `probed` settles once the header is read and the decode itself is
 * queued on libvips' threads. A caller about to block its thread (onnxruntime-node's
 * session.run is synchronous) awaits `probed` first, so the decode runs during the block instead
 * of waiting for the thread to come back to start it.
 */
export function startReadRgb(
  path: string,
  options: { maxSide?: number } = {},
): { probed: Promise<void>; image: Promise<RgbImage> } {
  let probedResolve!: () => void;
  const probed = new Promise<void>((resolve) => (probedResolve = resolve));
  const image = (async (): Promise<RgbImage> => {
    try {
      let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
      try {
        meta = await sharp(path).metadata();
      } finally {
        probedResolve();
      }
      const sixteen = meta.depth === 'ushort' || meta.depth === 'short';
      let img = sharp(path, { failOn: 'error' }).autoOrient().removeAlpha();
      if (options.maxSide)
        img = img.resize(options.maxSide, options.maxSide, { fit: 'inside', withoutEnlargement: true });
      if (sixteen) {
        const { data, info } = await img
          .toColourspace('rgb16')
          .raw({ depth: 'ushort' })
          .toBuffer({ resolveWithObject: true });
        return {
          pixels: new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2),
          width: info.width,
          height: info.height,
          depth: 16,
        };
      }
      const { data, info } = await img.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      return {
        pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        width: info.width,
        height: info.height,
        depth: 8,
      };
    } catch (e) {
      throw await imageFailure(path, e, `could not decode ${path}`);
    }
  })();
  return { probed, image };
}

/** Resize and pad an image into a letterbox (Ultralytics geometry, grey 114), 8-bit RGB. */
export async function letterboxRgb(path: string, lb: Letterbox): Promise<Uint8Array> {
  try {
    const { data } = await sharp(path, { failOn: 'error' })
      .autoOrient()
      .removeAlpha()
      .toColourspace('srgb')
      .resize(lb.resizedWidth, lb.resizedHeight, { fit: 'fill', kernel: 'linear' })
      .extend({
        top: lb.top,
        bottom: lb.bottom,
        left: lb.left,
        right: lb.right,
        background: { r: LETTERBOX_FILL, g: LETTERBOX_FILL, b: LETTERBOX_FILL },
      })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (e) {
    throw await imageFailure(path, e, `could not decode ${path}`);
  }
}

/**
 * Write RGB samples as a lossless PNG (16-bit stays 16-bit), atomically: encoded in memory, then
 * written by the atomic writer, so a failed write (a full disk) leaves no temp file and says
 * DISK_FULL (libvips' own file writer reports ENOSPC only in words).
 */
export async function writeRgbPng(
  path: string,
  image: RgbImage,
  options: { compressionLevel?: number } = {},
): Promise<void> {
  // sharp takes the sample depth from the typed array: a Uint16Array is read as 16-bit (a Buffer
  // of the same bytes would be read as 8-bit), and rgb16 keeps it 16-bit in the PNG.
  let img = sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (image.depth === 16) img = img.toColourspace('rgb16');
  const png = await img.png({ compressionLevel: options.compressionLevel ?? 6 }).toBuffer();
  // Frames are not fsynced one by one (the batch's progress file says what is done).
  await writeFileAtomic(path, png, { fsync: false });
}
