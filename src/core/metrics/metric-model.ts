import type { MetricDirection, MetricModelRef } from '../../shared/jobs';
import { METRIC_DIRECTIONS } from '../../shared/jobs';
import type { ModelInfo, TensorInfo } from '../../shared/models';
import type { Result } from '../../shared/result';
import { err, ok } from '../result';

/**
 * The metric-model contract (docs/metric-models.md): an ONNX file with two image inputs, the
 * frame being judged first and its ground truth second, each NCHW float32 RGB ([1, 3, H, W],
 * H and W dynamic or fixed), and one number out (its first output holds a single element: LPIPS
 * gives [1, 1, 1, 1]). What the number means is declared in its `metadata_props`, each with a
 * default, and each overridden by the batch (`--metric-model PATH,better=…`).
 */
export const METRIC_METADATA = {
  /** The score's key in metrics.json and the column's title (default: the file's stem). */
  name: 'loupe.metric.name',
  /** `lower` (default: a distance, as LPIPS) or `higher`. */
  better: 'loupe.metric.better',
  /** The images' value range, `lo,hi` (default `0,1`; LPIPS wants `-1,1`). */
  inputRange: 'loupe.metric.input_range',
  /** One sentence on what the score is, written beside it as its definition. */
  description: 'loupe.metric.description',
} as const;

export const DEFAULT_METRIC_BETTER: MetricDirection = 'lower';
export const DEFAULT_METRIC_RANGE: [number, number] = [0, 1];

/** Names the built-in metrics have in metrics.json (`mean.psnr` …): a metric model cannot take them. */
const RESERVED_NAMES = ['psnr', 'ssim', 'tpsnr'];
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Which part of the contract a metric model breaks (METRIC_MODEL_INVALID's `details.problem`). */
export type MetricModelProblem = 'inputs' | 'input_type' | 'input_shape' | 'output' | 'metadata' | 'name';

/** A metric model that meets the contract, with its settings resolved. */
export interface MetricContract {
  name: string;
  better: MetricDirection;
  inputRange: [number, number];
  /** The input fed the frame being judged, then the one fed its ground truth. */
  inputs: [string, string];
  output: string;
  /** [height, width] when the inputs have a fixed size: frames of another size are not scored. */
  fixedSize: [number, number] | null;
  definition: string;
}

const invalid = (problem: MetricModelProblem, path: string, message: string) =>
  err('METRIC_MODEL_INVALID', `metric model ${path}: ${message}`, { problem, path });

const shapeText = (t: TensorInfo): string => `[${t.dims.join(', ')}]`;

/** "-1,1", "[-1, 1]" or "-1:1" → [-1, 1]; null when it is not two finite numbers, low < high. */
export function parseMetricRange(text: string): [number, number] | null {
  const parts = text
    .trim()
    .replace(/^\[|\]$/g, '')
    .split(/[,:]/)
    .map((p) => p.trim());
  if (parts.length !== 2 || parts.some((p) => p === '')) return null;
  const [lo, hi] = parts.map(Number) as [number, number];
  return Number.isFinite(lo) && Number.isFinite(hi) && lo < hi ? [lo, hi] : null;
}

/**
 * The metric model's contract from its described file (inputs, outputs, metadata_props) and the
 * batch's overrides; METRIC_MODEL_INVALID naming the broken part when it does not meet it.
 */
export function metricContract(
  model: Pick<ModelInfo, 'path' | 'inputs' | 'outputs' | 'metadata' | 'sha256'>,
  ref: MetricModelRef,
): Result<MetricContract> {
  const path = model.path;
  const inputs = model.inputs;
  if (inputs.length !== 2) {
    return invalid(
      'inputs',
      path,
      `a metric model takes two images (the frame, then its ground truth); this one has ${inputs.length} input${inputs.length === 1 ? '' : 's'}${inputs.length ? ` (${inputs.map((i) => i.name).join(', ')})` : ''}`,
    );
  }
  for (const input of inputs) {
    if (input.type !== 'float32')
      return invalid('input_type', path, `input "${input.name}" is ${input.type}; both inputs must be float32 images`);
    const [n, c] = input.dims;
    const fixedBad = (d: number | string | undefined, want: number) => typeof d === 'number' && d !== want;
    if (input.dims.length !== 4 || fixedBad(n, 1) || fixedBad(c, 3))
      return invalid(
        'input_shape',
        path,
        `input "${input.name}" is ${shapeText(input)}; both inputs must be NCHW RGB images, [1, 3, H, W]`,
      );
  }
  const sizes = inputs.map((i) => {
    const [, , h, w] = i.dims;
    return typeof h === 'number' && typeof w === 'number' ? ([h, w] as [number, number]) : null;
  });
  const [a, b] = sizes;
  if ((a === null) !== (b === null) || (a && b && (a[0] !== b[0] || a[1] !== b[1])))
    return invalid(
      'input_shape',
      path,
      `its inputs have different sizes (${inputs.map(shapeText).join(' and ')}); both images are the same size`,
    );
  const output = model.outputs[0];
  if (!output) return invalid('output', path, 'it has no output; a metric model returns one number per pair');
  if (output.type !== 'float32' && output.type !== 'float64')
    return invalid('output', path, `output "${output.name}" is ${output.type}; the score must be float32 or float64`);
  if (output.dims.some((d) => typeof d === 'number' && d !== 1))
    return invalid(
      'output',
      path,
      `output "${output.name}" is ${shapeText(output)}; a metric model returns one number per pair (a shape of 1s, e.g. [1, 1, 1, 1], or a scalar)`,
    );

  const md = model.metadata;
  let better: MetricDirection = DEFAULT_METRIC_BETTER;
  const betterText = ref.better ?? md[METRIC_METADATA.better]?.trim();
  if (betterText !== undefined) {
    if (!METRIC_DIRECTIONS.includes(betterText as MetricDirection))
      return invalid(
        'metadata',
        path,
        `${METRIC_METADATA.better} is "${betterText}"; it must be one of ${METRIC_DIRECTIONS.join(', ')}`,
      );
    better = betterText as MetricDirection;
  }
  let inputRange = DEFAULT_METRIC_RANGE;
  if (ref.inputRange) {
    const [lo, hi] = ref.inputRange;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi))
      return invalid('metadata', path, `the input range [${lo}, ${hi}] is not two numbers, low < high`);
    inputRange = [lo, hi];
  } else if (md[METRIC_METADATA.inputRange] !== undefined) {
    const parsed = parseMetricRange(md[METRIC_METADATA.inputRange] as string);
    if (!parsed)
      return invalid(
        'metadata',
        path,
        `${METRIC_METADATA.inputRange} is "${md[METRIC_METADATA.inputRange]}"; it must be two numbers, low < high, e.g. "-1,1"`,
      );
    inputRange = parsed;
  }
  const stem = (path.split(/[\\/]/).pop() ?? path).replace(/\.onnx$/i, '');
  const name = (ref.name ?? md[METRIC_METADATA.name] ?? stem).trim();
  if (!NAME_PATTERN.test(name) || RESERVED_NAMES.includes(name.toLowerCase()))
    return invalid(
      'name',
      path,
      `its name "${name}" cannot be a metric's key: letters, digits, _ . - (up to 64), and not ${RESERVED_NAMES.join(', ')}; set ${METRIC_METADATA.name} or name=`,
    );
  const [first, second] = inputs as [TensorInfo, TensorInfo];
  const description = md[METRIC_METADATA.description]?.trim();
  const definition = [
    description ? description.replace(/\.?$/, '.') : `${name}: a metric model's score.`,
    `ONNX ${stem}.onnx (sha256 ${model.sha256.slice(0, 12)}) run once per frame pair at the frames' native size: input "${first.name}" the frame (a model's output, or the input frame for the baseline), input "${second.name}" its ground truth, each [1, 3, H, W] float32 RGB in [${inputRange[0]}, ${inputRange[1]}];`,
    `the score is its output "${output.name}"; ${better} is better.`,
  ].join(' ');
  return ok({
    name,
    better,
    inputRange,
    inputs: [first.name, second.name],
    output: output.name,
    fixedSize: a ?? null,
    definition,
  });
}

const OPTION_KEYS = ['name', 'better', 'range'] as const;

/**
 * `--metric-model` (and a line of Compare's metric-models field): `PATH` then, optionally,
 * `,name=N`, `,better=lower|higher`, `,range=LO:HI` (over the file's metadata), e.g.
 * `lpips.onnx,better=lower,range=-1:1`. A comma is split on only before one of those keys, so
 * a path may hold commas.
 */
export function parseMetricModelOption(text: string): Result<MetricModelRef> {
  const [path, ...options] = text.trim().split(new RegExp(`,(?=\\s*(?:${OPTION_KEYS.join('|')})=)`));
  if (!path?.trim()) return err('INVALID_ARGUMENT', `metric model "${text}": no path`);
  const ref: MetricModelRef = { path: path.trim() };
  for (const option of options) {
    const at = option.indexOf('=');
    const key = option.slice(0, at).trim();
    const value = option.slice(at + 1).trim();
    if (key === 'name') {
      if (!value) return err('INVALID_ARGUMENT', `metric model "${text}": name= is empty`);
      ref.name = value;
    } else if (key === 'better') {
      if (!METRIC_DIRECTIONS.includes(value as MetricDirection))
        return err('INVALID_ARGUMENT', `metric model "${text}": better= must be ${METRIC_DIRECTIONS.join(' or ')}`);
      ref.better = value as MetricDirection;
    } else {
      const range = parseMetricRange(value);
      if (!range) return err('INVALID_ARGUMENT', `metric model "${text}": range= must be LO:HI, e.g. -1:1`);
      ref.inputRange = range;
    }
  }
  return ok(ref);
}

/** A metric model as `parseMetricModelOption` reads it back (Compare restores its setup from a run's spec). */
export function formatMetricModelOption(ref: MetricModelRef): string {
  return [
    ref.path,
    ...(ref.name !== undefined ? [`name=${ref.name}`] : []),
    ...(ref.better !== undefined ? [`better=${ref.better}`] : []),
    ...(ref.inputRange ? [`range=${ref.inputRange[0]}:${ref.inputRange[1]}`] : []),
  ].join(',');
}
