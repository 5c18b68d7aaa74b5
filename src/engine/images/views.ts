import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { ImageVariant, ImageView } from '../../shared/images';
import { PREVIEW_SIZE, PROXY_SIZE } from '../../shared/images';
import { AppFailure } from '../../core/result';
import { imageFailure } from './read-errors';
import { probeImage, writeThumbnail, type ImageProbe } from './sharp-codec';
import { thumbnailPath } from './thumbnails';

/** Formats every renderer (Chromium) decodes natively. */
const DISPLAYABLE = new Set(['jpeg', 'png', 'webp', 'gif']);

export interface ImageViewsOptions {
  cacheDir: () => string;
  /** Keep at most this many generated views; the least recently made go first. */
  maxCached?: number;
  previewSize?: number;
  /** Longest side of grid thumbnails (the setting; read at each request). */
  thumbnailSize?: () => number;
}

/**
 * Makes and caches upright, bounded-size copies of images for the editor. The original is served
 * as it is whenever the browser would show it the same way (upright, displayable, small enough).
 * Concurrent requests for one view share the work.
 */
export class ImageViews {
  private readonly inflight = new Map<string, Promise<ImageView>>();
  private writes = 0;

  constructor(private readonly options: ImageViewsOptions) {}

  async view(path: string, variant: ImageVariant): Promise<ImageView> {
    const st = await stat(path).catch(() => null);
    if (!st?.isFile()) throw new AppFailure('NOT_FOUND', `no image at ${path}`, { path });
    if (variant === 'thumbnail') return this.thumbnail(path, st.size, st.mtimeMs);
    const version = `${path}\0${st.size}\0${st.mtimeMs}`;
    const key = createHash('sha1').update(`${version}\0${variant}\0${this.previewSize}\0${PROXY_SIZE}`).digest('hex');
    const running = this.inflight.get(key);
    if (running) return running;
    const work = this.make(path, variant, key, version).finally(() => this.inflight.delete(key));
    this.inflight.set(key, work);
    return work;
  }

  /**
   * The grid thumbnail of this file version, written once into the cache (where the scan names it)
   * and shared by concurrent requests. Its pixel size is the bounded one; the browser lays it out.
   */
  private thumbnail(path: string, size: number, mtimeMs: number): Promise<ImageView> {
    const thumbSize = this.options.thumbnailSize?.() ?? 256;
    const dest = thumbnailPath(this.options.cacheDir(), path, size, mtimeMs, thumbSize);
    const running = this.inflight.get(dest);
    if (running) return running;
    const work = (async (): Promise<ImageView> => {
      const probe = await this.probe(path, `${path}\0${size}\0${mtimeMs}`);
      const scale = Math.min(1, thumbSize / Math.max(probe.width, probe.height));
      const base = {
        variant: 'thumbnail' as const,
        path: dest,
        width: Math.max(1, Math.round(probe.width * scale)),
        height: Math.max(1, Math.round(probe.height * scale)),
        imageWidth: probe.width,
        imageHeight: probe.height,
      };
      if (await stat(dest).catch(() => null)) return { ...base, generated: false };
      await writeThumbnail(path, dest, thumbSize);
      return { ...base, generated: true };
    })().finally(() => this.inflight.delete(dest));
    this.inflight.set(dest, work);
    return work;
  }

  private get previewSize(): number {
    return this.options.previewSize ?? PREVIEW_SIZE;
  }

  /** Image headers by file version: asking again for a cached view costs a stat, not a decode. */
  private readonly probes = new Map<string, ImageProbe>();

  private async probe(path: string, version: string): Promise<ImageProbe> {
    const hit = this.probes.get(version);
    if (hit) return hit;
    const probe = await probeImage(path);
    this.probes.set(version, probe);
    if (this.probes.size > 20_000) this.probes.delete(this.probes.keys().next().value as string);
    return probe;
  }

  private async make(path: string, variant: ImageVariant, key: string, version: string): Promise<ImageView> {
    const probe = await this.probe(path, version);
    const base = { variant, imageWidth: probe.width, imageHeight: probe.height };
    const longest = Math.max(probe.width, probe.height);
    const upright = probe.orientation === 1 && DISPLAYABLE.has(probe.format) && probe.depth === 8;
    const jpeg = probe.format === 'jpeg' && probe.orientation === 1;
    if (
      variant === 'proxy'
        ? jpeg && longest <= PROXY_SIZE
        : upright && (variant === 'full' || longest <= this.previewSize)
    ) {
      return { ...base, path, width: probe.width, height: probe.height, generated: false };
    }
    const scale =
      variant === 'preview'
        ? Math.min(1, this.previewSize / longest)
        : variant === 'proxy'
          ? Math.min(1, PROXY_SIZE / longest)
          : 1;
    const width = Math.max(1, Math.round(probe.width * scale));
    const height = Math.max(1, Math.round(probe.height * scale));
    const dir = join(this.options.cacheDir(), 'views');
    const dest = join(dir, `${key}.jpg`);
    if (await stat(dest).catch(() => null)) return { ...base, path: dest, width, height, generated: false };

    await mkdir(dir, { recursive: true });
    const tmp = `${dest}.${process.pid}.tmp`;
    try {
      await sharp(path, { failOn: 'error' })
        .autoOrient()
        .resize(width, height, { fit: 'fill' })
        .toColourspace('srgb')
        .jpeg({
          quality: variant === 'full' ? 95 : variant === 'proxy' ? 90 : 88,
          chromaSubsampling: variant === 'full' ? '4:4:4' : '4:2:0',
        })
        .toFile(tmp);
      await rename(tmp, dest);
    } catch (e) {
      await rm(tmp, { force: true });
      throw await imageFailure(path, e, 'could not decode');
    }
    if (++this.writes % 25 === 0) await this.trim(dir);
    return { ...base, path: dest, width, height, generated: true };
  }

  /** Drop the oldest generated views beyond the cap (a reviewer moves on; the cache should not grow forever). */
  async trim(dir = join(this.options.cacheDir(), 'views')): Promise<number> {
    const max = this.options.maxCached ?? 3000;
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.jpg'));
    if (names.length <= max) return 0;
    const dated = await Promise.all(
      names.map(async (n) => ({ n, t: (await stat(join(dir, n)).catch(() => null))?.mtimeMs ?? 0 })),
    );
    dated.sort((a, b) => a.t - b.t);
    const drop = dated.slice(0, dated.length - max);
    await Promise.all(drop.map((d) => rm(join(dir, d.n), { force: true })));
    return drop.length;
  }
}
