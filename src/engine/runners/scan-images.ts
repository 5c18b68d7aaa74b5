import { stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { JobItem, JobSnapshot, ScanImageData, ScanImagesResult } from '../../shared/jobs';
import type { AppError } from '../../shared/result';
import { compileNamingPattern, identifyImage } from '../../core/naming';
import { AppFailure, toAppError, unwrap } from '../../core/result';
import { walkImages } from '../images/list-images';
import { ScanIndex, type IndexedImage } from '../images/scan-index';
import { readImageHeader } from '../images/image-header';
import { writeThumbnail } from '../images/sharp-codec';
import { cachedThumbnails, thumbnailPath } from '../images/thumbnails';
import { forEachConcurrent } from '../jobs/concurrency';
import type { JobManager, JobRunner } from '../jobs/manager';
import type { EngineServices } from '../services';

/**
 * Read every image of a folder: displayed size (EXIF applied, from the header only), identity from
 * the naming pattern, and where its thumbnail is. Headers come from the folder's scan index when a
 * file's size and mtime are unchanged, so a reopen costs a stat per file. Thumbnails are made only
 * when the spec asks (`thumbnails: 'eager'`, e.g. the CLI); otherwise the grid asks the image views
 * for the ones on screen and `thumbnail` is set only for those already in the cache. An unreadable
 * file fails its item; the scan goes on.
 */
export function scanImagesRunner(svc: EngineServices): JobRunner<'scan-images'> {
  return async (ctx) => {
    const cfg = svc.config();
    const folder = resolve(ctx.spec.folder);
    const st = await stat(folder).catch(() => null);
    if (!st?.isDirectory()) throw new AppFailure('NOT_FOUND', `not a folder: ${folder}`, { path: folder });
    const pattern = unwrap(compileNamingPattern(cfg.namingPattern));
    const size = ctx.spec.thumbnailSize ?? cfg.thumbnailSize;
    const { files, problems } = await walkImages(folder, ctx.spec.recursive ?? true);
    ctx.setTotal(files.length + problems.length);
    // What the walk could not follow (link loops, broken links, unreadable folders) is a failed
    // item with the reason, after the images.
    for (const [i, p] of problems.entries()) {
      if (ctx.previous(p.path)) continue;
      ctx.item({
        index: files.length + i,
        key: p.path,
        status: 'failed',
        error: { code: p.code, message: p.reason, details: { path: join(folder, p.path) } },
        ms: 0,
      });
    }
    const rootName = basename(folder);
    const eager = ctx.spec.thumbnails === 'eager';
    const headers = await ScanIndex.load(cfg.cacheDir, folder);
    const thumbnails = await cachedThumbnails(cfg.cacheDir);

    const inFlight = eager ? svc.ioConcurrency() : Math.max(HEADER_READS_IN_FLIGHT, svc.ioConcurrency());
    await forEachConcurrent(files, inFlight, async (relPath, index) => {
      await ctx.checkpoint();
      if (ctx.previous(relPath)) return;
      const started = svc.now();
      const path = join(folder, relPath);
      try {
        const fileStat = await stat(path);
        const probe = await readHeader(headers, path, relPath, fileStat);
        const thumbPath = thumbnailPath(cfg.cacheDir, path, fileStat.size, fileStat.mtimeMs, size);
        let made = thumbnails.has(thumbPath);
        if (!made && eager) {
          await writeThumbnail(path, thumbPath, size);
          made = true;
        }
        const id = identifyImage(relPath, pattern, rootName);
        const data: ScanImageData = {
          path,
          relPath: relPath.split(sep).join('/'),
          width: probe.width,
          height: probe.height,
          format: probe.format,
          bytes: probe.bytes,
          orientation: probe.orientation,
          ...(made ? { thumbnail: thumbPath } : {}),
          ...id,
        };
        ctx.item({ index, key: relPath, status: 'ok', ms: svc.now() - started, data });
      } catch (e) {
        const error = toAppError(e, 'IMAGE_DECODE_FAILED');
        ctx.item({ index, key: relPath, status: 'failed', error, ms: svc.now() - started });
      }
    });

    // Reading the index is an optimisation: failing to write it costs the next scan time, not this one.
    await headers.save().catch(() => undefined);

    return scanTotals(
      folder,
      [...files, ...problems.map((p) => p.path)].map((key) => ctx.previous(key)),
    );
  };
}

/**
 * Header reads and stats wait on the disk and libuv's pool far more than on the JS thread (a
 * profile of a 10,000-file cold scan: the engine's thread idle 85 % of the time), so many are kept
 * in flight: 16 took a cold scan of 10,000 JPEGs from 5.4–6.6 s to 3.7–4.1 s here
 * (bench/BENCHMARKS.md). Writing every thumbnail decodes whole images: bounded by the cores.
 */
const HEADER_READS_IN_FLIGHT = 16;

/** The image's header from the index while the file is unchanged, else read (and recorded). */
async function readHeader(
  headers: ScanIndex,
  path: string,
  relPath: string,
  st: { size: number; mtimeMs: number },
): Promise<IndexedImage> {
  const hit = headers.get(relPath, st.size, st.mtimeMs);
  if (hit) return hit;
  const header = await readImageHeader(path, st.size);
  headers.put(relPath, st.size, st.mtimeMs, header);
  return header;
}

/** A scan's result from its items (the files' and the walk's problems'): what it found readable, what failed. */
function scanTotals(folder: string, items: readonly (JobItem<'scan-images'> | undefined)[]): ScanImagesResult {
  let images = 0;
  let failed = 0;
  const watchIds = new Set<string>();
  for (const item of items) {
    if (item?.status === 'ok' && item.data) {
      images++;
      watchIds.add(item.data.watchId);
    } else if (item?.status === 'failed') failed++;
  }
  return { folder, images, failed, watchIds: watchIds.size };
}

/**
 * A file every scan of its folder listed from its header, whose pixels then failed to decode (its
 * thumbnail or its preview: a truncated JPEG): each such scan's item for it becomes that failure
 * (`JobManager.failItem`, the same job-item stream the scan's own failures take), so the folder
 * counts it as unreadable, Predict does not offer it, and a rescan (the retry) reads it again.
 * Returns how many scans were told.
 */
export function recordDecodeFailure(jobs: JobManager, path: string, error: AppError): number {
  if (error.code !== 'IMAGE_DECODE_FAILED') return 0;
  let told = 0;
  for (const job of jobs.list()) {
    if (job.spec.kind !== 'scan-images') continue;
    const rel = relative(resolve(job.spec.folder), resolve(path));
    if (!rel || rel.startsWith('..') || isAbsolute(rel)) continue;
    // The completed scan's totals, recounted from its items as the runner counts them.
    const revise = (r: NonNullable<JobSnapshot['result']>, items: readonly JobItem[]): ScanImagesResult =>
      scanTotals((r as ScanImagesResult).folder, items as JobItem<'scan-images'>[]);
    if (jobs.failItem(job.id, rel, error, revise)) told++;
  }
  return told;
}
