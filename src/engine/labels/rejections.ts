import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabelProblem, LabelRecord, RejectionRecord } from '../../shared/labels';
import {
  LEGACY_REVIEW_FILE,
  parseLegacyReviewFile,
  parseRejectionFile,
  REJECTED_DIR,
  serializeRejectionFile,
  withRejection,
} from '../../core/formats/rejections';
import { toIsoTimestamp } from '../../core/format';
import { AppFailure } from '../../core/result';
import { LabelDir } from './label-dir';
import type { LabelStore } from './label-store';

/** The folder of rejections files beside a folder of human labels: `<labels>/rejected`. */
export function rejectionsDir(labelsDir: string): string {
  return join(labelsDir, REJECTED_DIR);
}

/** The rejections file of one watch ID: `<labels>/rejected/{WATCH_ID}.json`. */
function rejectionsPath(labelsDir: string, watchId: string): string {
  return new LabelDir(rejectionsDir(labelsDir)).path(watchId);
}

/** A legacy review file's entry as a rejection (its naive or `Z` time in the one format). */
function fromLegacy(entry: { reviewer: string; at: string }): RejectionRecord {
  return { reviewer: entry.reviewer, timestamp: toIsoTimestamp(entry.at) };
}

export interface ReadRejections {
  /**
   * Image key → its rejection: the rejections files, and the entries of a predictions folder's
   * legacy review file not migrated yet (those carry no prediction).
   */
  rejected: Map<string, RejectionRecord>;
  /** Rejections files that could not be read, or entries in them that are not rejections. */
  problems: LabelProblem[];
}

async function readText(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
}

/** Every rejection of a folder: `<labelsDir>/rejected/*.json`, then what `predictedDir`'s legacy file still holds. */
export async function readRejections(labelsDir: string, predictedDir: string | null): Promise<ReadRejections> {
  const dir = new LabelDir(rejectionsDir(labelsDir));
  const rejected = new Map<string, RejectionRecord>();
  const problems: LabelProblem[] = [];
  for (const watchId of await dir.watchIds()) {
    const path = dir.path(watchId);
    const text = await readText(path);
    if (text === null) continue;
    const parsed = parseRejectionFile(text, path);
    problems.push(...parsed.problems);
    for (const [key, record] of Object.entries(parsed.rejections ?? {})) rejected.set(key, record);
  }
  if (predictedDir) {
    const legacy = parseLegacyReviewFile(await readText(join(predictedDir, LEGACY_REVIEW_FILE)).catch(() => null));
    for (const [key, entry] of Object.entries(legacy)) if (!rejected.has(key)) rejected.set(key, fromLegacy(entry));
  }
  return { rejected, problems };
}

/**
 * Reject `key` of `watchId` (`record`) or take its rejection back (null), in its rejections file,
 * through the label store (one writer per file, a cross-process lock, compare-before-rename: a
 * rejection saved meanwhile by another process is merged, not lost). A file that does not parse
 * is not overwritten.
 */
export async function setRejection(
  store: LabelStore,
  labelsDir: string,
  watchId: string,
  key: string,
  record: RejectionRecord | null,
): Promise<void> {
  const path = rejectionsPath(labelsDir, watchId);
  await store.updateText(path, (text) => {
    if (text === null && record === null) return null;
    const parsed = text === null ? { rejections: {}, problems: [] } : parseRejectionFile(text, path);
    if (!parsed.rejections) {
      throw new AppFailure(
        'IO_ERROR',
        `${path} is malformed; not overwriting it (${parsed.problems[0]?.message ?? ''})`,
        { path },
      );
    }
    if (record === null && !(key in parsed.rejections)) return null;
    return serializeRejectionFile(withRejection(parsed.rejections, key, record));
  });
}

/** What a migration needs to know of an image the legacy file names: its watch and prediction. */
export type RejectedImage = { watchId: string; fullImageName: string; prediction: LabelRecord | null };

/**
 * Move the rejections of a predictions folder's legacy `.loupe-review.json` into the rejections
 * files beside the human labels (a rejection already there wins), keeping the prediction each
 * rejected when the folder still has it. An entry whose image is not in the folder any more (no
 * watch ID to file it under) stays in the legacy file, which is removed once empty. Returns how
 * many were moved.
 */
export async function migrateLegacyRejections(
  store: LabelStore,
  labelsDir: string,
  predictedDir: string,
  imageOf: (key: string) => RejectedImage | null,
): Promise<number> {
  const legacyPath = join(predictedDir, LEGACY_REVIEW_FILE);
  const legacy = parseLegacyReviewFile(await readText(legacyPath).catch(() => null));
  const byWatch = new Map<string, Map<string, RejectionRecord>>();
  for (const [key, entry] of Object.entries(legacy)) {
    const image = imageOf(key);
    if (!image) continue;
    const records = byWatch.get(image.watchId) ?? new Map<string, RejectionRecord>();
    records.set(key, {
      full_image_name: image.fullImageName,
      ...fromLegacy(entry),
      ...(image.prediction ? { prediction: image.prediction } : {}),
    });
    byWatch.set(image.watchId, records);
  }
  const moved = new Set<string>();
  for (const [watchId, records] of byWatch) {
    const path = rejectionsPath(labelsDir, watchId);
    let written = false;
    await store.updateText(path, (text) => {
      const parsed = text === null ? { rejections: {}, problems: [] } : parseRejectionFile(text, path);
      written = parsed.rejections !== null;
      if (!parsed.rejections) return null; // malformed: reported by the reader; these stay in the legacy file
      let file = parsed.rejections;
      for (const [key, record] of records) if (!(key in file)) file = withRejection(file, key, record);
      return serializeRejectionFile(file);
    });
    if (written) for (const key of records.keys()) moved.add(key);
  }
  if (moved.size === 0) return 0;
  // Under the lock, from the file as it is now (an older Loupe may have added to it meanwhile):
  // removed when all it holds was moved, else rewritten without what was.
  const removed = await store.removeText(legacyPath, (text) =>
    Object.keys(parseLegacyReviewFile(text)).every((k) => moved.has(k)),
  );
  if (!removed) {
    await store.updateText(legacyPath, (text) => {
      if (text === null) return null;
      const rest = Object.fromEntries(Object.entries(parseLegacyReviewFile(text)).filter(([k]) => !moved.has(k)));
      return JSON.stringify({ version: 1, rejected: rest }, null, 2) + '\n';
    });
  }
  return moved.size;
}
