import { describe, expect, it } from 'vitest';
import type { ModelRunSummary } from '../../../src/shared/jobs';
import { validateJobSpec } from '../../../src/core/jobs/validate-spec';
import {
  isShardManifest,
  parseShardManifestName,
  shardManifestName,
  type InferModelPart,
  type ShardManifest,
} from '../../../src/core/shard/manifest';
import { completeShards, mergeShards, mergeTime, type FoundManifest } from '../../../src/core/shard/merge';

function entry(over: Partial<ModelRunSummary> = {}): ModelRunSummary {
  return {
    name: 'm',
    run_id: null,
    run_name: 'm',
    architecture: null,
    status: 'success',
    output_dir: '/o/m',
    error: null,
    frames: 0,
    frames_tiled: 0,
    provider: 'cpu',
    psnr_mean: null,
    ssim_mean: null,
    source: 'folder',
    export: null,
    ...over,
  };
}

function part(start: number, end: number, psnr: (number | null)[], failures: string[] = []): InferModelPart {
  const frames = Array.from({ length: end - start }, (_, i) => ({ index: start + i, run_ms: 1.25 }));
  return {
    position: 0,
    folder: 'm',
    start,
    end,
    entry: entry({ frames_tiled: 1 }),
    loaded: true,
    progress: {
      version: 1,
      configKey: 'k',
      done: Object.fromEntries(frames.map((f) => [`f${f.index}`, {}])),
      failed: {},
    },
    metadata: {
      run_name: 'm',
      status: 'success',
      error: null,
      tiling: { always: false, frames_tiled: 1 },
      png: { compression_level: 6, bit_depth: 8 },
      timings: { load_ms: 3, session_run_ms_total: 0, wall_ms: 0, frames: 0 },
      frames,
      created_at: 'x',
    },
    metrics: {
      run_name: 'm',
      frames: psnr.map((p, i) => ({ frame: `frame_${start + i}`, input: 'i', psnr: p, ssim: 0.5 })),
      skipped: [],
      mean: {},
    },
    failures,
    nonFiniteFrames: 0,
    wallMs: 10,
  };
}

function manifest(
  index: number,
  count: number,
  parts: InferModelPart[],
  over: Partial<ShardManifest> = {},
): ShardManifest {
  return {
    version: 1,
    kind: 'infer',
    shard: { index, count, source: 'flag', detail: `--shard ${index}/${count}` },
    state: 'done',
    error: null,
    host: 'node1',
    pid: 100 + index,
    startedAt: '2026-01-01T00:00:00.000Z',
    updatedAt: `2026-01-01T00:00:0${index}.000Z`,
    outputDir: '/o',
    total: 2,
    done: 2,
    failed: 0,
    infer: {
      batch: { input_dir: '/i', gt_dir: '/g', output_dir: '/o', frames: 4, input_problems: [], models: 1 },
      parts,
    },
    ...over,
  } as ShardManifest;
}

const found = (m: ShardManifest | null, index: number, count: number): FoundManifest => ({ index, count, manifest: m });

describe('shard manifests', () => {
  it('names files shard-I-of-N.json and reads the name back', () => {
    expect(shardManifestName(3, 8)).toBe('shard-3-of-8.json');
    expect(parseShardManifestName('shard-3-of-8.json')).toEqual({ index: 3, count: 8 });
    expect(parseShardManifestName('shard-3-of-8.json.123.tmp')).toBeNull();
    expect(isShardManifest(manifest(0, 1, []))).toBe(true);
    expect(isShardManifest({ ...manifest(0, 1, []), version: 2 })).toBe(false);
  });

  it('a spec carries a valid shard only', () => {
    const spec = { kind: 'restore-frames', inputDir: '/i', outputDir: '/o', sources: [{ type: 'bundled' }] };
    const shard = { index: 1, count: 4, source: 'slurm', detail: 'SLURM_ARRAY_TASK_ID=1' };
    expect(validateJobSpec({ ...spec, shard })).toMatchObject({ ok: true, value: { shard } });
    expect(validateJobSpec({ ...spec, shard: { ...shard, index: 4 } })).toMatchObject({ ok: false });
    expect(validateJobSpec({ ...spec, shard: { ...shard, source: 'pbs' } })).toMatchObject({ ok: false });
    expect(validateJobSpec({ ...spec, shard: { ...shard, merge: 'no' } })).toMatchObject({ ok: false });
  });
});

describe('completeShards', () => {
  it('names missing, unreadable, running and failed shards', () => {
    const running = manifest(2, 5, [], { state: 'running', done: 1, total: 3 });
    const failed = manifest(3, 5, [], { state: 'failed', error: { code: 'DISK_FULL', message: 'disk full' } });
    const r = completeShards(
      [found(manifest(0, 5, []), 0, 5), found(null, 1, 5), found(running, 2, 5), found(failed, 3, 5)],
      '/o/.loupe-shards',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toMatch(/missing shard 4 of 0…4/);
    expect(r.error.message).toMatch(/shard-1-of-5\.json \(unreadable\)/);
    expect(r.error.message).toMatch(/shard 2 \(running, 1\/3; node1 pid 102/);
    expect(r.error.message).toMatch(/shard 3 \(failed: disk full/);
    expect(r.error.details).toMatchObject({ missing: [4] });
  });

  it('refuses no manifests and manifests of runs with different counts', () => {
    expect(completeShards([], '/d')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const r = completeShards([found(manifest(0, 2, []), 0, 2), found(manifest(0, 3, []), 0, 3)], '/d');
    expect(r).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/different shard counts \(2, 3\)/) },
    });
  });
});

describe('mergeShards (infer)', () => {
  const a = manifest(0, 2, [part(0, 2, [30, 20])]);
  const b = manifest(1, 2, [part(2, 4, [null, 10], ['cam_3.png: NaN'])]);

  it("recomputes one model's entry, metadata and metrics from its parts, keys in the single run's order", () => {
    const r = mergeShards([a, b], { labelFiles: 0 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const byPath = Object.fromEntries(r.value.files.map((f) => [f.path, 'json' in f ? f.json : f.text]));
    expect(Object.keys(byPath)).toEqual([
      'm/metadata.json',
      'm/metrics.json',
      'm/.loupe-infer.json',
      'batch_summary.json',
    ]);
    const meta = byPath['m/metadata.json'] as Record<string, unknown>;
    expect(Object.keys(meta)).toEqual(Object.keys(a.kind === 'infer' ? (a.infer.parts[0]?.metadata ?? {}) : {}));
    expect(meta).toMatchObject({
      status: 'inference_failed',
      error: '1 of 4 frames failed; first: cam_3.png: NaN',
      tiling: { always: false, frames_tiled: 2 },
      timings: { load_ms: 3, session_run_ms_total: 5, wall_ms: 20, frames: 4 },
      created_at: '2026-01-01T00:00:01.000000+00:00',
    });
    expect((meta.frames as { index: number }[]).map((f) => f.index)).toEqual([0, 1, 2, 3]);
    // A PSNR stored as null was infinite: the mean is too (and JSON writes it as null).
    const summary = byPath['batch_summary.json'] as { models: ModelRunSummary[]; ranking: unknown[] };
    expect(summary.models[0]).toMatchObject({ frames: 4, frames_tiled: 2, psnr_mean: Infinity, ssim_mean: 0.5 });
    expect(Object.keys(summary)).toEqual([
      'created_at',
      'input_dir',
      'gt_dir',
      'output_dir',
      'frames',
      'models',
      'ranking',
    ]);
    expect(Object.keys((byPath['m/.loupe-infer.json'] as { done: object }).done)).toEqual(['f0', 'f1', 'f2', 'f3']);
  });

  it('is the same whatever order the manifests were found in, and at the last write’s time', () => {
    expect(mergeTime([a, b])).toBe(Date.parse('2026-01-01T00:00:01.000000+00:00'));
    expect(JSON.stringify(mergeShards([a, b], { labelFiles: 0 }))).toBe(
      JSON.stringify(mergeShards([a, b], { labelFiles: 0 })),
    );
  });

  it('a model that could not load on a shard has that shard’s entry and no report', () => {
    const failed: InferModelPart = {
      ...part(2, 4, []),
      loaded: false,
      metadata: null,
      metrics: null,
      progress: null,
      entry: entry({ status: 'load_failed', error: 'bad', output_dir: null }),
    };
    const r = mergeShards([a, manifest(1, 2, [failed])], { labelFiles: 0 });
    expect(r.ok && r.value.files.map((f) => f.path)).toEqual(['batch_summary.json']);
    expect(r.ok && (r.value.result as { models: ModelRunSummary[] }).models[0]).toMatchObject({
      status: 'load_failed',
      error: 'bad',
    });
  });

  it('refuses shards that saw different batches, and a model no shard ran', () => {
    const other = manifest(1, 2, [], {});
    if (other.kind === 'infer' && other.infer.batch) other.infer.batch = { ...other.infer.batch, frames: 5 };
    expect(mergeShards([a, other], { labelFiles: 0 })).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/different batches/) },
    });
    const none = manifest(0, 1, []);
    expect(mergeShards([none], { labelFiles: 0 })).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/no shard ran model 0/) },
    });
  });
});
