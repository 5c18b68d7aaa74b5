import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PredictKeypointsResult } from '../../../shared/jobs';
import type { ShardSpec } from '../../../shared/shard';
import { shardLogName, type PredictShardData } from '../../../core/shard/manifest';
import { partitionByGroup } from '../../../core/shard/partition';
import { toAppError, unwrap } from '../../../core/result';
import type { EngineServices } from '../../services';
import { mergeShardFolder, ShardManifestFile } from '../../fs/shards';
import type { PredictLog } from './log';
import { predictManifestOf, predictProgressContent, type PredictManifest, type ProgressWhere } from './progress';
import type { PredictContext, PredictImage } from './setup';
import { isoTimestamp } from '../../../core/format';

/*
 * One shard of a keypoint batch (spec.shard): every shard lists the same images, splits their
 * watch IDs with partitionByGroup (weight: the watch ID's image count in the whole batch, so the
 * split is the same on every rerun) and predicts only its watch IDs' images, so it writes only
 * their label files. The progress file and predict.log of a single run are kept in the shard's
 * manifest instead (its own log lines also go to .loupe-shards/shard-I-of-N.log); the merge
 * writes both for the whole batch.
 */
export class PredictShard {
  private constructor(
    private readonly svc: EngineServices,
    private readonly ctx: PredictContext,
    private readonly shard: ShardSpec,
    private readonly file: ShardManifestFile,
    /** Every image of the batch by path: its position in the whole batch (predict.log's order). */
    private readonly positions: ReadonlyMap<string, number>,
    /** This shard's images, in batch order. */
    readonly images: PredictImage[],
  ) {}

  static async open(
    svc: EngineServices,
    ctx: PredictContext,
    shard: ShardSpec,
    outputDir: string,
    all: readonly PredictImage[],
  ): Promise<PredictShard> {
    const weights = new Map<string, number>();
    for (const { id } of all) weights.set(id.watchId, (weights.get(id.watchId) ?? 0) + 1);
    const groups = [...weights].map(([key, weight]) => ({ key, weight }));
    const plan = unwrap(partitionByGroup(groups, shard.count));
    const images = all.filter(({ id }) => plan.shardOf.get(id.watchId) === shard.index);
    const fresh: { kind: 'predict'; predict: PredictShardData } = {
      kind: 'predict',
      predict: {
        progress: { imagesDir: '', labelsDir: '', configKey: '', done: {}, failures: {} },
        log: { header: [], start: { at: '', text: '' }, already: 0, after: [], images: {} },
        result: null,
      },
    };
    const file = await ShardManifestFile.open(outputDir, shard, fresh, () => svc.now(), ctx.spec.resume !== false);
    // This run's lines before the images replace the last run's; the lines of its images are kept.
    const mine = new Set(images.map(({ id }) => id.imageKey));
    const kept = Object.entries(file.predict.log.images).filter(([key]) => mine.has(key));
    Object.assign(file.predict.log, {
      header: [],
      after: [],
      start: { at: '', text: '' },
      already: 0,
      images: Object.fromEntries(kept),
    });
    file.predict.result = null;
    await mkdir(dirname(file.path), { recursive: true });
    const positions = new Map(all.map((image, index) => [image.rel, index]));
    const owned = plan.shards[shard.index]?.keys.length ?? 0;
    ctx.log(
      'info',
      `shard ${shard.index}/${shard.count} (0-based): ${owned} watch IDs, ${images.length} of ${all.length} images`,
    );
    return new PredictShard(svc, ctx, shard, file, positions, images);
  }

  /** predict.log's lines kept for the merge (and appended to the shard's own log). */
  readonly log: PredictLog = async (line, tag) => {
    const at = isoTimestamp(this.svc.now());
    const log = this.file.predict.log;
    const path = join(dirname(this.file.path), shardLogName(this.shard.index, this.shard.count));
    await appendFile(path, `${at} ${line}\n`).catch(() => undefined);
    if (tag && 'image' in tag) {
      const { rel, after } = tag.image;
      const own = this.positions.get(rel) ?? -1;
      // Held back: just after the watch's last image, in its own order among those held with it,
      // where one process writes it (run-images.ts siblingPass).
      const index =
        after === undefined ? own : (this.positions.get(after) ?? -1) + (own + 1) / (this.positions.size + 1);
      log.images[tag.image.key] = { at, text: line, index };
    } else if (tag && 'start' in tag) {
      log.start = { at, text: line.slice(0, line.length - `${tag.start.already} already done`.length) };
      log.already = tag.start.already;
    } else if (tag && 'process' in tag) {
      // This process's figures: in the shard's own log only.
    } else if (line.startsWith('done: ')) {
      // The merge writes the whole batch's.
    } else if (log.start.text) log.after.push({ at, text: line });
    else log.header.push({ at, text: line });
  };

  /** The progress kept in the shard's manifest, to go on from. */
  progress(imagesDir: string, configKey: string): PredictManifest {
    const p = this.file.predict.progress;
    const manifest = predictManifestOf({ version: 1, ...p }, imagesDir, configKey, this.ctx.spec.resume);
    // Progress of another config or folder is not this run's: nor are its images' log lines.
    if (manifest.doneCount + manifest.failedCount === 0) this.file.predict.log.images = {};
    return manifest;
  }

  /** The progress into the shard's manifest, written. */
  async save(manifest: PredictManifest, where: ProgressWhere): Promise<void> {
    const { version: _v, updatedAt: _u, ...content } = predictProgressContent(manifest, where, this.svc.now());
    this.file.predict.progress = { ...content, failures: content.failures ?? {} };
    this.file.counts(this.images.length, manifest.doneCount, manifest.failedCount);
    await this.file.write();
  }

  /** A shard that stopped (cancelled, disk full): failed, with why; a rerun resumes it. */
  async failed(e: unknown): Promise<void> {
    await this.file.finish('failed', toAppError(e)).catch(() => undefined);
  }

  /** Done: the manifest says so, then the merge runs when every shard is done (unless --no-merge). */
  async finish(result: PredictKeypointsResult): Promise<PredictKeypointsResult> {
    this.file.predict.result = result;
    await this.file.finish('done');
    const { index, count } = this.shard;
    if (this.shard.merge === false) {
      this.ctx.log(
        'info',
        `shard ${index}/${count} done; not merging (--no-merge): run loupe merge --output-dir ${result.outputDir}`,
      );
      return result;
    }
    const merged = await mergeShardFolder(result.outputDir);
    if (!merged.ok) {
      this.ctx.log('info', `shard ${index}/${count} done; not merged yet: ${merged.error.message}`);
      return result;
    }
    this.ctx.log('info', `shard ${index}/${count} done; all ${count} shards are: merged into ${result.outputDir}`);
    return merged.value.result as PredictKeypointsResult;
  }
}
