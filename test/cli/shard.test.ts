import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardManifest } from '../../src/core/shard/manifest';
import { writeFixtureModels } from '../fixtures/onnx-models';
import { textureSvg } from '../fixtures/texture';
import { NO_SUCH_PID, repoRoot, tempDir, waitFor } from '../helpers';

/**
 * Cluster runs through the built CLI and a real engine: the same inputs once as one process and
 * once as N shards run one after the other (`--shard 0/N` … `N-1/N`), then the output folders
 * compared file by file, byte for byte once timestamps, timings and the folder's own path are
 * normalised. PNGs are compared as bytes, unnormalised.
 */
const bin = join(repoRoot, 'bin', 'loupe.js');
const samples = join(repoRoot, 'resources', 'samples');

/** Every file under `dir` but the shards' manifests, by relative path. */
async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== '.loupe-shards') await walk(path);
      } else out.push(relative(dir, path));
    }
  };
  await walk(dir);
  return out.sort();
}

const TIMING_KEYS = [
  'created_at',
  'updatedAt',
  'timestamp',
  'ms',
  'run_ms',
  'load_ms',
  'wall_ms',
  'session_run_ms_total',
  'detect',
  'match',
  'total',
  'decode',
  'detector_run',
];

/** A file's text with times and the output folder's path replaced (keys, order and all else kept). */
function normalise(text: string, dir: string): string {
  let t = text.split(dir).join('<OUT>');
  for (const key of TIMING_KEYS) t = t.replace(new RegExp(`"${key}": ("[^"]*"|[0-9.e+-]+)`, 'g'), `"${key}": <T>`);
  // predict.log: each line's timestamp, and an image's time.
  t = t.replace(/^\d{4}-\d\d-\d\dT[\d:.]+(?:Z|\+00:00) /gm, '<T> ').replace(/ in \d+ ms( \(|$)/gm, ' in <T> ms$1');
  // One process's resource and timing lines (a shard keeps its own in its shard log).
  t = t.replace(/^<T> (template cache|main thread): .*\n/gm, '');
  return t;
}

async function expectSameFolders(single: string, sharded: string): Promise<number> {
  const names = await files(single);
  expect(await files(sharded)).toEqual(names);
  for (const name of names) {
    const a = await readFile(join(single, name));
    const b = await readFile(join(sharded, name));
    if (name.endsWith('.png')) expect(b.equals(a), name).toBe(true);
    else expect(normalise(b.toString('utf8'), sharded), name).toBe(normalise(a.toString('utf8'), single));
  }
  return names.length;
}

describe('cluster runs: shards and their merge', () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  let frames: string;
  let gt: string;
  let models: string;
  beforeAll(async () => {
    tmp = await tempDir('loupe-shard-');
    env = { ...process.env, LOUPE_DATA_DIR: join(tmp.path, 'data') };
    for (const name of Object.keys(env))
      if (/^(SLURM_|JOB_COMPLETION|AWS_BATCH|LOUPE_SHARD)/.test(name)) delete env[name];
    frames = join(tmp.path, 'frames');
    gt = join(tmp.path, 'gt');
    await mkdir(frames);
    await mkdir(gt);
    for (let i = 0; i < 5; i++) {
      const card = sharp(Buffer.from(textureSvg(96, 64, 11 + i))).removeAlpha();
      await card
        .clone()
        .png()
        .toFile(join(frames, `cam_${i}.png`));
      await card
        .clone()
        .blur(1)
        .png()
        .toFile(join(gt, `cam_${i}.png`));
    }
    // Two models that run, one that does not load, one that is not a restoration model.
    const fixtures = await writeFixtureModels(join(tmp.path, 'models'));
    models = fixtures.dir;
    await writeFile(join(models, 'blur2.onnx'), await readFile(fixtures.blur));
  });
  afterAll(() => tmp.cleanup());

  const loupe = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [bin, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 240_000 });
  const inferArgs = (out: string) => [
    'infer',
    '--models-dir',
    models,
    '--input-dir',
    frames,
    '--gt-dir',
    gt,
    '--output-dir',
    out,
  ];

  it('infer as 4 shards and their merge writes the same folder as one process', async () => {
    const single = join(tmp.path, 'i-single');
    expect(loupe(inferArgs(single)).status).toBe(0);
    const sharded = join(tmp.path, 'i-sharded');
    const outputs: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = loupe([...inferArgs(sharded), '--shard', `${i}/4`]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`shard ${i}/4 (0-based index of 4 shards) from --shard ${i}/4`);
      outputs.push(r.stdout);
    }
    // Shards 0–2 find others missing; the last one merges.
    expect(outputs[0]).toMatch(/not merged yet: .*missing shards 1, 2, 3/);
    expect(outputs[3]).toMatch(/all 4 shards are: merged/);
    // 4 models × 5 frames in 4 shards: ranges cut across models.
    const manifest = JSON.parse(
      await readFile(join(sharded, '.loupe-shards', 'shard-1-of-4.json'), 'utf8'),
    ) as ShardManifest;
    expect(manifest).toMatchObject({ kind: 'infer', state: 'done', total: 5, shard: { index: 1, count: 4 } });
    expect(await expectSameFolders(single, sharded)).toBeGreaterThan(10);

    // Merging again (as two shards finishing at once would) writes the same bytes.
    const before = await readFile(join(sharded, 'batch_summary.json'), 'utf8');
    const m = loupe(['merge', '--output-dir', sharded, '--json']);
    expect(m.status, m.stderr).toBe(0);
    expect(await readFile(join(sharded, 'batch_summary.json'), 'utf8')).toBe(before);
    expect(JSON.parse(m.stdout)).toMatchObject({ frames: 5, models: expect.any(Array) });
  });

  it('4 shards started at once: whichever finishes last merges (maybe more than one), and the folder is the same', async () => {
    const single = join(tmp.path, 'i-single');
    if (!(await stat(single).catch(() => null))) expect(loupe(inferArgs(single)).status).toBe(0);
    const sharded = join(tmp.path, 'i-parallel');
    const runs = [0, 1, 2, 3].map(
      (i) =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          const child = spawn(process.execPath, [bin, ...inferArgs(sharded), '--shard', `${i}/4`], { env });
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.on('exit', (code) => resolve({ code, out }));
        }),
    );
    const results = await Promise.all(runs);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(results.filter((r) => /all 4 shards are: merged/.test(r.out)).length).toBeGreaterThanOrEqual(1);
    await expectSameFolders(single, sharded);
  });

  it('a merge with shards missing or unfinished names them, exits non-zero and writes nothing', async () => {
    const out = join(tmp.path, 'i-partial');
    for (const i of [0, 2]) expect(loupe([...inferArgs(out), '--shard', `${i}/4`, '--no-merge']).status).toBe(0);
    const m = loupe(['merge', '--output-dir', out]);
    expect(m.status).toBe(1);
    expect(m.stderr).toMatch(/missing shards 1, 3 of 0…3/);
    expect(await stat(join(out, 'batch_summary.json')).catch(() => null)).toBeNull();
    // A shard that is still running (or was killed) is named with its host and pid.
    const path = join(out, '.loupe-shards', 'shard-2-of-4.json');
    const running = { ...(JSON.parse(await readFile(path, 'utf8')) as ShardManifest), state: 'running' };
    await writeFile(path, JSON.stringify(running));
    for (const i of [1, 3]) expect(loupe([...inferArgs(out), '--shard', `${i}/4`]).status).toBe(0);
    const again = loupe(['merge', '--output-dir', out]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/not done: shard 2 \(running, \d+\/\d+; .* pid \d+/);
    expect(await stat(join(out, 'batch_summary.json')).catch(() => null)).toBeNull();
  });

  it('--shard auto reads the scheduler and says from what; without one it is a usage error naming the variables', () => {
    const none = loupe([...inferArgs(join(tmp.path, 'i-auto-none')), '--shard', 'auto']);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/SLURM_ARRAY_TASK_ID.*JOB_COMPLETION_INDEX.*AWS_BATCH_JOB_ARRAY_INDEX/);
    const slurm = loupe([...inferArgs(join(tmp.path, 'i-auto-slurm')), '--shard', 'auto', '--no-merge'], {
      SLURM_ARRAY_TASK_ID: '1',
      SLURM_ARRAY_TASK_COUNT: '2',
      SLURM_ARRAY_TASK_MIN: '0',
      SLURM_ARRAY_TASK_MAX: '1',
    });
    expect(slurm.status, slurm.stderr).toBe(0);
    expect(slurm.stdout).toMatch(
      /^shard 1\/2 \(0-based index of 2 shards\) from slurm: SLURM_ARRAY_TASK_ID=1, SLURM_ARRAY_TASK_COUNT=2/m,
    );
    // infer's --config takes shard: and no_merge: as well.
    const config = join(tmp.path, 'shard.yaml');
    writeFileSync(config, 'shard: 1/3\nno_merge: true\n');
    const fromConfig = loupe([...inferArgs(join(tmp.path, 'i-config')), '--config', config]);
    expect(fromConfig.status, fromConfig.stderr).toBe(0);
    expect(fromConfig.stdout).toMatch(/^shard 1\/3 \(0-based index of 3 shards\) from --shard 1\/3$/m);
    expect(fromConfig.stdout).toMatch(/not merging \(--no-merge\)/);
    const k8s = loupe([...inferArgs(join(tmp.path, 'i-auto-k8s')), '--shard', 'auto', '--no-merge'], {
      JOB_COMPLETION_INDEX: '0',
    });
    expect(k8s.status).toBe(2);
    expect(k8s.stderr).toMatch(/LOUPE_SHARD_COUNT/);
  });

  it('a shard killed with SIGKILL mid-way and run again gives the same merged folder as one process', async () => {
    const many = join(tmp.path, 'frames-many');
    await mkdir(many);
    for (let i = 0; i < 24; i++) {
      await sharp(Buffer.from(textureSvg(640, 480, 31 + i)))
        .removeAlpha()
        .png()
        .toFile(join(many, `f_${String(i).padStart(3, '0')}.png`));
    }
    const blurOnly = join(tmp.path, 'blur-only');
    await mkdir(blurOnly);
    await cp(join(models, 'blur'), join(blurOnly, 'blur'), { recursive: true });
    const args = (out: string) => ['infer', '--models-dir', blurOnly, '--input-dir', many, '--output-dir', out];
    const single = join(tmp.path, 'k-single');
    expect(loupe(args(single)).status).toBe(0);

    const sharded = join(tmp.path, 'k-sharded');
    expect(loupe([...args(sharded), '--shard', '0/2']).status).toBe(0);
    // Shard 1 owns frames 12–23 of the one model: killed once three of them are written.
    const written = async () =>
      (await readdir(join(sharded, 'fixture-blur')).catch(() => [] as string[])).filter(
        (f) => f.endsWith('.png') && f >= 'f_012',
      ).length;
    const child = spawn(process.execPath, [bin, ...args(sharded), '--shard', '1/2'], { env, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // Mid-way: frames written and the shard's manifest checkpointed at least once.
    const manifest = join(sharded, '.loupe-shards', 'shard-1-of-2.json');
    await waitFor(
      async () =>
        (await written()) >= 3 &&
        (await stat(manifest).then(
          () => true,
          () => false,
        )),
      120_000,
      'frames and a manifest of shard 1 before the kill',
    );
    child.kill('SIGKILL');
    await exited;
    expect(await written()).toBeLessThan(12);
    const killed = JSON.parse(
      await readFile(join(sharded, '.loupe-shards', 'shard-1-of-2.json'), 'utf8'),
    ) as ShardManifest;
    expect(killed.state).toBe('running');
    expect(loupe(['merge', '--output-dir', sharded]).status).toBe(1);
    // A kill during a write leaves its temp file; whether this one did depends on timing, so the
    // shard's rerun also finds one for a frame it owns and one for its manifest, as a kill leaves them.
    await writeFile(join(sharded, 'fixture-blur', `.f_020.png.${NO_SUCH_PID}.0a1b2c3d.tmp`), 'partial');
    await writeFile(join(sharded, '.loupe-shards', `.shard-1-of-2.json.${NO_SUCH_PID}.0a1b2c3d.tmp`), '{');

    const again = loupe([...args(sharded), '--shard', '1/2']);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/all 2 shards are: merged/);
    await expectSameFolders(single, sharded);
    expect((await readdir(join(sharded, '.loupe-shards'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('predict as 4 shards (by watch ID) and their merge writes the same label files, predict.log and progress file', async () => {
    const images = join(tmp.path, 'watches');
    await mkdir(images);
    const names = (await readdir(join(samples, 'watches'))).filter((n) => /^(ORBIS|KESTREL|HALDEN)/.test(n));
    for (const n of names.filter((_, i) => i % 2 === 0)) await cp(join(samples, 'watches', n), join(images, n));
    const args = (out: string) => [
      'predict',
      '--images-dir',
      images,
      '--labels-dir',
      join(samples, 'alignment_labels'),
      '--output-dir',
      out,
    ];
    const single = join(tmp.path, 'p-single');
    expect(loupe(args(single)).status).toBe(0);
    const sharded = join(tmp.path, 'p-sharded');
    let last = '';
    for (let i = 0; i < 4; i++) {
      const r = loupe([...args(sharded), '--shard', `${i}/4`, '--json']);
      expect(r.status, r.stderr).toBe(0);
      last = r.stdout;
    }
    expect(JSON.parse(last)).toMatchObject({ images: names.filter((_, i) => i % 2 === 0).length });
    const n = await expectSameFolders(single, sharded);
    expect(n).toBeGreaterThanOrEqual(4 + 2);
    expect(await files(sharded)).toContain('predict.log');
  });
});
