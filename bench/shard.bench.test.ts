/**
 * Claim measured: what sharding costs on one machine. The same small restoration batch (2 bundled
 * models × 8 frames at 480×270) as one `loupe infer` process (the baseline), as `--shard 0/1`
 * (one shard: the manifest instead of the single run's files, then the merge), and as four
 * shards run one after the other (`--shard 0/4` … `3/4`, the last one merging), plus a `loupe
 * merge` alone. Wall times of the whole commands (process start, engine start, model loads
 * included), best of 2 rounds run interleaved; ratios against the baseline of the same round set.
 * On a cluster the four shards run at once; this measures the overhead they add, not a speedup.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'loupe.js');
const FRAMES = 8;
const MODELS = ['loupe-restore-dncnn', 'loupe-restore-unet'];

it('infer: one process vs one shard vs four sequential shards + merge', async () => {
  const work = join(tmpdir(), 'loupe-bench-shard');
  await rm(work, { recursive: true, force: true });
  const frames = join(work, 'frames');
  await mkdir(frames, { recursive: true });
  const src = join(root, 'resources', 'samples', 'frames');
  const names = (await readdir(src)).filter((n) => n.endsWith('.png')).sort();
  for (let i = 0; i < FRAMES; i++) {
    const n = names[i % names.length] as string;
    await sharp(join(src, n))
      .resize(480, 270)
      .png()
      .toFile(join(frames, `f_${String(i).padStart(3, '0')}.png`));
  }
  const models = join(work, 'models');
  for (const id of MODELS) await cp(join(root, 'resources', 'models', id), join(models, id), { recursive: true });

  const timed = (args: string[]): number => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, ...args], {
      env: { ...process.env, LOUPE_DATA_DIR: join(work, 'data') },
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(r.status, r.stderr).toBe(0);
    return performance.now() - t0;
  };
  const infer = (out: string) => ['infer', '--models-dir', models, '--input-dir', frames, '--output-dir', out];
  const best: Record<string, number> = { single: Infinity, oneShard: Infinity, fourShards: Infinity, merge: Infinity };
  const raw: Record<string, number>[] = [];
  for (let round = 0; round < 2; round++) {
    const dir = (name: string) => join(work, `r${round}-${name}`);
    const t: Record<string, number> = {};
    const runs: [string, () => number][] = [
      ['single', () => timed(infer(dir('single')))],
      ['oneShard', () => timed([...infer(dir('one')), '--shard', '0/1'])],
      ['fourShards', () => [0, 1, 2, 3].reduce((a, i) => a + timed([...infer(dir('four')), '--shard', `${i}/4`]), 0)],
    ];
    // Odd rounds in reverse order, so neither side always runs first (a cold cache, a busy CPU).
    for (const [name, run] of round % 2 ? runs.reverse() : runs) t[name] = run();
    t.merge = timed(['merge', '--output-dir', dir('four')]);
    raw.push(t);
    for (const [name, ms] of Object.entries(t)) best[name] = Math.min(best[name] as number, ms);
  }
  console.table(raw);
  const single = best.single as number;
  const rows = {
    single_ms: Math.round(single),
    one_shard_ms: Math.round(best.oneShard as number),
    one_shard_ratio: Number(((best.oneShard as number) / single).toFixed(3)),
    four_shards_sum_ms: Math.round(best.fourShards as number),
    four_shards_ratio: Number(((best.fourShards as number) / single).toFixed(3)),
    merge_ms: Math.round(best.merge as number),
    merge_ratio: Number(((best.merge as number) / single).toFixed(3)),
  };
  console.table([rows]);
  await writeFile(join(tmpdir(), 'loupe-bench-shard.json'), JSON.stringify(rows, null, 2));
});
