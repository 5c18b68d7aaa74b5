import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import ort from 'onnxruntime-node';
import type { Device } from '../../shared/devices';
import type { MetricModelRef, MetricModelSummary } from '../../shared/jobs';
import { toPlanar } from '../../core/image/tensor';
import { metricContract, type MetricContract } from '../../core/metrics/metric-model';
import { AppFailure, toAppError } from '../../core/result';
import type { RgbImage } from '../images/pixels';
import type { EngineServices } from '../services';

/** A frame pair's score, or why it has none (another size than a fixed-size model takes, a failed run). */
export type MetricScore = { score: number } | { skipped: string };

/** A metric model ready to score frame pairs (docs/metric-models.md). */
export interface MetricScorer {
  contract: MetricContract;
  /** As written beside its scores. */
  summary: MetricModelSummary;
  /**
   * What a score depends on besides the two images (the file and the input range): a resumed run
   * reuses a frame's score only under the same key.
   */
  key: string;
  score(frame: RgbImage, truth: RgbImage): Promise<MetricScore>;
}

/**
 * The batch's metric models, described, checked against the contract and given a session (the
 * engine's session pool, on the batch's device). The first that cannot be used fails the batch
 * before anything runs: NOT_FOUND (no file), METRIC_MODEL_INVALID (the contract, with
 * `details.problem`), MODEL_LOAD_FAILED (ONNX Runtime cannot load it).
 */
export async function loadMetricModels(
  svc: EngineServices,
  refs: readonly MetricModelRef[],
  device: Device,
): Promise<MetricScorer[]> {
  const scorers: MetricScorer[] = [];
  for (const ref of refs) {
    const path = resolve(ref.path);
    if (!(await stat(path).catch(() => null))?.isFile())
      throw new AppFailure('NOT_FOUND', `metric model ${path}: no such file`, { path });
    const model = await svc.catalog.describe(path, 'user');
    if (model.error)
      throw new AppFailure('MODEL_LOAD_FAILED', `metric model ${path}: ${model.error.message}`, { path });
    const contract = metricContract(model, ref);
    if (!contract.ok) throw new AppFailure(contract.error.code, contract.error.message, contract.error.details);
    const c = contract.value;
    const twin = scorers.find((s) => s.contract.name === c.name);
    if (twin)
      throw new AppFailure(
        'METRIC_MODEL_INVALID',
        `metric models ${twin.summary.path} and ${path} are both named "${c.name}": give one another name (name=…)`,
        { problem: 'name', path },
      );
    let session: ort.InferenceSession;
    try {
      session = (await svc.sessions.acquire(model, device)).session;
    } catch (e) {
      throw new AppFailure('MODEL_LOAD_FAILED', `metric model ${path}: ${toAppError(e).message}`, { path });
    }
    await probeOutput(session, c, path);
    const summary: MetricModelSummary = {
      name: c.name,
      better: c.better,
      input_range: c.inputRange,
      path,
      sha256: model.sha256,
      definition: c.definition,
    };
    scorers.push({
      contract: c,
      summary,
      key: `${model.sha256}:${c.inputRange.join(',')}`,
      score: (frame, truth) => scorePair(session, c, frame, truth),
    });
  }
  return scorers;
}

/**
 * One run on a pair of mid-grey 64 × 64 images (the fixed size, if any): an output whose shape is
 * dynamic but holds more than one number (a per-pixel map, e.g. LPIPS with spatial=True) fails
 * here, at load, rather than on every frame. A model that cannot run at that size is left to the
 * frames (each one that fails is listed with the reason).
 */
async function probeOutput(session: ort.InferenceSession, c: MetricContract, path: string): Promise<void> {
  const [h, w] = c.fixedSize ?? [64, 64];
  const grey = (): ort.Tensor =>
    new ort.Tensor('float32', new Float32Array(3 * h * w).fill((c.inputRange[0] + c.inputRange[1]) / 2), [1, 3, h, w]);
  let count: number;
  let dims: readonly number[];
  try {
    const out = (await session.run({ [c.inputs[0]]: grey(), [c.inputs[1]]: grey() }))[c.output] as ort.Tensor;
    count = out.data.length;
    dims = out.dims;
  } catch {
    return;
  }
  if (count !== 1)
    throw new AppFailure(
      'METRIC_MODEL_INVALID',
      `metric model ${path}: output "${c.output}" is [${dims.join(', ')}] for a ${w}×${h} pair; a metric model returns one number per pair (LPIPS: spatial=False)`,
      { problem: 'output', path },
    );
}

function tensorOf(img: RgbImage, range: [number, number]): ort.Tensor {
  const max = img.depth === 16 ? 65535 : 255;
  const data = toPlanar(img.pixels, img.width, img.height, max, { range, colorOrder: 'RGB' });
  return new ort.Tensor('float32', data, [1, 3, img.height, img.width]);
}

async function scorePair(
  session: ort.InferenceSession,
  c: MetricContract,
  frame: RgbImage,
  truth: RgbImage,
): Promise<MetricScore> {
  if (frame.width !== truth.width || frame.height !== truth.height)
    return { skipped: `the frame is ${frame.width}×${frame.height}, its ground truth ${truth.width}×${truth.height}` };
  if (c.fixedSize && (c.fixedSize[0] !== frame.height || c.fixedSize[1] !== frame.width))
    return {
      skipped: `${c.name} takes ${c.fixedSize[1]}×${c.fixedSize[0]} images only; the frame is ${frame.width}×${frame.height} (export it with dynamic H/W axes)`,
    };
  let values: ort.Tensor['data'];
  try {
    const out = await session.run({
      [c.inputs[0]]: tensorOf(frame, c.inputRange),
      [c.inputs[1]]: tensorOf(truth, c.inputRange),
    });
    values = (out[c.output] as ort.Tensor).data;
  } catch (e) {
    return { skipped: `${c.name} could not run: ${toAppError(e).message}` };
  }
  if (values.length !== 1)
    return { skipped: `${c.name} returned ${values.length} values for one pair; a metric model returns one` };
  const score = Number(values[0]);
  if (!Number.isFinite(score)) return { skipped: `${c.name} returned ${score}` };
  return { score };
}

/** Every metric model's score of a frame against its ground truth, by metric name. */
export async function scoreAll(
  scorers: readonly MetricScorer[],
  frame: RgbImage,
  truth: RgbImage,
): Promise<Map<string, MetricScore>> {
  const out = new Map<string, MetricScore>();
  for (const s of scorers) out.set(s.contract.name, await s.score(frame, truth));
  return out;
}
