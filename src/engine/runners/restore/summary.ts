import { join } from 'node:path';
import type { ModelRunSummary, RestoreFramesResult } from '../../../shared/jobs';
import { writeJsonAtomic } from '../../fs/atomic';
import type { ModelCandidate } from '../../restore/sources';
import type { RestoreBatch } from './batch';
import { isoTimestamp } from '../../../core/format';
import { rankModels } from '../../../core/restore/ranking';

/** batch_summary.json: one entry per model, rewritten after each model so a stopped batch has one too. */
export class BatchSummary {
  readonly models: ModelRunSummary[] = [];

  constructor(
    private readonly batch: RestoreBatch,
    private readonly now: () => number,
  ) {}

  /** The model's entry, as it starts: success until something says otherwise. */
  add(c: ModelCandidate): ModelRunSummary {
    const entry: ModelRunSummary = {
      name: c.folderName,
      run_id: c.runId,
      run_name: c.name,
      architecture: c.architecture,
      status: 'success',
      output_dir: null,
      error: null,
      frames: 0,
      frames_tiled: 0,
      provider: null,
      psnr_mean: null,
      ssim_mean: null,
      source: c.source,
      export: null,
    };
    this.models.push(entry);
    return entry;
  }

  result(): RestoreFramesResult {
    return {
      outputDir: this.batch.outputDir,
      frames: this.batch.frames.length,
      models: this.models,
      ranking: rankModels(this.models),
      ...(this.batch.metricModels.length ? { metric_models: this.batch.metricModels.map((m) => m.summary) } : {}),
    };
  }

  write(): Promise<void> {
    const { inputDir, gtDir, outputDir, frames, inputProblems } = this.batch;
    return writeJsonAtomic(join(outputDir, 'batch_summary.json'), {
      created_at: isoTimestamp(this.now()),
      input_dir: inputDir,
      gt_dir: gtDir,
      output_dir: outputDir,
      frames: frames.length,
      ...(inputProblems.length ? { input_problems: inputProblems } : {}),
      ...(this.batch.metricModels.length ? { metric_models: this.batch.metricModels.map((m) => m.summary) } : {}),
      models: this.models,
      ranking: this.result().ranking,
    });
  }
}
