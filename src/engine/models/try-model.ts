import { createHash } from 'node:crypto';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import type { Device } from '../../shared/devices';
import type { ModelInfo, ModelTryResult, TensorInfo } from '../../shared/models';
import { letterbox } from '../../core/image/letterbox';
import { cropPlanar, paddedSize, padPlanar } from '../../core/image/padding';
import { fromPlanarChecked, toPlanar, type TensorNormalization } from '../../core/image/tensor';
import { concreteInputShape, readUltralyticsMetadata } from '../../core/models/describe';
import { AppFailure } from '../../core/result';
import { letterboxRgb, readRgb, writeRgbPng } from '../images/pixels';
import { probeImage } from '../images/sharp-codec';
import type { SessionPool } from '../ort/session-pool';

/** Longest side for a restoration try: enough to judge, quick on a CPU. */
const TRY_MAX_SIDE = 768;

export function normalizationOf(model: ModelInfo): TensorNormalization {
  const input = model.manifest?.input;
  return {
    range: input?.range ?? [0, 1],
    colorOrder: input?.colorOrder ?? 'RGB',
    ...(input?.mean ? { mean: input.mean } : {}),
    ...(input?.std ? { std: input.std } : {}),
  };
}

/**
 * Run a model once on a real image with the preparation its task needs: detectors get the
 * Ultralytics letterbox at their input size; restoration models get the image padded to their
 * multiple, and their output is cropped back and written as a PNG to show beside the input.
 */
export async function tryModel(
  model: ModelInfo,
  imagePath: string,
  device: Device,
  deps: { sessions: SessionPool; cacheDir: string },
): Promise<ModelTryResult> {
  const handle = await deps.sessions.acquire(model, device);
  const input = model.inputs[0];
  if (!input) throw new AppFailure('UNSUPPORTED', `${model.name} has no inputs`);
  if (input.type !== 'float32')
    throw new AppFailure('UNSUPPORTED', `${model.name} takes ${input.type}; Loupe feeds float32 images`);
  const norm = normalizationOf(model);
  const run = async (data: Float32Array, shape: number[]) => {
    const started = performance.now();
    let outputs: ort.InferenceSession.OnnxValueMapType;
    try {
      outputs = await handle.session.run({ [input.name]: new ort.Tensor('float32', data, shape) });
    } catch (e) {
      throw new AppFailure('INFERENCE_FAILED', `${model.name} failed on ${imagePath}: ${(e as Error).message}`, {
        model: model.id,
      });
    }
    return { outputs, runMs: performance.now() - started };
  };
  const describe = (outputs: ort.InferenceSession.OnnxValueMapType): TensorInfo[] =>
    Object.entries(outputs).map(([name, t]) => ({
      name,
      type: (t as ort.Tensor).type as TensorInfo['type'],
      dims: [...(t as ort.Tensor).dims],
    }));
  const result = (
    inputShape: number[],
    ran: Awaited<ReturnType<typeof run>>,
    preparation: ModelTryResult['preparation'],
    images: Pick<ModelTryResult, 'outputImage' | 'inputImage'> = { outputImage: null, inputImage: null },
  ): ModelTryResult => ({
    modelId: model.id,
    imagePath,
    inputShape,
    outputs: describe(ran.outputs),
    runMs: ran.runMs,
    preparation,
    ...images,
  });

  if (model.task === 'detect' || model.task === 'pose' || model.task === 'obb') {
    const shape = concreteInputShape(input, model.manifest, model.metadata, 640);
    const [, , h, w] = shape as [number, number, number, number];
    const { width: srcW, height: srcH } = await probeImage(imagePath);
    const lb = letterbox(srcW, srcH, w, h);
    const pixels = await letterboxRgb(imagePath, lb);
    return result(shape, await run(toPlanar(pixels, w, h, 255, norm), shape), 'letterbox');
  }

  if (model.task === 'restoration') {
    const image = await readRgb(imagePath, { maxSide: TRY_MAX_SIDE });
    const maxValue = image.depth === 16 ? 65535 : 255;
    const multiple = model.manifest?.input.padMultiple ?? readUltralyticsMetadata(model.metadata).stride ?? 1;
    const padded = paddedSize(image.width, image.height, multiple);
    const planar = padPlanar(
      toPlanar(image.pixels, image.width, image.height, maxValue, norm),
      3,
      image.width,
      image.height,
      padded.width,
      padded.height,
      model.manifest?.input.padMode ?? 'reflect',
    );
    const shape = [1, 3, padded.height, padded.width];
    const ran = await run(planar, shape);
    const first = Object.values(ran.outputs)[0] as ort.Tensor | undefined;
    let outputImage: string | null = null;
    let inputImage: string | null = null;
    if (first && first.dims.length === 4 && first.dims[1] === 3) {
      const scale = model.manifest?.output.scale ?? 1;
      const [, , oh, ow] = first.dims as [number, number, number, number];
      const cropped = cropPlanar(first.data as Float32Array, 3, ow, oh, image.width * scale, image.height * scale);
      const outNorm: TensorNormalization = model.manifest?.output.range
        ? { ...norm, range: model.manifest.output.range }
        : norm;
      const { pixels, nonFinite: bad } = fromPlanarChecked(
        cropped,
        image.width * scale,
        image.height * scale,
        maxValue,
        outNorm,
      );
      if (bad.nan + bad.inf > 0)
        throw new AppFailure(
          'INFERENCE_FAILED',
          `${model.name} returned ${bad.nan + bad.inf} of ${bad.total} values that are not finite (${bad.nan} NaN, ${bad.inf} Inf)`,
          { model: model.id, nan: bad.nan, inf: bad.inf, values: bad.total },
        );
      const key = createHash('sha1').update(`${model.sha256}\0${imagePath}`).digest('hex').slice(0, 16);
      outputImage = join(deps.cacheDir, 'try', `${key}-output.png`);
      inputImage = join(deps.cacheDir, 'try', `${key}-input.png`);
      await writeRgbPng(outputImage, {
        pixels,
        width: image.width * scale,
        height: image.height * scale,
        depth: image.depth,
      });
      await writeRgbPng(inputImage, image);
    }
    return result(shape, ran, 'pad', { outputImage, inputImage });
  }

  throw new AppFailure(
    'UNSUPPORTED',
    `${model.name} is a ${model.task} model; Loupe can try detectors and restoration models on an image`,
  );
}
