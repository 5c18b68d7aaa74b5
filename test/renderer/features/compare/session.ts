import type { CompareModel, CompareSession } from '../../../../src/shared/compare';

/** A model's outputs and metrics over `frames` frames (null where it wrote none). */
export function model(
  name: string,
  frames: number,
  psnr: number | null,
  options: Partial<CompareModel> = {},
): CompareModel {
  return {
    name,
    folder: `/out/${name}`,
    status: 'success',
    error: null,
    architecture: null,
    runId: null,
    provider: null,
    source: null,
    params: {},
    outputs: Array.from({ length: frames }, (_, i) => `/out/${name}/${i}.png`),
    psnr: Array.from({ length: frames }, () => psnr),
    ssim: Array.from({ length: frames }, () => (psnr === null ? null : 0.9)),
    mean: { psnr, ssim: psnr === null ? null : 0.9 },
    framesTiled: 0,
    ...options,
  };
}

/** A comparison of `frames` frames with an input, optionally ground truth, and these models. */
export function session(frames: number, models: CompareModel[], gt = true): CompareSession {
  return {
    outputDir: '/out',
    inputDir: '/in',
    gtDir: gt ? '/gt' : null,
    ungranted: [],
    createdAt: null,
    frames: Array.from({ length: frames }, (_, i) => ({
      index: i,
      name: `${i}.png`,
      input: `/in/${i}.png`,
      gt: gt ? `/gt/${i}.png` : null,
    })),
    models,
    ssimDefinition: null,
  };
}
