import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';

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

/**
 * The thumbnails in the cache now, by file name: one directory read, so a scan of a big folder
 * learns which of its files have one without a stat per file (a reopen of 10,000 photos made
 * 20,000 stats before). A thumbnail made after the read is found by the image views when asked.
 */
export async function cachedThumbnails(cacheDir: string): Promise<{ has(thumbPath: string): boolean }> {
  const names = new Set(await readdir(join(cacheDir, 'thumbs')).catch(() => [] as string[]));
  return { has: (thumbPath) => names.has(basename(thumbPath)) };
}
