import { basename, join } from 'node:path';
import type { LabelProblem, LabelRecord } from '../shared/labels';
import {
  NAMING_EXAMPLES,
  type ExportRequest,
  type ExportResult,
  type KeypointFolder,
  type NamingSummary,
  type ReviewAction,
  type ReviewEntry,
} from '../shared/review';
import { mergeInto, missingKeypoints } from '../core/formats/labels';
import { planYoloPoseExport, toCoco } from '../core/formats/retraining';
import { dialRecord } from '../core/keypoints/dials';
import { reviewedRecord, reviewStateOf } from '../core/keypoints/review';
import { compileNamingPattern, identifyImage } from '../core/naming';
import { AppFailure, unwrap } from '../core/result';
import { writeJsonAtomic } from '../engine/fs/atomic';
import { listImages } from '../engine/images/list-images';
import { LabelDir } from '../engine/labels/label-dir';
import { migrateLegacyRejections, readRejections, setRejection } from '../engine/labels/rejections';
import type { LabelStore } from '../engine/labels/label-store';
import { discoveredLabelDirs, type LabelDirsOf } from './label-dirs';
import { writeYoloPoseDataset } from './yolo-pose-export';
import { isoTimestamp } from '../core/format';

async function readDir(dir: string, problems: LabelProblem[]): Promise<Map<string, LabelRecord>> {
  const out = new Map<string, LabelRecord>();
  for (const file of await new LabelDir(dir).readAll()) {
    if (!file.labels) {
      problems.push(...file.problems.map((p) => ({ ...p, file: file.path })));
      continue;
    }
    for (const [k, r] of Object.entries(file.labels)) {
      // A partial record (a Label Studio import with --allow-partial) is not shown: the review
      // screen draws and scores five points. It is reported, and stays on disk as it is.
      const missing = missingKeypoints(r);
      if (missing.length > 0) {
        problems.push({
          severity: 'warning',
          file: file.path,
          key: k,
          message: `partial record (${missing.join(', ')} absent): not shown until all five points are labelled`,
        });
        continue;
      }
      out.set(k, r);
    }
  }
  return out;
}

/**
 * Everything the review screen needs about a folder: its images, both label folders (`dirsOf`:
 * chosen for it, else found by the rule), its rejections (`<labels>/rejected/`) and how its names
 * met the naming pattern. With a `store`, rejections an earlier version kept in the predictions
 * folder's hidden `.loupe-review.json` are first moved beside the labels; without one they are
 * read from there as they are.
 */
export async function loadKeypointFolder(
  folder: string,
  namingPattern: string,
  dirsOf: LabelDirsOf = discoveredLabelDirs,
  store?: LabelStore,
): Promise<KeypointFolder> {
  const pattern = unwrap(compileNamingPattern(namingPattern));
  const { labelsDir, predictedDir } = await dirsOf(folder);
  const problems: LabelProblem[] = [];
  const human = await readDir(labelsDir, problems);
  const predicted = await readDir(predictedDir, problems);
  const rootName = basename(folder);
  const naming: NamingSummary = { pattern: namingPattern, unmatched: 0, unmatchedExamples: [], matchedExamples: [] };
  const images = (await listImages(folder, true)).map((rel) => ({ rel, id: identifyImage(rel, pattern, rootName) }));
  if (store) {
    const byKey = new Map(images.map((i) => [i.id.imageKey, i]));
    await migrateLegacyRejections(store, labelsDir, predictedDir, (key) => {
      const image = byKey.get(key);
      return image
        ? { watchId: image.id.watchId, fullImageName: basename(image.rel), prediction: predicted.get(key) ?? null }
        : null;
    });
  }
  const rejections = await readRejections(labelsDir, predictedDir);
  problems.push(...rejections.problems);
  const entries: ReviewEntry[] = images.map(({ rel, id }) => {
    if (!id.named) naming.unmatched++;
    const examples = id.named ? naming.matchedExamples : naming.unmatchedExamples;
    if (examples.length < NAMING_EXAMPLES) examples.push(rel);
    return {
      imageKey: id.imageKey,
      watchId: id.watchId,
      templateModel: id.templateModel,
      path: join(folder, rel),
      fullImageName: basename(rel),
      human: human.get(id.imageKey) ?? null,
      predicted: predicted.get(id.imageKey) ?? null,
      rejected: rejections.rejected.has(id.imageKey),
    };
  });
  return { imagesDir: folder, labelsDir, predictedDir, entries, problems, naming };
}

/**
 * Apply a review: an accept writes the human label into the file as it is on disk now (through the
 * label store: one writer per file, a cross-process lock, compare-before-rename); a reject or
 * unreject updates the watch's rejections file (`<labels>/rejected/{WATCH_ID}.json`) the same way,
 * a reject keeping the prediction it rejected. Returns the updated entry.
 */
export async function applyReview(
  store: LabelStore,
  folder: string,
  namingPattern: string,
  action: ReviewAction,
  reviewer: string,
  now: () => Date,
  dirsOf: LabelDirsOf = discoveredLabelDirs,
): Promise<ReviewEntry> {
  const data = await loadKeypointFolder(folder, namingPattern, dirsOf, store);
  const entry = data.entries.find((e) => e.imageKey === action.imageKey);
  if (!entry) throw new AppFailure('NOT_FOUND', `no image ${action.imageKey} in ${folder}`);
  switch (action.kind) {
    case 'accept': {
      let record: LabelRecord | null = null;
      // Computed from the human label as it is on disk under the lock, not as it was loaded.
      await store.update(new LabelDir(data.labelsDir).path(entry.watchId), (onDisk) => {
        const human = onDisk[entry.imageKey] ?? null;
        const base = entry.predicted ?? human;
        if (!base)
          throw new AppFailure('INVALID_ARGUMENT', `${action.imageKey} has no prediction to review; predict it first`);
        // Several dials: the review starts from the dial the reviewer chose. Else re-reviewing a
        // human label keeps the original prediction it was made from.
        const chosen = action.dial && entry.predicted ? dialRecord(entry.predicted, action.dial) : entry.predicted;
        const dial = chosen !== entry.predicted ? chosen : null;
        const source: LabelRecord = dial
          ? dial
          : human?.prediction
            ? {
                ...human,
                coords_norm: human.prediction.coords_norm,
                annotator: human.prediction.annotator,
                ...(human.prediction.confidence !== undefined ? { confidence: human.prediction.confidence } : {}),
              }
            : base;
        record = reviewedRecord(source, action.coords, reviewer, isoTimestamp(now()));
        if (dial) record.prediction = { ...record.prediction!, dial: action.dial };
        return mergeInto(onDisk, { [entry.imageKey]: record }, () => false);
      });
      await setRejection(store, data.labelsDir, entry.watchId, entry.imageKey, null);
      return { ...entry, human: record, rejected: false };
    }
    case 'reject': {
      const reason = action.reason?.trim();
      await setRejection(store, data.labelsDir, entry.watchId, entry.imageKey, {
        full_image_name: entry.fullImageName,
        reviewer,
        timestamp: isoTimestamp(now()),
        ...(reason ? { reason } : {}),
        ...(entry.predicted ? { prediction: entry.predicted } : {}),
      });
      return { ...entry, rejected: true };
    }
    case 'unreject':
      await setRejection(store, data.labelsDir, entry.watchId, entry.imageKey, null);
      return { ...entry, rejected: false };
  }
}

/**
 * Export reviewed labels for retraining (optionally only the corrected ones): one COCO file, or a
 * YOLO-pose dataset split by watch ID with the images linked (or copied) beside the labels.
 */
export async function exportReviewed(
  folder: string,
  namingPattern: string,
  request: ExportRequest,
  now: () => Date,
  dirsOf: LabelDirsOf = discoveredLabelDirs,
): Promise<ExportResult> {
  const data = await loadKeypointFolder(folder, namingPattern, dirsOf);
  const chosen = data.entries.filter((e) => {
    if (!e.human) return false;
    return !request.onlyCorrected || reviewStateOf(e.human, e.rejected) === 'corrected';
  });
  if (request.format === 'coco') {
    const { coco, skipped } = toCoco(
      chosen.map((e) => ({ imageKey: e.imageKey, record: e.human as LabelRecord })),
      { now: isoTimestamp(now()) },
    );
    await writeJsonAtomic(request.out, coco);
    return { images: coco.images.length, out: request.out, skipped };
  }
  const plan = planYoloPoseExport(
    chosen.map((e) => ({
      imageKey: e.imageKey,
      record: e.human as LabelRecord,
      watchId: e.watchId,
      imagePath: e.path,
    })),
    { valFraction: request.valFraction ?? 0.2, seed: request.seed ?? 0 },
  );
  if (!plan.ok) throw new AppFailure(plan.error.code, plan.error.message, plan.error.details);
  const written = await writeYoloPoseDataset(request.out, plan.value, { copy: request.copy === true });
  return {
    images: written.images,
    out: written.out,
    skipped: plan.value.skipped,
    split: { train: written.train, val: written.val },
  };
}
