import { createHash } from 'node:crypto';
import { join } from 'node:path';

/**
 * Where the thumbnail of one file version at one size lives in the cache: the scan names it and
 * the image views make it on demand, so both agree without talking to each other.
 */
export function thumbnailPath(
  cacheDir: string,
  path: string,
  size: number,
  mtimeMs: number,
  thumbSize: number,
): string {
  const key = createHash('sha1').update(`${path}\0${size}\0${mtimeMs}\0${thumbSize}`).digest('hex');
  return join(cacheDir, 'thumbs', `${key}.webp`);
}
