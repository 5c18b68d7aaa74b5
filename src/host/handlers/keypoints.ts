import { readdir, stat } from 'node:fs/promises';
import { z } from 'zod';
import { KEYPOINT_NAMES, type KeypointName } from '../../shared/labels';
import { AppFailure } from '../../core/result';
import { applyReview, exportReviewed, loadKeypointFolder } from '../keypoint-folder';
import { importIntoFolder } from '../label-studio-import';
import { verb, type NamespaceVerbs } from '../verb';
import { absolutePath, flag, folderPath, requireFolder, requireGranted, type HandlerDeps } from './common';

const FIVE_POINTS = 'an accept needs the five keypoints as finite [x, y] pairs';
const point = z.tuple([z.number({ error: FIVE_POINTS }), z.number({ error: FIVE_POINTS })], { error: FIVE_POINTS });
const keypoints = z.object(
  Object.fromEntries(KEYPOINT_NAMES.map((name) => [name, point])) as Record<KeypointName, typeof point>,
  { error: FIVE_POINTS },
);
const imageKey = z.string({ error: 'a review action needs an image key' });

const reviewAction = z.discriminatedUnion(
  'kind',
  [
    z.object({
      kind: z.literal('accept'),
      imageKey,
      coords: keypoints,
      dial: z.number({ error: 'dial is the index of a detected dial' }).int().min(0).optional(),
    }),
    z.object({
      kind: z.literal('reject'),
      imageKey,
      reason: z
        .string({ error: 'a rejection reason is text' })
        .max(2000, 'a rejection reason is at most 2000 characters')
        .optional(),
    }),
    z.object({ kind: z.literal('unreject'), imageKey }),
  ],
  { error: 'a review action is accept, reject or unreject, with an image key' },
);

const exportRequest = z.object(
  {
    format: z.enum(['coco', 'yolo-pose'], { error: 'an export format is coco or yolo-pose' }),
    onlyCorrected: z.boolean({ error: 'onlyCorrected must be true or false' }).default(false),
    out: absolutePath('an export needs an absolute output path'),
    overwrite: flag('overwrite'),
    copy: flag('copy'),
    valFraction: z.number({ error: 'valFraction is a number between 0 and 1' }).optional(),
    seed: z.number({ error: 'seed is a number' }).optional(),
  },
  { error: 'an export needs a format (coco, yolo-pose) and an absolute output path' },
);

const importRequest = z.object(
  {
    input: absolutePath('an import needs the absolute path of a Label Studio export'),
    labelMap: z.string({ error: 'labelMap must be text like Top=top,Center=center' }).optional(),
    allowPartial: flag('allowPartial'),
    predictions: flag('predictions'),
    merge: flag('merge'),
  },
  { error: 'an import needs the absolute path of a Label Studio export' },
);

const labelDirChoice = z.object(
  {
    human: z.string({ error: 'human is a folder path or null' }).nullable(),
    predicted: z.string({ error: 'predicted is a folder path or null' }).nullable(),
  },
  { error: 'a choice of label folders is { human, predicted }, each a folder path or null (found by the rule)' },
);

type KeypointDeps = Pick<HandlerDeps, 'grants' | 'settings' | 'labels' | 'labelFolders' | 'now'>;

/** `keypoints:*`: a folder's images and labels, reviews written, exports and imports. */
export function keypointsVerbs(deps: KeypointDeps): NamespaceVerbs<'keypoints'> {
  const namingPattern = async (): Promise<string> => (await deps.settings.get()).namingPattern;
  const dirsOf = (folder: string) => deps.labelFolders.dirs(folder);
  return {
    'keypoints:load': verb(z.tuple([folderPath]), async (folder) =>
      loadKeypointFolder(await requireGranted(deps.grants, folder), await namingPattern(), dirsOf, deps.labels),
    ),
    'keypoints:review': verb(z.tuple([folderPath, reviewAction]), async (folder, action) => {
      const settings = await deps.settings.get();
      const images = await requireGranted(deps.grants, folder);
      return applyReview(deps.labels, images, settings.namingPattern, action, settings.reviewer, deps.now, dirsOf);
    }),
    'keypoints:export': verb(z.tuple([folderPath, exportRequest]), async (folder, request) => {
      const images = await requireGranted(deps.grants, folder);
      if (request.overwrite !== true) await refuseExisting(request.out, request.format);
      return exportReviewed(images, await namingPattern(), request, deps.now, dirsOf);
    }),
    'keypoints:import': verb(z.tuple([folderPath, importRequest]), async (folder, request) => {
      // Labels are written into the opened folder's label folder; the export is a file the user named.
      const images = await requireGranted(deps.grants, folder);
      return importIntoFolder(images, request, {
        store: deps.labels,
        namingPattern: await namingPattern(),
        now: deps.now,
        dirsOf,
      });
    }),
    'keypoints:labelDirs': verb(z.tuple([folderPath]), async (folder) =>
      deps.labelFolders.describe(await requireGranted(deps.grants, folder)),
    ),
    'keypoints:chooseLabelDirs': verb(z.tuple([folderPath, labelDirChoice]), async (folder, choice) => {
      const images = await requireGranted(deps.grants, folder);
      // Each chosen folder as the user typed or browsed it: `~` expanded, absolute, existing.
      const resolved = {
        human: choice.human === null ? null : await requireFolder(choice.human),
        predicted: choice.predicted === null ? null : await requireFolder(choice.predicted),
      };
      await deps.labelFolders.choose(images, resolved);
      return deps.labelFolders.describe(images);
    }),
  };
}

/**
 * An export never replaces what is there unless the request says so: a COCO file that exists, or
 * a YOLO-pose folder that is not empty (its labels/ and dataset.yaml would be overwritten).
 */
async function refuseExisting(out: string, format: 'coco' | 'yolo-pose'): Promise<void> {
  const st = await stat(out).catch(() => null);
  if (!st) return;
  if (format === 'yolo-pose' && st.isDirectory() && (await readdir(out)).length === 0) return;
  throw new AppFailure('ALREADY_EXISTS', `${out} already exists; export again with overwrite to replace it`, {
    path: out,
  });
}
