import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LabelFile } from '../../shared/labels';
import { DEFAULT_NAMING_PATTERN } from '../../shared/settings';
import { missingKeypoints } from '../../core/formats/labels';
import { compileNamingPattern, identifyImage } from '../../core/naming';
import { LabelDir } from '../../engine/labels/label-dir';
import { LabelStore } from '../../engine/labels/label-store';
import { UsageError, type CliIo } from '../context';
import { exportLabelStudio, importLabelStudio, readProjectOptions } from './convert-label-studio';
import { exportCoco, exportYoloPose } from './convert-retraining';
import { defaultImagesDir } from './validate';

export const CONVERT_HELP = `Usage: loupe convert --to <format> --labels-dir DIR [options]
       loupe convert --from label-studio --input EXPORT.json --labels-dir DIR [options]

Formats:
  --to label-studio   Label Studio tasks: a person's labels as annotations, the model's as
                      predictions of one model_version (the annotator without its tier suffix;
                      tier and confidence in each result's score and meta), KeyPointLabels in
                      percent with original_width/height; labeling-config.xml beside them.
                      --out FILE (default tasks.json). Images are Label Studio local files,
                      /data/local-files/?d=<path under --document-root> (default: the env
                      LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT, else the images folder's parent;
                      docs/label-studio.md), or --image-base-url URL/<name>.
                      For an existing project: --from-name, --to-name, --label-map, --config.
                      --model-version NAME sets the predictions' model_version.
  --to coco           COCO keypoints JSON for retraining (info, licenses, the dial category with
                      kpt_oks_sigmas). --out FILE (default coco_keypoints.json)
  --to yolo-pose      An Ultralytics YOLO-pose dataset that trains as it is: --out-dir DIR gets
                      images/{train,val} (symlinks to the images in --images-dir; --copy to
                      copy them), labels/{train,val}/<image>.txt and dataset.yaml (path, train,
                      val, kpt_shape [5, 3], flip_idx, names). Split by watch ID, no watch in
                      both: --val-fraction F of the watches (default 0.2), --seed N (default 0).
                      Keypoints outside the image are clamped and marked not visible
  --from label-studio A Label Studio export, JSON or JSON-MIN (told apart by shape), into
                      {WATCH_ID}.json label files in --labels-dir. Per task the newest
                      non-cancelled annotation wins (the newest prediction kept under
                      "prediction"); image names from every URL form Label Studio writes.
                      Prints what was imported, skipped and failed, and why; exits 1 only when
                      nothing was imported.
                      --merge            merge into existing files (imported labels replace
                                         predictions and older labels; newer labels on disk
                                         win); without it existing files are left alone and
                                         the command fails
                      --allow-partial    import labels that lack some of the five keypoints
                                         (the missing ones absent; validate warns)
                      --predictions      import tasks that only have predictions, as
                                         predictions (never over a person's label)
                      --annotator NAME   default: the export's completed_by, as human:<who>

Label Studio project options (both directions):
  --label-map MAP        Project labels → keypoints, case-insensitive: Top=top,Center=center.
                         Unmapped labels are tried as synonyms (12_oclock, 3_oclock, centre…)
  --config FILE          The project's labeling config (XML): its KeyPointLabels control (name,
                         toName, labels) and the image field it labels
  --from-name NAME       The KeyPointLabels control (results' from_name)
  --to-name NAME         The Image tag (results' to_name; export)

Options:
  --images-dir DIR       Where the images are (local-files paths, the YOLO dataset path)
  --document-root DIR    Label Studio's LOCAL_FILES_DOCUMENT_ROOT (export)
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
      'document-root': { type: 'string' },
      merge: { type: 'boolean' },
      annotator: { type: 'string' },
      'label-map': { type: 'string' },
      config: { type: 'string' },
      'from-name': { type: 'string' },
      'to-name': { type: 'string' },
      'model-version': { type: 'string' },
      'allow-partial': { type: 'boolean' },
      predictions: { type: 'boolean' },
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
    return importLabelStudio({
      input: resolve(values.input),
      labels,
      // The same writer (and file lock) as the app's and predict's: a running app is not clobbered.
      store: new LabelStore(),
      merge: values.merge === true,
      annotator: values.annotator,
      allowPartial: values['allow-partial'] === true,
      predictions: values.predictions === true,
      fromName: values['from-name'],
      ...(await readProjectOptions(values)),
      pattern: pattern.value,
      now,
      io,
    });
  }

  if (!(await labels.exists())) throw new UsageError(`not a folder: ${labels.dir}`);
  // Partial records (a Label Studio import with --allow-partial) go to Label Studio only.
  const all = await collect(labels, io, values.to === 'label-studio');
  switch (values.to) {
    case 'label-studio': {
      return exportLabelStudio({
        records: all,
        out: resolve(values.out ?? 'tasks.json'),
        imagesDir: imagesDir ?? defaultImagesDir(labels.dir),
        documentRoot: values['document-root'] !== undefined ? resolve(values['document-root']) : undefined,
        imageBaseUrl: values['image-base-url'],
        fromName: values['from-name'],
        toName: values['to-name'],
        modelVersion: values['model-version'],
        ...(await readProjectOptions(values)),
        io,
      });
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
async function collect(labels: LabelDir, io: CliIo, allowPartial: boolean): Promise<LabelFile> {
  const out: LabelFile = {};
  for (const file of await labels.readAll()) {
    if (!file.labels) {
      io.err(`skipped ${file.path}: ${file.problems[0]?.message ?? 'unreadable'}\n`);
      continue;
    }
    for (const [key, record] of Object.entries(file.labels)) {
      const missing = missingKeypoints(record);
      if (missing.length > 0 && !allowPartial) {
        io.err(`skipped ${key}: partial (${missing.join(', ')} absent)\n`);
        continue;
      }
      out[key] = record;
    }
  }
  return out;
}
