import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import type { Crop } from '../../core/keypoints/pipeline';
import { AppFailure } from '../../core/result';

/**
 * An image decoded once per prediction at a working resolution (JPEG shrink-on-load makes a
 * 12 MP photo cheap), with EXIF orientation applied. Everything downstream (the detector's
 * letterbox, the dial crops) is cut from it; coordinates are mapped back to the displayed
 * full-resolution image, whose size is what label files record.
 */
export interface WorkingImage {
  /** Displayed size of the full image (EXIF applied). */
  width: number;
  height: number;
  /** Working copy: RGB and grey, `scale` source pixels per working pixel. */
  rgb: Uint8Array;
  gray: Uint8Array;
  workWidth: number;
  workHeight: number;
  scale: number;
}

/** Pixels above which decoding is refused (bounded memory); 100 MP photos pass. */
export const MAX_INPUT_PIXELS = 250_000_000;

export async function loadWorkingImage(path: string, longSide: number): Promise<WorkingImage> {
  const size = (await stat(path).catch(() => null))?.size;
  if (size === undefined) throw new AppFailure('NOT_FOUND', 'the file is missing', { path });
  if (size === 0) throw new AppFailure('IMAGE_DECODE_FAILED', 'the file is empty', { path });
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(path, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  } catch (e) {
    throw new AppFailure('IMAGE_DECODE_FAILED', `not a readable image: ${(e as Error).message}`, { path });
  }
  if (!meta.width || !meta.height) throw new AppFailure('IMAGE_DECODE_FAILED', 'the image has no dimensions', { path });
  const swap = (meta.orientation ?? 1) >= 5;
  const width = swap ? meta.height : meta.width;
  const height = swap ? meta.width : meta.height;
  try {
    const { data, info } = await sharp(path, {
      failOn: 'error',
      limitInputPixels: MAX_INPUT_PIXELS,
      sequentialRead: true,
    })
      .autoOrient()
      .resize(longSide, longSide, { fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const rgb = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const n = info.width * info.height;
    const gray = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      gray[i] = (77 * (rgb[3 * i] as number) + 150 * (rgb[3 * i + 1] as number) + 29 * (rgb[3 * i + 2] as number)) >> 8;
    }
    return { width, height, rgb, gray, workWidth: info.width, workHeight: info.height, scale: width / info.width };
  } catch (e) {
    throw new AppFailure('IMAGE_DECODE_FAILED', `could not decode: ${(e as Error).message}`, { path });
  }
}

/** Cut a box (source pixels) out of the working grey image, resized so its long side is `side`. */
export async function cropGray(img: WorkingImage, box: readonly number[], side: number): Promise<Crop> {
  const [x1, y1, x2, y2] = box as [number, number, number, number];
  const left = Math.max(0, Math.floor(x1 / img.scale));
  const top = Math.max(0, Math.floor(y1 / img.scale));
  const right = Math.min(img.workWidth, Math.ceil(x2 / img.scale));
  const bottom = Math.min(img.workHeight, Math.ceil(y2 / img.scale));
  const w = Math.max(1, right - left);
  const h = Math.max(1, bottom - top);
  const k = side / Math.max(w, h);
  const outW = Math.max(1, Math.round(w * k));
  const outH = Math.max(1, Math.round(h * k));
  const data = await sharp(img.gray, { raw: { width: img.workWidth, height: img.workHeight, channels: 1 } })
    .extract({ left, top, width: w, height: h })
    .resize(outW, outH, { fit: 'fill', kernel: 'linear' })
    .toColourspace('b-w') // a one-channel raw input otherwise comes back as three channels
    .raw()
    .toBuffer();
  // Crop pixel (u, v) ↦ working pixel (left + u·w/outW, top + v·h/outH) ↦ source pixel × scale.
  return {
    image: { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: outW, height: outH },
    scale: (w / outW) * img.scale,
    offsetX: left * img.scale,
    offsetY: top * img.scale,
  };
}

/** Letterbox the working RGB into the detector's input (Ultralytics geometry, grey 114). */
export async function letterboxWorking(
  img: WorkingImage,
  lb: { resizedWidth: number; resizedHeight: number; top: number; bottom: number; left: number; right: number },
): Promise<Uint8Array> {
  const data = await sharp(img.rgb, { raw: { width: img.workWidth, height: img.workHeight, channels: 3 } })
    .resize(lb.resizedWidth, lb.resizedHeight, { fit: 'fill', kernel: 'linear' })
    .extend({ top: lb.top, bottom: lb.bottom, left: lb.left, right: lb.right, background: { r: 114, g: 114, b: 114 } })
    .raw()
    .toBuffer();
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
