/**
 * Ultralytics' own dataset rules for a pose dataset, ported (not copied) from reading its source,
 * so tests can tell whether `yolo pose train data=dataset.yaml` would take an export as it is:
 *
 * - ultralytics/data/utils.py `check_det_dataset`: the YAML needs train and val (a `validation`
 *   key is renamed), names or nc (equal lengths when both); the root is `path`, else the YAML's
 *   folder; a relative root that does not exist is taken under the datasets folder; each split is
 *   root / value, resolved (a missing `../x` retried as root / x); every val path must exist
 *   ("Dataset images not found, missing path").
 * - ultralytics/data/base.py `BaseDataset.get_img_files`: a folder is globbed `**` / `*.*` (hidden
 *   names never match), a .txt is a list of paths (`./` relative to its folder), anything else
 *   "does not exist"; files whose suffix is not in IMG_FORMATS are dropped; none left: "No images
 *   found".
 * - ultralytics/data/utils.py `img2label_paths`: the last `/images/` of an image path becomes
 *   `/labels/`, the suffix after the last dot `.txt`.
 * - ultralytics/data/dataset.py `YOLODataset.cache_labels`: kpt_shape [K, D] with K > 0 and D in
 *   {2, 3}; `get_labels`: "No valid images found" when every image is corrupt.
 * - ultralytics/data/utils.py `verify_image_label` (keypoint=True): the image opens, is at least
 *   10 px each way and of a known format (a JPEG without its end marker is "restored" with a
 *   warning); the label, when there is one, has 5 + K·D numeric columns per row, keypoint x/y at
 *   most 1.01, no value below −0.01, classes below nc; duplicate rows are removed with a warning;
 *   a missing or empty label makes the image a background. Anything else: "ignoring corrupt
 *   image/label".
 * - ultralytics/data/augment.py `v8_transforms`: flip_idx, when given, has K entries (else
 *   ValueError); without it horizontal flips are turned off (a warning).
 * - ultralytics/models/yolo/pose/val.py `PoseValidator.init_metrics` (recent releases):
 *   kpt_oks_sigmas, when given, are K positive numbers.
 *
 * `strict` adds what Loupe's exports promise beyond that: every coordinate within [0, 1] (no
 * tolerance), the box too, visibility in {0, 1, 2}, no duplicate rows, every image labelled.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import sharp from 'sharp';
import { parse as parseYaml } from 'yaml';

/** ultralytics/data/utils.py IMG_FORMATS (the version read; newer ones add avif/jp2 and drop pfm). */
export const IMG_FORMATS = new Set(['bmp', 'dng', 'jpeg', 'jpg', 'mpo', 'png', 'tif', 'tiff', 'webp', 'pfm', 'heic']);

export interface SplitReport {
  /** Image paths as get_img_files lists them, sorted. */
  images: string[];
  /** The label path img2label_paths gives each image. */
  labels: Map<string, string>;
  found: number;
  missing: number;
  empty: number;
  corrupt: number;
}

export interface PoseDatasetReport {
  /** What makes Ultralytics stop, or drop an image as corrupt. */
  errors: string[];
  /** What Ultralytics warns about or repairs (background images, duplicates removed, flips off). */
  warnings: string[];
  /** Loupe's own promises about its exports (see above). */
  strict: string[];
  data: {
    root: string;
    train: string[];
    val: string[];
    names: string[];
    kptShape: [number, number] | null;
    flipIdx: number[] | null;
  };
  splits: Partial<Record<'train' | 'val', SplitReport>>;
}

/** Python's `x.rsplit(sep, 1)` joined back with `by`: the last occurrence replaced. */
function replaceLast(x: string, find: string, by: string): string {
  const i = x.lastIndexOf(find);
  return i < 0 ? x : x.slice(0, i) + by + x.slice(i + find.length);
}

/** ultralytics/data/utils.py img2label_paths, for one path. */
export function img2labelPath(image: string): string {
  const swapped = replaceLast(image, `${sep}images${sep}`, `${sep}labels${sep}`);
  const dot = swapped.lastIndexOf('.');
  return (dot < 0 ? swapped : swapped.slice(0, dot)) + '.txt';
}

/** Python glob `p/**\/*.*` (recursive): names starting with a dot never match, links are followed. */
async function globAll(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const full = join(d, e.name);
      let isDir = e.isDirectory();
      if (e.isSymbolicLink()) isDir = (await stat(full).catch(() => null))?.isDirectory() ?? false;
      if (isDir) await walk(full);
      if (e.name.includes('.')) out.push(full);
    }
  };
  await walk(dir);
  return out;
}

/** BaseDataset.get_img_files. */
async function getImgFiles(paths: string[]): Promise<{ files: string[]; error: string | null }> {
  const f: string[] = [];
  for (const p of paths) {
    const st = await stat(p).catch(() => null);
    if (st?.isDirectory()) f.push(...(await globAll(p)));
    else if (st?.isFile()) {
      const parent = dirname(p) + sep;
      for (const line of (await readFile(p, 'utf8')).trim().split(/\r?\n/)) {
        f.push(line.startsWith('./') ? line.replace('./', parent) : line);
      }
    } else return { files: [], error: `${p} does not exist` };
  }
  const files = f.filter((x) => IMG_FORMATS.has(x.slice(x.lastIndexOf('.') + 1).toLowerCase())).sort();
  return files.length ? { files, error: null } : { files, error: `No images found in ${paths.join(', ')}` };
}

const SHARP_FORMATS: Record<string, string> = { jpeg: 'jpeg', png: 'png', webp: 'webp', tiff: 'tiff', heif: 'heic' };

interface LabelCheck {
  status: 'found' | 'missing' | 'empty' | 'corrupt';
  message: string | null;
  warning: string | null;
  strict: string[];
}

/** verify_image_label for a pose dataset (keypoint=True, single_cls=False). */
async function verifyImageLabel(
  image: string,
  label: string,
  nc: number,
  nkpt: number,
  ndim: number,
): Promise<LabelCheck> {
  const strict: string[] = [];
  let warning: string | null = null;
  try {
    const bytes = await readFile(image);
    const meta = await sharp(bytes).metadata();
    const format = SHARP_FORMATS[meta.format ?? ''];
    if (!format || !IMG_FORMATS.has(format)) throw new Error(`invalid image format ${meta.format}`);
    const [w, h] = (meta.orientation ?? 1) >= 5 ? [meta.height, meta.width] : [meta.width, meta.height];
    if (!((h ?? 0) > 9 && (w ?? 0) > 9)) throw new Error(`image size (${h}, ${w}) <10 pixels`);
    if (format === 'jpeg' && !(bytes[bytes.length - 2] === 0xff && bytes[bytes.length - 1] === 0xd9)) {
      warning = `${image}: corrupt JPEG restored and saved`;
    }
  } catch (e) {
    return {
      status: 'corrupt',
      message: `${image}: ignoring corrupt image/label: ${(e as Error).message}`,
      warning,
      strict,
    };
  }
  if (!existsSync(label) || !statSync(label).isFile()) {
    return { status: 'missing', message: null, warning, strict: [`${image}: no label at ${label}`] };
  }
  const rows = readFileSync(label, 'utf8')
    .trim()
    .split(/\r?\n/)
    .filter((x) => x.length)
    .map((x) => x.split(/\s+/).filter(Boolean));
  if (rows.length === 0) return { status: 'empty', message: null, warning, strict: [`${label}: empty`] };
  const corrupt = (why: string): LabelCheck => ({
    status: 'corrupt',
    message: `${image}: ignoring corrupt image/label: ${why}`,
    warning,
    strict,
  });
  const cols = 5 + nkpt * ndim;
  if (rows.some((r) => r.length !== cols)) return corrupt(`labels require ${cols} columns each`);
  const values = rows.map((r) => r.map((v) => Number(v)));
  // np.array(lb, dtype=float32) (Python's float() also takes nan/inf; no Loupe label has them).
  if (values.some((r) => r.some((v) => !Number.isFinite(v)))) return corrupt('could not convert string to float');
  const points = values.flatMap((r) => {
    const out: number[] = [];
    for (let k = 0; k < nkpt; k++) out.push(r[5 + k * ndim] as number, r[6 + k * ndim] as number);
    return out;
  });
  if (Math.max(...points) > 1.01)
    return corrupt(`non-normalized or out of bounds coordinates ${points.filter((p) => p > 1.01)}`);
  const all = values.flat();
  if (Math.min(...all) < -0.01) return corrupt(`negative class labels or coordinate ${all.filter((v) => v < -0.01)}`);
  const maxCls = Math.max(...values.map((r) => r[0] as number));
  if (!(maxCls < nc)) return corrupt(`Label class ${Math.trunc(maxCls)} exceeds dataset class count ${nc}`);
  const unique = new Set(values.map((r) => r.join(' ')));
  if (unique.size < values.length) {
    warning = `${image}: ${values.length - unique.size} duplicate labels removed`;
    strict.push(`${label}: duplicate rows`);
  }
  // Loupe's own promises.
  for (const [i, r] of values.entries()) {
    if (!Number.isInteger(r[0])) strict.push(`${label}:${i + 1}: class ${r[0]} is not an integer`);
    if (r.slice(1, 5).some((v) => v < 0 || v > 1)) strict.push(`${label}:${i + 1}: box outside [0, 1]`);
    for (let k = 0; k < nkpt; k++) {
      const [x, y] = [r[5 + k * ndim] as number, r[6 + k * ndim] as number];
      if (x < 0 || x > 1 || y < 0 || y > 1) strict.push(`${label}:${i + 1}: keypoint ${k} (${x}, ${y}) outside [0, 1]`);
      if (ndim === 3 && ![0, 1, 2].includes(r[7 + k * ndim] as number)) {
        strict.push(`${label}:${i + 1}: keypoint ${k} visibility ${r[7 + k * ndim]} not in {0, 1, 2}`);
      }
    }
  }
  return { status: 'found', message: null, warning, strict };
}

function namesOf(v: unknown): string[] | null {
  if (Array.isArray(v)) return v.map(String);
  if (v && typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, n]) => String(n));
  }
  return null;
}

/**
 * Apply the rules above to a dataset YAML. `cwd` stands for the working directory Ultralytics
 * runs in (relative roots), `datasetsDir` for its settings' datasets folder.
 */
export async function checkUltralyticsPoseDataset(
  yamlFile: string,
  options: { cwd?: string; datasetsDir?: string } = {},
): Promise<PoseDatasetReport> {
  const cwd = options.cwd ?? process.cwd();
  const datasetsDir = options.datasetsDir ?? join(cwd, 'datasets');
  const errors: string[] = [];
  const warnings: string[] = [];
  const strict: string[] = [];
  const data = parseYaml(await readFile(yamlFile, 'utf8')) as Record<string, unknown>;
  const report: PoseDatasetReport = {
    errors,
    warnings,
    strict,
    data: { root: '', train: [], val: [], names: [], kptShape: null, flipIdx: null },
    splits: {},
  };

  // check_det_dataset
  if (!('val' in data) && 'validation' in data) data.val = data.validation;
  for (const k of ['train', 'val']) if (!(k in data)) errors.push(`'${k}:' key missing`);
  const names = namesOf(data.names);
  if (!names && typeof data.nc !== 'number') errors.push("either 'names' or 'nc' are required");
  if (names && typeof data.nc === 'number' && names.length !== data.nc)
    errors.push(`'names' length ${names.length} and 'nc: ${data.nc}' must match`);
  report.data.names = names ?? Array.from({ length: Number(data.nc) || 0 }, (_, i) => `class_${i}`);
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(cwd, p));
  let root = typeof data.path === 'string' && data.path ? data.path : dirname(yamlFile);
  if (!existsSync(abs(root)) && !isAbsolute(root)) root = resolve(datasetsDir, root);
  report.data.root = abs(root);
  const splitPaths = (k: 'train' | 'val'): string[] => {
    const v = data[k];
    if (!v) return [];
    if (typeof v === 'string') {
      let x = resolve(abs(root), v);
      if (!existsSync(x) && v.startsWith('../')) x = resolve(abs(root), v.slice(3));
      return [x];
    }
    return Array.isArray(v) ? v.map((x) => resolve(abs(root), String(x))) : [];
  };
  report.data.train = splitPaths('train');
  report.data.val = splitPaths('val');
  const missingVal = report.data.val.find((x) => !existsSync(x));
  if (missingVal) errors.push(`Dataset '${yamlFile}' images not found, missing path '${missingVal}'`);

  // The keypoint settings (YOLODataset.cache_labels, v8_transforms, PoseValidator).
  const ks = data.kpt_shape;
  const kptShape =
    Array.isArray(ks) && ks.length === 2 && ks.every((v) => Number.isInteger(v)) ? (ks as [number, number]) : null;
  report.data.kptShape = kptShape;
  if (!kptShape || kptShape[0] <= 0 || ![2, 3].includes(kptShape[1])) {
    errors.push("'kpt_shape' in data.yaml missing or incorrect");
    return report;
  }
  const flip = data.flip_idx;
  if (flip === undefined || (Array.isArray(flip) && flip.length === 0))
    warnings.push("No 'flip_idx' array defined in data.yaml, setting augmentation 'fliplr=0.0'");
  else if (!Array.isArray(flip) || flip.length !== kptShape[0])
    errors.push(`data.yaml flip_idx=${JSON.stringify(flip)} length must be equal to kpt_shape[0]=${kptShape[0]}`);
  else report.data.flipIdx = flip.map(Number);
  const sigmas = data.kpt_oks_sigmas;
  if (
    sigmas !== undefined &&
    !(Array.isArray(sigmas) && sigmas.length === kptShape[0] && sigmas.every((s) => typeof s === 'number' && s > 0))
  ) {
    errors.push(`'kpt_oks_sigmas' must be ${kptShape[0]} positive values, got ${JSON.stringify(sigmas)}`);
  }
  if (errors.length) return report;

  // Each split: get_img_files, img2label_paths, verify_image_label.
  for (const split of ['train', 'val'] as const) {
    const paths = report.data[split];
    if (!paths.length) continue;
    const { files, error } = await getImgFiles(paths);
    if (error) {
      errors.push(`${split}: Error loading data from ${paths.join(', ')}: ${error}`);
      continue;
    }
    const s: SplitReport = { images: files, labels: new Map(), found: 0, missing: 0, empty: 0, corrupt: 0 };
    for (const image of files) {
      const label = img2labelPath(image);
      s.labels.set(image, label);
      const r = await verifyImageLabel(image, label, report.data.names.length, kptShape[0], kptShape[1]);
      s[r.status]++;
      if (r.status === 'corrupt' && r.message) errors.push(r.message);
      if (r.status === 'missing' || r.status === 'empty')
        warnings.push(`${image}: ${r.status} label, used as a background`);
      if (r.warning) warnings.push(r.warning);
      strict.push(...r.strict);
    }
    if (s.found + s.missing + s.empty === 0) errors.push(`${split}: No valid images found`);
    report.splits[split] = s;
  }
  return report;
}
