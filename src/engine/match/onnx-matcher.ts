import ort from 'onnxruntime-node';
import type { MatcherContract } from '../../shared/model-manifest';
import type { ModelInfo } from '../../shared/models';
import type { Pt } from '../../core/geometry/polygon';
import { resizeGray } from '../../core/image/resize';
import type { Correspondences, GrayImage, Matcher } from '../../core/match/matcher';
import { AppFailure } from '../../core/result';

interface Prepared {
  tensor: ort.Tensor;
  /** Original pixels per fed pixel. */
  scaleX: number;
  scaleY: number;
}

/**
 * A learned matcher (LoFTR/LightGlue-style ONNX export) behind the same interface as the classical
 * one. Its model.json says which inputs take the two images and which outputs hold the matches;
 * a fixed input size in the manifest resizes both images to it, and points are mapped back.
 */
export class OnnxMatcher implements Matcher<Prepared> {
  readonly name: string;
  private readonly contract: MatcherContract;

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly model: ModelInfo,
  ) {
    const contract = model.manifest?.matcher;
    if (model.manifest?.task !== 'matcher' || !contract) {
      throw new AppFailure(
        'INVALID_ARGUMENT',
        `${model.name} is not a matcher: its model.json needs task "matcher" and a matcher contract`,
      );
    }
    this.contract = contract;
    this.name = `onnx:${model.id}`;
  }

  prepare(image: GrayImage): Prepared {
    const size = this.model.manifest?.input.size ?? null;
    const fed = size ? resizeGray(image, size[0], size[1]) : image;
    const [lo, hi] = this.model.manifest?.input.range ?? [0, 1];
    const data = Float32Array.from(fed.data, (v) => lo + ((hi - lo) * v) / 255);
    return {
      tensor: new ort.Tensor('float32', data, [1, 1, fed.height, fed.width]),
      scaleX: image.width / fed.width,
      scaleY: image.height / fed.height,
    };
  }

  async match(query: Prepared, template: Prepared): Promise<Correspondences> {
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await this.session.run({ [this.contract.image0]: query.tensor, [this.contract.image1]: template.tensor });
    } catch (e) {
      throw new AppFailure('INFERENCE_FAILED', `matcher ${this.model.name} failed: ${(e as Error).message}`);
    }
    const k0 = out[this.contract.keypoints0] as ort.Tensor | undefined;
    const k1 = out[this.contract.keypoints1] as ort.Tensor | undefined;
    if (!k0 || !k1)
      throw new AppFailure(
        'INFERENCE_FAILED',
        `matcher ${this.model.name} did not return ${this.contract.keypoints0}/${this.contract.keypoints1}`,
      );
    const conf = this.contract.confidence ? (out[this.contract.confidence] as ort.Tensor | undefined) : undefined;
    const n = Math.min(k0.data.length, k1.data.length) / 2;
    const min = this.contract.minConfidence ?? 0;
    const result: Correspondences = { query: [], template: [], features: [n, n] };
    const a = k0.data as Float32Array;
    const b = k1.data as Float32Array;
    for (let i = 0; i < n; i++) {
      if (conf && ((conf.data as Float32Array)[i] ?? 0) < min) continue;
      result.query.push([(a[2 * i] as number) * query.scaleX, (a[2 * i + 1] as number) * query.scaleY] as Pt);
      result.template.push([(b[2 * i] as number) * template.scaleX, (b[2 * i + 1] as number) * template.scaleY] as Pt);
    }
    return result;
  }

  release(): void {
    // Tensors are garbage-collected; nothing native to free.
  }
}
