import { psnr, ssim } from '../../../core/metrics/quality';
import type { RgbImage } from '../../images/pixels';
import type { GroundTruth } from './batch';

export const SSIM_DEFINITION =
  'SSIM (Wang et al. 2004) with an 11-tap Gaussian window (sigma 1.5, scipy reflect borders), K1 0.01, K2 0.03, population covariance, 5-pixel border crop, computed per RGB channel and averaged; data range 255 (8-bit) or 65535 (16-bit). Equals skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, channel_axis=-1, data_range=R). PSNR = 10 log10(R^2 / MSE) over all pixels and channels.';

export interface FrameQuality {
  /** PSNR/SSIM against the ground truth, when there is one that fits. */
  scores: { psnr: number; ssim: number } | null;
  /** Why a frame with ground truth has no scores (unreadable, another size). */
  skipped: string | null;
}

/** A restored frame against its ground truth. */
export function measureFrame(output: RgbImage, gt: GroundTruth): FrameQuality {
  if (!gt) return { scores: null, skipped: null };
  if ('problem' in gt) return { scores: null, skipped: gt.problem };
  const truth = gt.image;
  if (truth.width !== output.width || truth.height !== output.height) {
    return {
      scores: null,
      skipped: `ground truth ${gt.name} is ${truth.width}×${truth.height}, the output ${output.width}×${output.height}: no PSNR/SSIM for this frame`,
    };
  }
  const range = output.depth === 16 ? 65535 : 255;
  const a = { data: output.pixels, width: truth.width, height: truth.height, channels: 3 };
  const b = { data: truth.pixels, width: truth.width, height: truth.height, channels: 3 };
  return { scores: { psnr: round(psnr(a, b, range), 4), ssim: round(ssim(a, b, range), 6) }, skipped: null };
}

export const round = (v: number, digits: number): number => {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
};
