import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { LabelFile } from '../../shared/labels';
import { labelingConfigXml, toLabelStudioTasks, type LsExportOptions } from '../../core/formats/label-studio';
import {
  chooseKeypointControl,
  controlLabelFor,
  parseLabelingConfig,
  type LsKeypointControl,
} from '../../core/formats/label-studio-config';
import {
  importLabelStudioExport,
  importSummary,
  labelStudioUser,
  taskLabel,
  taskList,
} from '../../core/formats/label-studio-import';
import { labelForKeypoint, parseKeypointLabelMap, type KeypointLabelMap } from '../../core/keypoints/names';
import { identifyImage, isImageFileName } from '../../core/naming';
import { writeFileAtomic, writeJsonAtomic } from '../../engine/fs/atomic';
import type { LabelDir } from '../../engine/labels/label-dir';
import type { LabelStore } from '../../engine/labels/label-store';
import { existingLabelFiles, writeImported } from '../../engine/labels/label-studio-import';
import { UsageError, type CliIo } from '../context';
import { isoTimestamp } from '../../core/format';

/** `--label-map` and `--config`, read once for both directions. */
export async function readProjectOptions(values: {
  'label-map'?: string;
  config?: string;
  'from-name'?: string;
}): Promise<{ labelMap?: KeypointLabelMap; control?: LsKeypointControl }> {
  let labelMap: KeypointLabelMap | undefined;
  if (values['label-map'] !== undefined) {
    const parsed = parseKeypointLabelMap(values['label-map']);
    if (!parsed.ok) throw new UsageError(`--label-map: ${parsed.error.message}`);
    labelMap = parsed.value;
  }
  if (values.config === undefined) return labelMap ? { labelMap } : {};
  let xml: string;
  try {
    xml = await readFile(resolve(values.config), 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the labeling config ${values.config}: ${(e as Error).message}`);
  }
  const config = parseLabelingConfig(xml, labelMap);
  if (!config.ok) throw new UsageError(`--config ${values.config}: ${config.error.message}`);
  const control = chooseKeypointControl(config.value, values['from-name']);
  if (!control.ok) throw new UsageError(`--config ${values.config}: ${control.error.message}`);
  return { ...(labelMap ? { labelMap } : {}), control: control.value };
}

export interface ImportArgs {
  input: string;
  labels: LabelDir;
  /** The one writer of label files (a cross-process lock, compare-before-rename). */
  store: LabelStore;
  merge: boolean;
  annotator: string | undefined;
  allowPartial: boolean;
  predictions: boolean;
  fromName: string | undefined;
  labelMap?: KeypointLabelMap;
  control?: LsKeypointControl;
  pattern: RegExp;
  now: () => Date;
  io: CliIo;
}

/** A Label Studio JSON or JSON-MIN export → label files, with a summary of what became of each task. */
export async function importLabelStudio(args: ImportArgs): Promise<number> {
  const { io, labels } = args;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(args.input, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read the export ${args.input}: ${(e as Error).message}`);
  }
  const result = importLabelStudioExport(json, {
    ...(args.control ? { control: args.control } : {}),
    ...(args.fromName !== undefined && !args.control ? { fromName: args.fromName } : {}),
    ...(args.labelMap ? { labelMap: args.labelMap } : {}),
    allowPartial: args.allowPartial,
    predictions: args.predictions,
    identify: (path) => identifyImage(path, args.pattern, 'unsorted'),
    annotator: (completedBy) => args.annotator ?? `human:${labelStudioUser(completedBy)}`,
    now: () => isoTimestamp(args.now()),
  });
  if (!result.ok) throw new UsageError(`${args.input}: ${result.error.message}`);
  const report = result.value;
  for (const f of report.failed) io.err(`task ${taskLabel(f.task)}: ${f.message}\n`);

  if (!args.merge) {
    const clashes = await existingLabelFiles(report, labels);
    if (clashes.length > 0) {
      io.err(`these label files exist: ${clashes.join(', ')}. Use --merge to merge into them.\n`);
      return 1;
    }
  }
  const written = await writeImported(report, labels, args.store);
  io.out(importSummary(report, { ...written, labelsDir: labels.dir }).join('\n') + '\n');
  return written.written > 0 ? 0 : 1;
}

export interface ExportArgs {
  records: LabelFile;
  out: string;
  imagesDir: string | null;
  documentRoot: string | undefined;
  imageBaseUrl: string | undefined;
  fromName: string | undefined;
  toName: string | undefined;
  modelVersion: string | undefined;
  labelMap?: KeypointLabelMap;
  control?: LsKeypointControl;
  io: CliIo;
}

const posix = (p: string): string => p.split(sep).join('/');
const encodePath = (p: string): string => p.split('/').map(encodeURIComponent).join('/');

/**
 * Label files → Label Studio tasks and a labeling config. Images are referred to as Label Studio's
 * local files (`/data/local-files/?d=<path under the document root>`, docs/label-studio.md), or
 * under `--image-base-url`.
 */
export async function exportLabelStudio(args: ExportArgs): Promise<number> {
  const notes: string[] = [];
  const missing: string[] = [];
  const imageUrl = await imageUrlFor(args, notes, missing);
  const names = projectNames(args);
  const exported = toLabelStudioTasks(args.records, {
    imageUrl,
    ...names,
    ...(args.modelVersion !== undefined ? { modelVersion: args.modelVersion } : {}),
  });
  if (missing.length > 0) {
    notes.push(
      `${missing.length} image${missing.length === 1 ? '' : 's'} not found under ${args.imagesDir}: ${taskList(missing)}`,
    );
  }
  const configFile = join(dirname(args.out), 'labeling-config.xml');
  await writeJsonAtomic(args.out, exported.tasks);
  await writeFileAtomic(configFile, labelingConfigXml(names));
  const annotated = exported.tasks.filter((t) => t.annotations).length;
  const predicted = exported.tasks.filter((t) => t.predictions).length;
  let text = `${exported.tasks.length} tasks → ${args.out} (${annotated} with a person's label as the annotation, ${predicted} with a prediction`;
  text += exported.modelVersion ? `, model_version "${exported.modelVersion}")\n` : ')\n';
  text += `labeling config → ${configFile}\n`;
  for (const n of [...notes, ...exported.notes]) text += `note: ${n}\n`;
  args.io.out(text);
  return 0;
}

async function imageUrlFor(args: ExportArgs, notes: string[], missing: string[]): Promise<LsExportOptions['imageUrl']> {
  if (args.imageBaseUrl !== undefined) {
    if (args.documentRoot !== undefined) throw new UsageError('give --image-base-url or --document-root, not both');
    const base = args.imageBaseUrl.replace(/\/+$/, '');
    return (record) => `${base}/${encodeURIComponent(record.full_image_name)}`;
  }
  if (!args.imagesDir) {
    throw new UsageError(
      'say where the photos are (--images-dir DIR) so the tasks can name them as Label Studio local files, or give --image-base-url',
    );
  }
  const imagesDir = args.imagesDir;
  const env = args.io.env;
  const root = resolve(
    args.documentRoot ??
      env.LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT ??
      env.LOCAL_FILES_DOCUMENT_ROOT ??
      dirname(imagesDir),
  );
  const under = relative(root, imagesDir);
  if (under.startsWith('..') || isAbsolute(under)) {
    throw new UsageError(`the images folder ${imagesDir} is not inside the document root ${root} (--document-root)`);
  }
  if (under === '') {
    notes.push(
      'the images folder is the document root itself; Label Studio wants a Local Storage path inside LOCAL_FILES_DOCUMENT_ROOT, so set --document-root to a parent folder',
    );
  }
  notes.push(`images as Label Studio local files: LOCAL_FILES_DOCUMENT_ROOT=${root}, Local Storage path ${imagesDir}`);
  const found = new Map<string, string>();
  const files = (await readdir(imagesDir, { recursive: true }).catch(() => [] as string[])).sort();
  for (const rel of files) {
    const name = basename(rel);
    if (isImageFileName(name) && !rel.split(sep).some((p) => p.startsWith('.')) && !found.has(name)) {
      found.set(name, rel);
    }
  }
  return (record) => {
    const rel = found.get(record.full_image_name);
    if (!rel) missing.push(record.full_image_name);
    const path = posix(relative(root, join(imagesDir, rel ?? record.full_image_name)));
    return `/data/local-files/?d=${encodePath(path)}`;
  };
}

type ProjectNames = Pick<LsExportOptions, 'fromName' | 'toName' | 'dataKey' | 'labelFor'>;

/** The project's control, image and labels: flags, else the labeling config, else Loupe's. */
function projectNames(args: ExportArgs): ProjectNames {
  const { control, labelMap } = args;
  const names: ProjectNames = {};
  const fromName = args.fromName ?? control?.name;
  const toName = args.toName ?? control?.toName;
  if (fromName !== undefined) names.fromName = fromName;
  if (toName !== undefined) names.toName = toName;
  if (control?.imageDataKey) names.dataKey = control.imageDataKey;
  if (control) names.labelFor = (n) => controlLabelFor(control, n);
  else if (labelMap) names.labelFor = (n) => labelForKeypoint(n, labelMap);
  return names;
}
