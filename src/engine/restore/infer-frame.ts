import ort from 'onnxruntime-node';
import type { ModelInfo } from '../../shared/models';
import { cropPlanar, paddedSize, padPlanar, type PadMode } from '../../core/image/padding';
import { fromPlanarChecked, toPlanar, type TensorNormalization } from '../../core/image/tensor';
import { extractTile, planTiles, TileBlender, tileWeights, type Tile } from '../../core/image/tiling';
import type { SampleBuffers } from '../../core/image/sample-buffers';
import { AppFailure } from '../../core/result';
import type { RgbImage } from '../images/pixels';
import { normalizationOf } from '../models/try-model';

export interface RestoreSettings {
  padMultiple: number;
  padMode: PadMode;
  norm: TensorNormalization;
  outNorm: TensorNormalization;
  /** Output size ÷ input size (1 for restoration, 2/4 for super-resolution). */
  scale: number;
  tileSize: number;
  tileOverlap: number;
  /** Tile every frame (else only a frame that fails to allocate). */
  forceTiled: boolean;
}

export function restoreSettings(
  model: ModelInfo,
  recordedPad: number | null,
  options: { tiled?: boolean; tileSize?: number; tileOverlap?: number },
): RestoreSettings {
  const input = model.manifest?.input;
  const padMultiple = Math.max(1, input?.padMultiple ?? recordedPad ?? 8);
  const norm = normalizationOf(model);
  const outRange = model.manifest?.output.range;
  const roundTo = (v: number): number => Math.max(padMultiple, Math.floor(v / padMultiple) * padMultiple);
  const tileSize = roundTo(options.tileSize ?? 512);
  const tileOverlap = Math.min(roundTo(options.tileOverlap ?? 32), Math.max(0, tileSize / 2 - padMultiple));
  return {
    padMultiple,
    padMode: input?.padMode ?? 'reflect',
    norm,
    outNorm: outRange ? { ...norm, range: outRange } : norm,
    scale: model.manifest?.output.scale ?? 1,
    tileSize,
    tileOverlap,
    forceTiled: options.tiled === true,
  };
}

/** Buffers a model's run keeps from frame to frame (restoreFrame fills them). */
export interface FrameScratch {
  input?: Float32Array;
  /** Output pixel buffers the caller hands back once a frame's PNG is written. */
  outputs?: SampleBuffers;
}

export interface RestoredFrame {
  image: RgbImage;
  tiled: boolean;
  /** Σ session.run for the frame. */
  runMs: number;
  /** Why the frame was tiled when tiling was not asked for. */
  tiledBecause: string | null;
}

/** Errors that mean "this input is too big for memory here": the frame is retried tiled. */
export function isAllocationFailure(e: unknown): boolean {
  const m = String((e as Error)?.message ?? e).toLowerCase();
  return /(bad_alloc|failed to allocate|out of memory|allocat\w* failed|cannot allocate|oom)/.test(m);
}

/**
 * Run a restoration model over one frame at native resolution: reflect-pad to the model's multiple,
 * run (whole, or tiled with feathered overlap), crop back. 16-bit frames stay 16-bit.
 */
export async function restoreFrame(
  session: ort.InferenceSession,
  model: ModelInfo,
  frame: RgbImage,
  s: RestoreSettings,
  scratch: FrameScratch = {},
): Promise<RestoredFrame> {
  const input = model.inputs[0];
  if (!input) throw new AppFailure('UNSUPPORTED', `${model.name} has no input`);
  const maxValue = frame.depth === 16 ? 65535 : 255;
  const { width: w, height: h } = frame;
  const padded = paddedSize(w, h, s.padMultiple);
  // The input tensor is only read during session.run: one buffer serves every frame of a size.
  const tensor = toPlanar(frame.pixels, w, h, maxValue, s.norm, scratch.input);
  scratch.input = tensor;
  const planar = padPlanar(tensor, 3, w, h, padded.width, padded.height, s.padMode);
  let runMs = 0;
  const run = async (data: Float32Array, tw: number, th: number): Promise<Float32Array> => {
    const started = performance.now();
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await session.run({ [input.name]: new ort.Tensor('float32', data, [1, 3, th, tw]) });
    } finally {
      runMs += performance.now() - started;
    }
    const t = Object.values(out)[0] as ort.Tensor | undefined;
    if (!t || t.dims.length !== 4 || t.dims[1] !== 3 || t.dims[2] !== th * s.scale || t.dims[3] !== tw * s.scale) {
      throw new AppFailure(
        'INFERENCE_FAILED',
        `${model.name} returned ${t ? `[${t.dims.join(', ')}]` : 'nothing'} for a [1, 3, ${th}, ${tw}] input`,
      );
    }
    return t.data as Float32Array;
  };

  let result: Float32Array;
  let tiled = s.forceTiled;
  let tiledBecause: string | null = null;
  if (!tiled) {
    try {
      result = await run(planar, padded.width, padded.height);
    } catch (e) {
      if (!isAllocationFailure(e)) throw wrap(e, model);
      tiled = true;
      tiledBecause = `whole frame failed to allocate: ${(e as Error).message}`;
    }
  }
  if (tiled) {
    const tiles = planTiles(padded.width, padded.height, s.tileSize, s.tileOverlap);
    const scaled = tiles.map((t): Tile => ({
      ...t,
      x: t.x * s.scale,
      y: t.y * s.scale,
      width: t.width * s.scale,
      height: t.height * s.scale,
    }));
    const blender = new TileBlender(3, padded.width * s.scale, padded.height * s.scale);
    for (const [i, t] of tiles.entries()) {
      let out: Float32Array;
      try {
        out = await run(extractTile(planar, 3, padded.width, padded.height, t), t.width, t.height);
      } catch (e) {
        throw wrap(e, model);
      }
      blender.add(scaled[i] as Tile, out, tileWeights(scaled[i] as Tile, scaled));
    }
    result = blender.result();
  }
  const ow = w * s.scale;
  const oh = h * s.scale;
  const cropped = cropPlanar(result!, 3, padded.width * s.scale, padded.height * s.scale, ow, oh);
  // NaN/Inf would clamp to black or white in the PNG and pass for output: the frame fails instead.
  const into = scratch.outputs?.take(frame.depth, 3 * ow * oh);
  const { pixels, nonFinite: bad } = fromPlanarChecked(cropped, ow, oh, maxValue, s.outNorm, into);
  if (bad.nan + bad.inf > 0) {
    scratch.outputs?.give(pixels);
    throw new AppFailure(
      'INFERENCE_FAILED',
      `${bad.nan + bad.inf} of ${bad.total} output values are not finite (${bad.nan} NaN, ${bad.inf} Inf); the frame is not written`,
      { model: model.id, nan: bad.nan, inf: bad.inf, values: bad.total },
    );
  }
  return {
    image: { pixels, width: ow, height: oh, depth: frame.depth },
    tiled,
    runMs,
    tiledBecause,
  };
}

function wrap(e: unknown, model: ModelInfo): AppFailure {
  if (e instanceof AppFailure) return e;
  return new AppFailure('INFERENCE_FAILED', `${model.name}: ${(e as Error).message}`, { model: model.id });
}
