import { readdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Result } from '../../shared/result';
import type { Shard } from '../../shared/shard';
import {
  isShardManifest,
  parseShardManifestName,
  SHARD_MANIFEST_VERSION,
  SHARDS_DIR,
  shardManifestName,
  type InferShardData,
  type PredictShardData,
  type ShardManifest,
  type ShardState,
} from '../../core/shard/manifest';
import { completeShards, mergeShards, type FoundManifest, type Merged } from '../../core/shard/merge';
import { ok } from '../../core/result';
import { removeStrayTemps, writeFileAtomic, writeJsonAtomic } from './atomic';
import { LabelDir } from '../labels/label-dir';
import { readVersionedJson } from './versioned-json';
import { isoTimestamp } from '../../core/format';
import { isPlainRecord } from '../../core/guards';
import { clusterStatus, type ReadManifest } from '../../core/shard/status';
import type { ClusterStatus } from '../../shared/shard';
import { toAppError } from '../../core/result';

type KindData = { kind: 'predict'; predict: PredictShardData } | { kind: 'infer'; infer: InferShardData };

/**
 * A shard's manifest in `<outputDir>/.loupe-shards/`, kept in memory and written whole,
 * atomically, on every `write()`. Opened from the file a retried shard left (same index, count
 * and kind), else fresh; either way this process's host, pid and start time replace the old ones.
 */
export class ShardManifestFile {
  private constructor(
    readonly path: string,
    readonly manifest: ShardManifest,
    private readonly now: () => number,
  ) {}

  static async open(
    outputDir: string,
    shard: Shard,
    fresh: KindData,
    now: () => number,
    resume: boolean,
  ): Promise<ShardManifestFile> {
    const name = shardManifestName(shard.index, shard.count);
    const path = join(outputDir, SHARDS_DIR, name);
    // The temp file of a write the last run of this shard was killed in (the other shards' are theirs).
    await removeStrayTemps(join(outputDir, SHARDS_DIR), new Set([name]));
    const prior = resume ? await readVersionedJson(path, isShardManifest) : null;
    const at = isoTimestamp(now());
    const base = {
      version: SHARD_MANIFEST_VERSION,
      shard: { index: shard.index, count: shard.count, source: shard.source, detail: shard.detail },
      state: 'running' as ShardState,
      error: null,
      host: hostname(),
      pid: process.pid,
      startedAt: at,
      updatedAt: at,
      outputDir,
      total: 0,
      done: 0,
      failed: 0,
    };
    const data: KindData = prior && prior.kind === fresh.kind ? (prior as KindData) : fresh;
    const manifest = { ...base, ...data } as ShardManifest;
    return new ShardManifestFile(path, manifest, now);
  }

  get predict(): PredictShardData {
    if (this.manifest.kind !== 'predict') throw new Error('not a predict shard');
    return this.manifest.predict;
  }

  get infer(): InferShardData {
    if (this.manifest.kind !== 'infer') throw new Error('not an infer shard');
    return this.manifest.infer;
  }

  counts(total: number, done: number, failed: number): void {
    Object.assign(this.manifest, { total, done, failed });
  }

  async write(): Promise<void> {
    this.manifest.updatedAt = isoTimestamp(this.now());
    await writeJsonAtomic(this.path, this.manifest);
  }

  /** The shard's last write: done, or failed with why. */
  async finish(state: 'done' | 'failed', error: { code: string; message: string } | null = null): Promise<void> {
    this.manifest.state = state;
    this.manifest.error = error;
    await this.write();
  }
}

/** Every manifest in the output folder's `.loupe-shards/` (unreadable ones as null). */
export async function readShardManifests(outputDir: string): Promise<FoundManifest[]> {
  const dir = join(outputDir, SHARDS_DIR);
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: FoundManifest[] = [];
  for (const name of names.sort()) {
    const id = parseShardManifestName(name);
    if (!id) continue;
    found.push({ ...id, manifest: await readVersionedJson(join(dir, name), isShardManifest) });
  }
  return found;
}

/**
 * Merge the output folder's shards when all of them are done: the summaries one process would
 * write, each written atomically (so two shards merging at once both write the same bytes).
 * Missing or unfinished shards: an error that names them, and nothing written.
 */
export async function mergeShardFolder(
  outputDir: string,
  /**
   * `finish`: a step on the merged files before they are written, that needs what this module must not
   * import (pixels: infer's tPSNR, measured from the outputs on disk). Kept out of this module so
   * the host, which reads manifests for the app's live view, never loads sharp.
   */
  finish?: (outputDir: string, merged: Merged) => Promise<void>,
): Promise<Result<Merged>> {
  const complete = completeShards(await readShardManifests(outputDir), join(outputDir, SHARDS_DIR));
  if (!complete.ok) return complete;
  const labelFiles = complete.value[0]?.kind === 'predict' ? (await new LabelDir(outputDir).watchIds()).length : 0;
  const merged = mergeShards(complete.value, { labelFiles });
  if (!merged.ok) return merged;
  await finish?.(outputDir, merged.value);
  for (const f of merged.value.files) {
    const path = join(outputDir, f.path);
    if ('json' in f) await writeJsonAtomic(path, f.json);
    else await writeFileAtomic(path, f.text);
  }
  return ok(merged.value);
}

/**
 * Every manifest file in `.loupe-shards/`, each read on its own: its manifest, or why not (a
 * file that cannot be read, is not JSON, or is not a manifest of this version). For the live view,
 * which names what it could not read rather than failing on it.
 */
export async function readShardManifestFiles(outputDir: string): Promise<ReadManifest[]> {
  const dir = join(outputDir, SHARDS_DIR);
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: ReadManifest[] = [];
  for (const name of names.sort()) {
    const id = parseShardManifestName(name);
    if (!id) continue;
    const at = { ...id, file: name };
    let text: string;
    try {
      text = await readFile(join(dir, name), 'utf8');
    } catch (e) {
      const error = toAppError(e);
      found.push({ ...at, ok: false, error: { code: error.code, message: `cannot read ${name}: ${error.message}` } });
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      found.push({ ...at, ok: false, error: { code: 'IO_ERROR', message: `${name} is not JSON` } });
      continue;
    }
    if (!isShardManifest(value)) {
      const version = isPlainRecord(value) ? value.version : undefined;
      const message =
        version !== SHARD_MANIFEST_VERSION
          ? `${name} is not a shard manifest of version ${SHARD_MANIFEST_VERSION} (version ${JSON.stringify(version)})`
          : `${name} is not a valid shard manifest`;
      found.push({ ...at, ok: false, error: { code: 'UNSUPPORTED', message } });
      continue;
    }
    found.push({ ...at, ok: true, manifest: value });
  }
  return found;
}

/** The stamp of the merge's file for a kind (see `ClusterStatusInputs.mergedStamp`), or null. */
async function readMergeStamp(outputDir: string, kind: 'predict' | 'infer'): Promise<string | null> {
  const [file, key] = kind === 'infer' ? ['batch_summary.json', 'created_at'] : ['.loupe-predict.json', 'updatedAt'];
  try {
    const value: unknown = JSON.parse(await readFile(join(outputDir, file), 'utf8'));
    const stamp = isPlainRecord(value) ? value[key] : null;
    return typeof stamp === 'string' ? stamp : null;
  } catch {
    return null;
  }
}

/** Where the cluster run in `outputDir` stands (read only). */
export async function readClusterStatus(
  outputDir: string,
  options: { now: number; staleAfterMs: number },
): Promise<ClusterStatus> {
  const files = await readShardManifestFiles(outputDir);
  const kind = files.find((f): f is Extract<ReadManifest, { ok: true }> => f.ok)?.manifest.kind;
  const mergedStamp = kind ? await readMergeStamp(outputDir, kind) : null;
  return clusterStatus({ outputDir, shardsDir: join(outputDir, SHARDS_DIR), files, mergedStamp, ...options });
}
