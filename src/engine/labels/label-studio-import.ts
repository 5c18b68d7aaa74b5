import type { LabelFile, LabelRecord } from '../../shared/labels';
import type { LsImported, LsImportReport } from '../../core/formats/label-studio-import';
import type { LabelDir } from './label-dir';
import type { LabelStore } from './label-store';

/** The watch IDs an import would write whose label files exist already. */
export async function existingLabelFiles(report: LsImportReport, labels: LabelDir): Promise<string[]> {
  const clashes: string[] = [];
  for (const watchId of new Set(report.imported.map((i) => i.watchId)))
    if ((await labels.read(watchId)).exists) clashes.push(watchId);
  return clashes;
}

/**
 * Write an import's records, one label file per watch ID, through the label store (the lock and
 * compare-before-rename every writer of label files shares). A model's record never replaces a
 * person's; a person's label on disk that is newer than the imported one wins.
 */
export async function writeImported(
  report: LsImportReport,
  labels: LabelDir,
  store: LabelStore,
): Promise<{ written: number; files: number }> {
  const byWatch = new Map<string, LsImported[]>();
  for (const item of report.imported) byWatch.set(item.watchId, [...(byWatch.get(item.watchId) ?? []), item]);
  let written = 0;
  for (const [watchId, items] of byWatch) {
    const incoming: LabelFile = Object.fromEntries(items.map((i) => [i.imageKey, i.record]));
    const keepOnDisk = (onDisk: LabelRecord): boolean => {
      const theirs = items.find((i) => i.record.full_image_name === onDisk.full_image_name)?.record;
      if (!theirs) return false;
      const onDiskIsHuman = onDisk.debug_info === undefined;
      if (theirs.debug_info !== undefined && onDiskIsHuman) return true;
      if (!onDiskIsHuman || !onDisk.timestamp || theirs.timestamp === undefined) return false;
      return Date.parse(onDisk.timestamp) > Date.parse(theirs.timestamp);
    };
    await store.merge(labels.path(watchId), incoming, keepOnDisk);
    written += items.length;
  }
  return { written, files: byWatch.size };
}
