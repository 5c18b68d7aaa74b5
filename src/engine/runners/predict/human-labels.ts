import type { LabelRecord } from '../../../shared/labels';
import { isSafeFileName, missingKeypoints, templateProblem } from '../../../core/formats/labels';
import { identifyImage } from '../../../core/naming';
import type { TemplateCandidate } from '../../keypoints/predictor';
import { LabelDir } from '../../labels/label-dir';
import type { PredictLog } from './log';
import type { ImageList } from './setup';

/**
 * The human labels, by image key: their images are skipped (unless forced) and they are the
 * matching templates. They are read, never written; a malformed file is logged and not used.
 */
export async function readHumanLabels(labelsDir: string, log: PredictLog): Promise<Map<string, LabelRecord>> {
  const human = new Map<string, LabelRecord>();
  for (const file of await new LabelDir(labelsDir).readAll()) {
    if (!file.labels) {
      await log(
        `human label file ${file.path} is malformed (${file.problems[0]?.message ?? 'unreadable'}); its labels are not used`,
      );
      continue;
    }
    for (const [key, record] of Object.entries(file.labels)) human.set(key, record);
  }
  return human;
}

/**
 * The human labels that can serve as templates: a plain file name among the images, all five
 * keypoints, nothing `templateProblem` refuses. Each refusal is logged with its reason.
 */
export async function templateCandidates(
  human: ReadonlyMap<string, LabelRecord>,
  list: Pick<ImageList, 'byName' | 'pattern' | 'rootName'>,
  log: PredictLog,
): Promise<TemplateCandidate[]> {
  const candidates: TemplateCandidate[] = [];
  for (const [key, record] of human) {
    if (typeof record.full_image_name !== 'string' || !isSafeFileName(record.full_image_name)) {
      await log(
        `human label ${key}: full_image_name ${JSON.stringify(record.full_image_name)} refused (not a plain file name)`,
      );
      continue;
    }
    const missing = missingKeypoints(record);
    if (missing.length > 0) {
      await log(`human label ${key}: partial (${missing.join(', ')} absent); not used as a template`);
      continue;
    }
    const path = list.byName.get(record.full_image_name);
    if (!path) continue;
    const unusable = templateProblem(record);
    if (unusable) {
      await log(`human label ${key}: refused as a template: ${unusable} (\`loupe validate\` lists such labels)`);
      continue;
    }
    const id = identifyImage(record.full_image_name, list.pattern, list.rootName);
    candidates.push({
      key,
      path,
      watchId: id.watchId,
      templateModel: id.templateModel,
      record,
      coords: record.coords_norm,
      size: record.image_size,
    });
  }
  return candidates;
}
