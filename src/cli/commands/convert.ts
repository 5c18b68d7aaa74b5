import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LabelFile, LabelRecord } from '../../shared/labels';
import { DEFAULT_NAMING_PATTERN } from '../../shared/settings';
import {
  fromLabelStudioExport,
  labelingConfigXml,
  toLabelStudioTasks,
  type LsAnnotation,
  type LsTask,
} from '../../core/formats/label-studio';
import { compileNamingPattern, identifyImage } from '../../core/naming';
import { writeFileAtomic, writeJsonAtomic } from '../../engine/fs/atomic';
import { LabelDir } from '../../engine/labels/label-dir';
import { UsageError, type CliIo } from '../context';
import { exportCoco, exportYoloPose } from './convert-retraining';

export const CONVERT_HELP = `Usage: loupe convert --to <format> --labels-dir DIR [options]
       loupe convert --from label-studio --input EXPORT.json --labels-dir DIR [--merge]

Formats:
  --to label-studio   Label Studio tasks with the labels as predictions (KeyPointLabels, percent
                      coordinates, original_width/height, model_version, score), and
                      labeling-config.xml beside them. --out FILE (default tasks.json),
                      --image-base-url URL (default: file:// paths into --images-dir)
  --to coco           COCO keypoints JSON for retraining (info, licenses, the dial category with
                      kpt_oks_sigmas). --out FILE (default coco_keypoints.json)
  --to yolo-pose      An Ultralytics YOLO-pose dataset that trains as it is: --out-dir DIR gets
                      images/{train,val} (symlinks to the images in --images-dir; --copy to
                      copy them), labels/{train,val}/<image>.txt and dataset.yaml (path, train,
                      val, kpt_shape [5, 3], flip_idx, names). Split by watch ID, no watch in
                      both: --val-fraction F of the watches (default 0.2), --seed N (default 0).
                      Keypoints outside the image are clamped and marked not visible
  --from label-studio A Label Studio JSON export back into {WATCH_ID}.json label files in
                      --labels-dir (human annotations; the prediction kept under "prediction").
                      --merge merges into existing files (imported labels replace predictions and
                      older labels; newer labels on disk win); without it, existing files are
                      left alone and the command fails. --annotator NAME (default: the export's
                      completed_by, as human:<who>)

Options:
  --images-dir DIR       Where the images are (for file:// URLs and the YOLO dataset path)
  --naming-pattern RE    File-name pattern (image key, watch ID)
  -h, --help             Show this help
`;

export async function convertCommand(argv: string[], io: CliIo, now: () => Date = () => new Date()): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      to: { type: 'string' },
      from: { type: 'string' },
      'labels-dir': { type: 'string' },
      'images-dir': { type: 'string' },
      input: { type: 'string' },
      out: { type: 'string' },
      'out-dir': { type: 'string' },
      'image-base-url': { type: 'string' },
      merge: { type: 'boolean' },
      annotator: { type: 'string' },
      'naming-pattern': { type: 'string' },
      copy: { type: 'boolean' },
      'val-fraction': { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.out(CONVERT_HELP);
    return 0;
  }
  if (!values['labels-dir']) throw new UsageError('--labels-dir is required');
  const labels = new LabelDir(resolve(values['labels-dir']));
  const pattern = compileNamingPattern(values['naming-pattern'] ?? DEFAULT_NAMING_PATTERN);
  if (!pattern.ok) throw new UsageError(pattern.error.message);
  const imagesDir = values['images-dir'] ? resolve(values['images-dir']) : null;

  if (values.from !== undefined) {
    if (values.from !== 'label-studio') throw new UsageError(`--from supports label-studio, not ${values.from}`);
    if (!values.input) throw new UsageError('--input EXPORT.json is required');
    return importLabelStudio(resolve(values.input), labels, {
      merge: values.merge === true,
      annotator: values.annotator,
      identify: (name) => identifyImage(name, pattern.value, 'unsorted'),
      now,
      io,
    });
  }

  if (!(await labels.exists())) throw new UsageError(`not a folder: ${labels.dir}`);
  const all = await collect(labels, io);
  switch (values.to) {
    case 'label-studio': {
      const out = resolve(values.out ?? 'tasks.json');
      const base = values['image-base-url']?.replace(/\/+$/, '');
      const url = (name: string): string =>
        base ? `${base}/${encodeURIComponent(name)}` : `file://${join(imagesDir ?? dirname(labels.dir), name)}`;
      const tasks = toLabelStudioTasks(all, url);
      await writeJsonAtomic(out, tasks);
      await writeFileAtomic(join(dirname(out), 'labeling-config.xml'), labelingConfigXml());
      io.out(`${tasks.length} tasks → ${out}\nlabeling config → ${join(dirname(out), 'labeling-config.xml')}\n`);
      return 0;
    }
    case 'coco':
      return exportCoco(all, resolve(values.out ?? 'coco_keypoints.json'), now(), io);
    case 'yolo-pose':
      if (!values['out-dir']) throw new UsageError('--out-dir is required for yolo-pose');
      return exportYoloPose(
        all,
        {
          outDir: values['out-dir'],
          imagesDir,
          copy: values.copy === true,
          valFraction: values['val-fraction'],
          seed: values.seed,
          watchIdOf: (name) => identifyImage(name, pattern.value, 'unsorted').watchId,
        },
        io,
      );
    case undefined:
      throw new UsageError('say --to label-studio|coco|yolo-pose, or --from label-studio');
    default:
      throw new UsageError(`--to supports label-studio, coco, yolo-pose; not ${values.to}`);
  }
}

/** Every readable record of a label folder, keyed by image key; unreadable files reported. */
async function collect(labels: LabelDir, io: CliIo): Promise<LabelFile> {
  const out: LabelFile = {};
  for (const file of await labels.readAll()) {
    if (!file.labels) {
      io.err(`skipped ${file.path}: ${file.problems[0]?.message ?? 'unreadable'}\n`);
      continue;
    }
    Object.assign(out, file.labels);
  }
  return out;
}

async function importLabelStudio(
  input: string,
  labels: LabelDir,
  options: {
    merge: boolean;
    annotator: string | undefined;
    identify: (name: string) => { imageKey: string; watchId: string };
    now: () => Date;
    io: CliIo;
  },
): Promise<number> {
  let tasks: LsTask[];
  try {
    tasks = JSON.parse(await readFile(input, 'utf8')) as LsTask[];
  } catch (e) {
    throw new UsageError(`cannot read the export ${input}: ${(e as Error).message}`);
  }
  if (!Array.isArray(tasks)) throw new UsageError('a Label Studio JSON export is a list of tasks');
  const who = (a: LsAnnotation): string => {
    if (options.annotator) return options.annotator;
    const c = a.completed_by;
    const name = typeof c === 'object' && c !== null ? c.email : c;
    return `human:${name ?? 'label-studio'}`;
  };
  const { records, problems } = fromLabelStudioExport(tasks, {
    imageKeyOf: (name) => options.identify(name).imageKey,
    annotator: who,
    now: () => options.now().toISOString(),
  });
  for (const p of problems) options.io.err(`task ${p.task}: ${p.message}\n`);

  const byWatch = new Map<string, LabelFile>();
  for (const [key, record] of Object.entries(records)) {
    const watchId = options.identify(record.full_image_name).watchId;
    byWatch.set(watchId, { ...(byWatch.get(watchId) ?? {}), [key]: record });
  }
  if (!options.merge) {
    const clashes = [];
    for (const watchId of byWatch.keys()) if ((await labels.read(watchId)).exists) clashes.push(watchId);
    if (clashes.length > 0) {
      options.io.err(`these label files exist: ${clashes.join(', ')}. Use --merge to merge into them.\n`);
      return 1;
    }
  }
  let written = 0;
  for (const [watchId, incoming] of byWatch) {
    // Newer labels on disk win over older imported ones; everything else is replaced.
    const keepOnDisk = (onDisk: LabelRecord): boolean => {
      if (!onDisk.timestamp || onDisk.debug_info) return false;
      const key = Object.keys(incoming).find((k) => incoming[k]?.full_image_name === onDisk.full_image_name);
      const theirs = key ? incoming[key]?.timestamp : undefined;
      return theirs !== undefined && Date.parse(onDisk.timestamp) > Date.parse(theirs);
    };
    await labels.write(watchId, incoming, keepOnDisk);
    written += Object.keys(incoming).length;
  }
  options.io.out(
    `${written} labels from ${tasks.length} tasks → ${labels.dir} (${byWatch.size} files)${problems.length ? `, ${problems.length} tasks skipped` : ''}\n`,
  );
  return problems.length > 0 && written === 0 ? 1 : 0;
}
