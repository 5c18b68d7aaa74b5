import type { ModelManifest, ModelTask } from '../../shared/model-manifest';
import type { DetectedLayout, ModelInfo, TensorInfo } from '../../shared/models';
import type { Result } from '../../shared/result';
import { err, ok } from '../result';
import type { OnnxModelInfo } from '../onnx/model-info';
import { tryParsePythonLiteral, type PyValue } from '../onnx/python-literal';

/** What Ultralytics exports write into ONNX metadata_props, parsed. */
export interface UltralyticsMetadata {
  task: string | null;
  /** [height, width] as Ultralytics writes it. */
  imgsz: [number, number] | null;
  stride: number | null;
  names: string[];
  kptShape: [number, number] | null;
  kptNames: string[];
}

export function readUltralyticsMetadata(md: Record<string, string>): UltralyticsMetadata {
  const task = md.task?.trim() || null;
  const imgsz = pair(tryParsePythonLiteral(md.imgsz));
  const strideValue = md.stride !== undefined ? Number(md.stride) : NaN;
  const namesValue = tryParsePythonLiteral(md.names);
  const kptNamesValue = tryParsePythonLiteral(md.kpt_names);
  return {
    task,
    imgsz,
    stride: Number.isFinite(strideValue) ? strideValue : null,
    names: indexedStrings(namesValue),
    kptShape: pair(tryParsePythonLiteral(md.kpt_shape)),
    kptNames: kptNamesFrom(kptNamesValue),
  };
}

function pair(v: PyValue | undefined): [number, number] | null {
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number') {
    return [v[0], v[1]];
  }
  if (typeof v === 'number') return [v, v];
  return null;
}

/** `{0: 'a', 1: 'b'}` or `['a', 'b']` → ['a', 'b'] in index order. */
function indexedStrings(v: PyValue | undefined): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (v && typeof v === 'object') {
    return Object.entries(v)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, name]) => String(name));
  }
  return [];
}

/** `{0: ['top', …]}` (per class) or `['top', …]` → the first class's keypoint names. */
function kptNamesFrom(v: PyValue | undefined): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (v && typeof v === 'object') {
    const first = Object.entries(v).sort(([a], [b]) => Number(a) - Number(b))[0];
    if (first && Array.isArray(first[1])) return first[1].map(String);
  }
  return [];
}

export interface ModelDescription {
  task: ModelTask | 'unknown';
  taskSource: ModelInfo['taskSource'];
  layout: DetectedLayout;
}

const ULTRALYTICS_TASKS: Record<string, ModelTask> = { detect: 'detect', pose: 'pose', obb: 'obb' };

/**
 * Decide what a model is and how its output is laid out: the manifest wins, then Ultralytics
 * metadata, then the output shapes.
 */
export function describeModel(info: OnnxModelInfo, manifest: ModelManifest | null): ModelDescription {
  if (manifest) {
    return { task: manifest.task, taskSource: 'manifest', layout: manifest.output.layout };
  }
  const meta = readUltralyticsMetadata(info.metadata);
  const metaTask = meta.task ? ULTRALYTICS_TASKS[meta.task] : undefined;
  if (metaTask) {
    return { task: metaTask, taskSource: 'metadata', layout: yoloLayoutFromShapes(info.outputs, metaTask, meta) };
  }
  return fromShapes(info, meta);
}

function yoloLayoutFromShapes(outputs: TensorInfo[], task: ModelTask, meta: UltralyticsMetadata): DetectedLayout {
  const out = outputs[0];
  if (out && out.dims.length === 3) {
    const [, a, b] = out.dims;
    // NMS inside the graph: [1, max_det, 6 + extra] with a small last dimension.
    const extra = task === 'pose' && meta.kptShape ? meta.kptShape[0] * meta.kptShape[1] : task === 'obb' ? 1 : 0;
    if (typeof b === 'number' && b === 6 + extra && (typeof a !== 'number' || a <= 1000)) return 'yolo-nms';
  }
  return task === 'pose' ? 'yolo-pose' : task === 'obb' ? 'yolo-obb' : 'yolo-detect';
}

function fromShapes(info: OnnxModelInfo, meta: UltralyticsMetadata): ModelDescription {
  const input = info.inputs[0];
  const output = info.outputs[0];
  if (!input || !output) return { task: 'unknown', taskSource: 'unknown', layout: 'unknown' };
  // An image in, an image out with 3 channels: a restoration network (PyTorch NCHW convention).
  if (input.dims.length === 4 && output.dims.length === 4 && input.dims[1] === 3 && output.dims[1] === 3) {
    return { task: 'restoration', taskSource: 'shapes', layout: 'image' };
  }
  if (input.dims.length === 4 && output.dims.length === 3) {
    const channels = output.dims[1];
    const nc = meta.names.length;
    if (typeof channels === 'number') {
      if (nc > 0 && channels === 4 + nc) return { task: 'detect', taskSource: 'shapes', layout: 'yolo-detect' };
      if (nc > 0 && channels === 5 + nc) return { task: 'obb', taskSource: 'shapes', layout: 'yolo-obb' };
      if (nc > 0 && channels > 4 + nc && (channels - 4 - nc) % 3 === 0) {
        return { task: 'pose', taskSource: 'shapes', layout: 'yolo-pose' };
      }
      if (nc === 0 && channels >= 5) return { task: 'detect', taskSource: 'shapes', layout: 'yolo-detect' };
    }
  }
  return { task: 'unknown', taskSource: 'unknown', layout: 'unknown' };
}

/** A tensor's shape as Loupe writes it in messages: `[1, 3, H, W]`. */
export function shapeText(dims: readonly (number | string)[]): string {
  return `[${dims.join(', ')}]`;
}

const IMAGE_INPUT = 'Loupe runs image models with one NCHW input [N, 3, H, W]';

/**
 * Why Loupe cannot tell what a model is (its task is unknown), in words that name its inputs and
 * outputs, e.g. `its input "x" is [1, 3, H] (rank 3); Loupe runs image models with one NCHW input
 * [N, 3, H, W]`. Null for a model whose inputs and outputs fit an image model.
 */
export function unknownModelReason(model: {
  inputs: readonly TensorInfo[];
  outputs: readonly TensorInfo[];
}): string | null {
  const { inputs, outputs } = model;
  if (inputs.length === 0) return `it declares no inputs; ${IMAGE_INPUT}`;
  if (inputs.length > 1) {
    const list = inputs.map((t) => `"${t.name}" ${shapeText(t.dims)}`).join(', ');
    return `it has ${inputs.length} inputs (${list}); ${IMAGE_INPUT}`;
  }
  const input = inputs[0] as TensorInfo;
  if (input.dims.length !== 4)
    return `its input "${input.name}" is ${shapeText(input.dims)} (rank ${input.dims.length}); ${IMAGE_INPUT}`;
  const channels = input.dims[1];
  if (typeof channels === 'number' && channels !== 3)
    return `its input "${input.name}" is ${shapeText(input.dims)}, ${channels} channel${channels === 1 ? '' : 's'}; ${IMAGE_INPUT}`;
  if (input.type !== 'float32' && input.type !== 'float16' && input.type !== 'unknown')
    return `its input "${input.name}" is ${input.type} ${shapeText(input.dims)}; Loupe feeds float32 images`;
  const output = outputs[0];
  if (!output) return 'it declares no outputs';
  return `its output "${output.name}" is ${shapeText(output.dims)}: neither an image [N, 3, H, W] (restoration) nor a detector's Ultralytics layout [N, C, anchors], and it has no model.json saying what it is`;
}

/** A readable, stable id from a file name: "My Model v2.onnx" → "my-model-v2". */
export function modelIdFromFileName(fileName: string): string {
  const base = fileName.replace(/\.onnx$/i, '');
  const id = base
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return id || 'model';
}

/**
 * A concrete input shape for warm-up and benchmarks: fixed dims as they are, dynamic batch 1,
 * dynamic spatial dims from the manifest or Ultralytics imgsz, else `fallbackSide` rounded to the
 * model's pad multiple.
 */
export function concreteInputShape(
  input: TensorInfo,
  manifest: ModelManifest | null,
  metadata: Record<string, string>,
  fallbackSide = 256,
): number[] {
  const meta = readUltralyticsMetadata(metadata);
  const size = manifest?.input.size ?? (meta.imgsz ? ([meta.imgsz[1], meta.imgsz[0]] as [number, number]) : null);
  const multiple = Math.max(1, manifest?.input.padMultiple ?? meta.stride ?? 1);
  const side = Math.ceil(fallbackSide / multiple) * multiple;
  const rank = input.dims.length;
  return input.dims.map((d, i) => {
    if (typeof d === 'number' && d > 0) return d;
    if (i === 0) return 1;
    if (rank === 4 && i === 1) return 3;
    if (rank === 4 && i === 2) return size ? size[1] : side;
    if (rank === 4 && i === 3) return size ? size[0] : side;
    return 1;
  });
}

const TASKS: readonly ModelTask[] = ['detect', 'pose', 'obb', 'restoration', 'matcher'];
const LAYOUTS = ['yolo-detect', 'yolo-pose', 'yolo-obb', 'yolo-nms', 'image', 'matches'];

/** Check a parsed model.json enough that the rest of Loupe can trust its shape. */
export function validateManifest(value: unknown): Result<ModelManifest> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return err('INVALID_ARGUMENT', 'model.json must be a JSON object');
  }
  const m = value as Record<string, unknown>;
  const problems: string[] = [];
  if (m.schema !== 1) problems.push('schema must be 1');
  if (typeof m.id !== 'string' || !m.id) problems.push('id must be a non-empty string');
  if (typeof m.displayName !== 'string') problems.push('displayName must be a string');
  if (typeof m.version !== 'string') problems.push('version must be a string');
  if (!TASKS.includes(m.task as ModelTask)) problems.push(`task must be one of ${TASKS.join(', ')}`);
  if (m.file !== undefined && (typeof m.file !== 'string' || m.file.includes('..'))) {
    problems.push('file must be a relative path inside the model folder');
  }
  const input = m.input as Record<string, unknown> | undefined;
  if (typeof input !== 'object' || input === null) problems.push('input must be an object');
  else {
    if (input.size != null && !isPair(input.size)) problems.push('input.size must be [width, height] or null');
    if (
      input.padMultiple !== undefined &&
      !(Number.isInteger(input.padMultiple) && (input.padMultiple as number) >= 1)
    ) {
      problems.push('input.padMultiple must be a positive integer');
    }
    for (const key of ['mean', 'std'] as const) {
      const v = input[key];
      if (v !== undefined && !(Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number'))) {
        problems.push(`input.${key} must be three numbers`);
      }
    }
  }
  const output = m.output as Record<string, unknown> | undefined;
  if (typeof output !== 'object' || output === null) problems.push('output must be an object');
  else if (!LAYOUTS.includes(output.layout as string))
    problems.push(`output.layout must be one of ${LAYOUTS.join(', ')}`);
  if (problems.length > 0) {
    return err('INVALID_ARGUMENT', `model.json is invalid: ${problems.join('; ')}`, { problems });
  }
  return ok(value as ModelManifest);
}

function isPair(v: unknown): boolean {
  return Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x) && (x as number) > 0);
}
