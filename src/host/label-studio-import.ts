import { readFile } from 'node:fs/promises';
import type { LabelStudioImportRequest, LabelStudioImportResult } from '../shared/review';
import {
  importLabelStudioExport,
  importSummary,
  labelStudioUser,
  taskLabel,
} from '../core/formats/label-studio-import';
import { parseKeypointLabelMap } from '../core/keypoints/names';
import { compileNamingPattern, identifyImage } from '../core/naming';
import { AppFailure } from '../core/result';
import { LabelDir } from '../engine/labels/label-dir';
import type { LabelStore } from '../engine/labels/label-store';
import { existingLabelFiles, writeImported } from '../engine/labels/label-studio-import';
import { discoveredLabelDirs, type LabelDirsOf } from './label-dirs';
import { isoTimestamp } from '../core/format';

/**
 * The app's Label Studio import: the same reading as `loupe convert --from label-studio`
 * (core/formats/label-studio-import) and the same writer (the label store), into the opened
 * folder's human labels. Merges by default: a person's newer label on disk wins, and a model's
 * record never replaces a person's.
 */
export async function importIntoFolder(
  folder: string,
  request: LabelStudioImportRequest,
  deps: {
    store: LabelStore;
    namingPattern: string;
    now: () => Date;
    /** The folder's label folders (chosen, else found by the rule). */
    dirsOf?: LabelDirsOf;
  },
): Promise<LabelStudioImportResult> {
  const pattern = compileNamingPattern(deps.namingPattern);
  if (!pattern.ok) throw new AppFailure('INVALID_ARGUMENT', pattern.error.message);
  let labelMap;
  if (request.labelMap?.trim()) {
    const parsed = parseKeypointLabelMap(request.labelMap);
    if (!parsed.ok) throw new AppFailure('INVALID_ARGUMENT', `label map: ${parsed.error.message}`);
    labelMap = parsed.value;
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(request.input, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_ARGUMENT';
    throw new AppFailure(code, `cannot read the export ${request.input}: ${(e as Error).message}`);
  }
  const result = importLabelStudioExport(json, {
    ...(labelMap ? { labelMap } : {}),
    allowPartial: request.allowPartial === true,
    predictions: request.predictions === true,
    identify: (path) => identifyImage(path, pattern.value, 'unsorted'),
    annotator: (completedBy) => `human:${labelStudioUser(completedBy)}`,
    now: () => isoTimestamp(deps.now()),
  });
  if (!result.ok) throw new AppFailure('INVALID_ARGUMENT', `${request.input}: ${result.error.message}`);
  const report = result.value;
  const labels = new LabelDir((await (deps.dirsOf ?? discoveredLabelDirs)(folder)).labelsDir);
  const failed = report.failed.map((f) => ({ task: taskLabel(f.task), message: f.message }));
  if (request.merge === false) {
    const clashes = await existingLabelFiles(report, labels);
    if (clashes.length > 0) {
      return {
        imported: 0,
        files: 0,
        labelsDir: labels.dir,
        clashes,
        failed,
        summary: [`these label files exist and were left alone: ${clashes.join(', ')}`],
      };
    }
  }
  const written = await writeImported(report, labels, deps.store);
  return {
    imported: written.written,
    files: written.files,
    labelsDir: labels.dir,
    clashes: [],
    failed,
    summary: importSummary(report, { ...written, labelsDir: labels.dir }),
  };
}
