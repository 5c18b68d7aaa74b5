import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { AppFailure } from '../../core/result';
import { imageFailure } from './read-errors';

/**
 * sharp defaults to one libvips thread on these machines; give it the cores. The engine calls this
 * once at start and again when the thread setting changes.
 */
export function configureSharp(threads: number): void {
  sharp.concurrency(Math.max(1, threads));
  // Thumbnails of thousands of files: keep the operation cache small and predictable.
  sharp.cache({ memory: 64, files: 0, items: 100 });
}

export interface ImageProbe {
  /** Displayed size: EXIF orientation applied. */
  width: number;
  height: number;
  format: string;
  orientation: number;
  bytes: number;
  channels: number;
  /** Bits per sample: 8 or 16. */
  depth: number;
  space: string;
}

/** Read the header of an image; a file that is not a decodable image fails with IMAGE_DECODE_FAILED. */
export async function probeImage(path: string): Promise<ImageProbe> {
  let size: number;
  try {
    ({ size } = await stat(path));
  } catch (e) {
    throw await imageFailure(path, e, 'cannot stat the file');
  }
  if (size === 0) throw new AppFailure('IMAGE_DECODE_FAILED', 'the file is empty', { path });
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(path).metadata();
  } catch (e) {
    throw await imageFailure(path, e, 'not a readable image');
  }
  if (!meta.width || !meta.height) {
    throw new AppFailure('IMAGE_DECODE_FAILED', 'the image has no dimensions', { path });
  }
  const orientation = meta.orientation ?? 1;
  return {
    ...displayedSize(meta.width, meta.height, orientation),
    format: meta.format ?? 'unknown',
    orientation,
    bytes: size,
    channels: meta.channels ?? 3,
    depth: depthOf(meta.depth),
    space: meta.space ?? 'srgb',
  };
}

/** The size an image is shown at: EXIF orientations 5–8 turn it a quarter, swapping its sides. */
export function displayedSize(width: number, height: number, orientation: number): { width: number; height: number } {
  return orientation >= 5 && orientation <= 8 ? { width: height, height: width } : { width, height };
}

function depthOf(depth: string | undefined): number {
  return depth === 'ushort' || depth === 'short' ? 16 : 8;
}

/**
 * Write a thumbnail (EXIF applied, longest side `size`, webp) atomically. JPEG shrink-on-load keeps
 * this fast and bounded in memory even for 100 MP photos. Decoding errors fail the item.
 */
export async function writeThumbnail(src: string, dest: string, size: number): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.tmp`;
  try {
    await sharp(src, { failOn: 'error' })
      .autoOrient()
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80, effort: 2 })
      .toFile(tmp);
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw await imageFailure(src, e, 'could not decode');
  }
}
