import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, symlink } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import type { YoloExportPlan } from '../core/formats/retraining';
import { yoloDatasetYaml } from '../core/formats/retraining';
import { AppFailure } from '../core/result';
import { writeFileAtomic, writeJsonAtomic } from '../engine/fs/atomic';
import { listImages } from '../engine/images/list-images';

/** Marks a folder as a Loupe YOLO-pose export, so a new export may replace its splits. */
export const EXPORT_MARKER = '.loupe-yolo-pose.json';

const SPLIT_DIRS = ['images/train', 'images/val', 'labels/train', 'labels/val'] as const;

export interface YoloWriteResult {
  out: string;
  images: number;
  train: { images: number; watches: number };
  val: { images: number; watches: number };
  /** How the images got there: links (the default) or copies (asked for, or links not allowed). */
  images_as: 'symlinks' | 'copies';
  /** Why links fell back to copies, when they did. */
  linkFallback: string | null;
}

/**
 * Write a planned YOLO-pose export into `outDir`: images/{train,val} (symlinks to the images, or
 * copies), labels/{train,val}/<stem>.txt, dataset.yaml. A folder that an earlier export wrote
 * (its marker file) has its splits replaced, so no watch stays behind in the other split; a
 * folder with images/ or labels/ of its own is refused.
 */
export async function writeYoloPoseDataset(
  outDir: string,
  plan: YoloExportPlan,
  options: { copy: boolean },
): Promise<YoloWriteResult> {
  const out = resolve(outDir);
  const ours = await readFile(join(out, EXPORT_MARKER), 'utf8')
    .then(() => true)
    .catch(() => false);
  for (const top of ['images', 'labels']) {
    const entries = await readdir(join(out, top)).catch(() => [] as string[]);
    if (entries.length > 0 && !ours) {
      throw new AppFailure(
        'INVALID_ARGUMENT',
        `${join(out, top)} exists and was not written by a Loupe export; choose an empty or new folder`,
        { path: join(out, top) },
      );
    }
  }
  if (ours) {
    // Only what an export writes: the four split folders and Ultralytics' label caches beside them.
    for (const dir of SPLIT_DIRS) await rm(join(out, dir), { recursive: true, force: true });
    for (const name of await readdir(join(out, 'labels')).catch(() => [] as string[])) {
      if (name.endsWith('.cache')) await rm(join(out, 'labels', name), { force: true });
    }
  }

  // Marked first: an export that dies half way is still recognised, and replaced, by the next.
  await writeJsonAtomic(join(out, EXPORT_MARKER), { version: 1, complete: false });
  // Ultralytics needs both split folders to exist, even a split without usable images.
  for (const dir of SPLIT_DIRS) await mkdir(join(out, dir), { recursive: true });

  let copy = options.copy;
  let linkFallback: string | null = null;
  for (const f of plan.files) {
    const target = join(out, 'images', f.split, f.imageName);
    await writeFileAtomic(join(out, 'labels', f.split, f.labelName), f.label);
    if (!copy) {
      try {
        await symlink(resolve(f.source), target);
        continue;
      } catch (e) {
        const code = (e as { code?: string }).code;
        // Windows without the symlink privilege, file systems without links: copy instead.
        if (code !== 'EPERM' && code !== 'EACCES' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
        copy = true;
        linkFallback = `symlinks not allowed here (${code}); images copied`;
      }
    }
    // Copied under a hidden temp name, then renamed: Ultralytics' glob skips dot files, so a crash
    // never leaves it a half-written image.
    const tmp = join(out, 'images', f.split, `.${f.imageName}.${randomBytes(4).toString('hex')}.tmp`);
    await copyFile(f.source, tmp);
    await rename(tmp, target);
  }
  await writeFileAtomic(join(out, 'dataset.yaml'), yoloDatasetYaml(out));
  const count = (split: 'train' | 'val') => plan.files.filter((f) => f.split === split).length;
  await writeJsonAtomic(join(out, EXPORT_MARKER), {
    version: 1,
    complete: true,
    train: plan.train,
    val: plan.val,
    images: plan.files.length,
  });
  return {
    out,
    images: plan.files.length,
    train: { images: count('train'), watches: plan.train.length },
    val: { images: count('val'), watches: plan.val.length },
    images_as: copy ? 'copies' : 'symlinks',
    linkFallback,
  };
}

/**
 * The images below `imagesDir` by file name (label records name their image by file name only),
 * leaving out those inside `outDir`: an earlier export there links the same images.
 */
export async function imagesByName(imagesDir: string, outDir: string): Promise<Map<string, string>> {
  const out = resolve(outDir);
  const byName = new Map<string, string>();
  for (const rel of await listImages(imagesDir, true)) {
    const path = resolve(imagesDir, rel);
    const fromOut = relative(out, path);
    const inOut = !fromOut.startsWith('..') && !isAbsolute(fromOut);
    if (!inOut && !byName.has(basename(rel))) byName.set(basename(rel), path);
  }
  return byName;
}
