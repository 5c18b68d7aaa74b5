import { join, resolve } from 'node:path';
import type { LabelFile } from '../../shared/labels';
import { planYoloPoseExport, toCoco } from '../../core/formats/retraining';
import { writeJsonAtomic } from '../../engine/fs/atomic';
import { imagesByName, writeYoloPoseDataset } from '../../host/yolo-pose-export';
import { UsageError, type CliIo } from '../context';
import { isoTimestamp } from '../../core/format';

const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** `convert --to coco`: one COCO keypoints JSON; records without a dial box are reported. */
export async function exportCoco(records: LabelFile, out: string, now: Date, io: CliIo): Promise<number> {
  const items = Object.entries(records).map(([imageKey, record]) => ({ imageKey, record }));
  const { coco, skipped } = toCoco(items, { now: isoTimestamp(now) });
  for (const s of skipped) io.err(`skipped ${s.imageKey}: ${s.reason}\n`);
  await writeJsonAtomic(out, coco);
  io.out(`${coco.images.length} images → ${out}${skipped.length ? ` (${skipped.length} skipped)` : ''}\n`);
  return coco.images.length === 0 && items.length > 0 ? 1 : 0;
}

export interface YoloPoseCliOptions {
  outDir: string;
  imagesDir: string | null;
  copy: boolean;
  valFraction: string | undefined;
  seed: string | undefined;
  watchIdOf: (fileName: string) => string;
}

/**
 * `convert --to yolo-pose`: a dataset Ultralytics trains on as it is (images/ and labels/ per
 * split by watch ID, dataset.yaml). The images are found by name under --images-dir.
 */
export async function exportYoloPose(records: LabelFile, o: YoloPoseCliOptions, io: CliIo): Promise<number> {
  if (!o.imagesDir) throw new UsageError('--images-dir is required for yolo-pose (the images go into the dataset)');
  const valFraction = o.valFraction === undefined ? 0.2 : Number(o.valFraction);
  if (!(valFraction > 0 && valFraction < 1)) throw new UsageError('--val-fraction must be a number between 0 and 1');
  const seed = o.seed === undefined ? 0 : Number(o.seed);
  if (!Number.isInteger(seed)) throw new UsageError('--seed must be an integer');

  const outDir = resolve(o.outDir);
  const byName = await imagesByName(o.imagesDir, outDir);
  const plan = planYoloPoseExport(
    Object.entries(records).map(([imageKey, record]) => ({
      imageKey,
      record,
      watchId: o.watchIdOf(record.full_image_name),
      imagePath: byName.get(record.full_image_name) ?? null,
    })),
    { valFraction, seed },
  );
  if (!plan.ok) {
    io.err(`loupe convert: ${plan.error.message}\n`);
    return 1;
  }
  for (const s of plan.value.skipped) io.err(`skipped ${s.imageKey}: ${s.reason}\n`);
  for (const n of plan.value.notes) io.err(`note ${n.imageKey}: ${n.message}\n`);
  const r = await writeYoloPoseDataset(outDir, plan.value, { copy: o.copy });
  if (r.linkFallback) io.err(`note: ${r.linkFallback}\n`);
  io.out(
    `${r.images} images (${r.images_as}) → ${join(r.out, 'images')}, labels → ${join(r.out, 'labels')}\n` +
      `  train: ${count(r.train.images, 'image')} of ${count(r.train.watches, 'watch', 'watches')} · ` +
      `val: ${count(r.val.images, 'image')} of ${count(r.val.watches, 'watch', 'watches')} (by watch ID, seed ${seed})\n` +
      `dataset → ${join(r.out, 'dataset.yaml')}${plan.value.skipped.length ? `\n${plan.value.skipped.length} skipped` : ''}\n`,
  );
  return 0;
}
