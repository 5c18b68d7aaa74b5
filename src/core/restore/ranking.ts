import type { ModelRunSummary, RestoreFramesResult } from '../../shared/jobs';

/**
 * batch_summary.json's ranking: the models with metrics (both means are set together), best PSNR
 * first. One rule for a single run and for a cluster run's merge, so both write the same list.
 */
export function rankModels(models: readonly ModelRunSummary[]): RestoreFramesResult['ranking'] {
  return models
    .flatMap(({ name, run_name, psnr_mean, ssim_mean }) =>
      psnr_mean !== null && ssim_mean !== null ? [{ name, run_name, psnr_mean, ssim_mean }] : [],
    )
    .sort((a, b) => b.psnr_mean - a.psnr_mean);
}
