import { spawnSync } from 'node:child_process';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMlruns } from '../fixtures/mlruns';
import { repoRoot, tempDir } from '../helpers';
import { diffOutputFolders, firstJsonDifference, writeFrames } from './output-folders';
import { slurmUnavailable, startSlurmCluster, type SlurmCluster } from './slurm-cluster';

/*
 * The recipes in deploy/slurm as a user submits them, on a real single-node Slurm started for this
 * file (Debian's slurm-wlm and munge; .ci/run installs them): `sbatch --wait --array=0-3` of
 * deploy/slurm/loupe-infer.sbatch and loupe-predict.sbatch with `--shard auto`, the last task's
 * automatic merge, and the output compared with one process's on the same inputs.
 */
const bin = join(repoRoot, 'bin', 'loupe.js');
const LOUPE = `${process.execPath} ${bin}`;
const unavailable = slurmUnavailable();

async function expectSameFolder(single: string, cluster: string): Promise<void> {
  const diff = await diffOutputFolders(single, cluster);
  const details = await Promise.all(
    diff.differing.slice(0, 3).map((rel) => firstJsonDifference(single, cluster, rel).catch(() => rel)),
  );
  expect({ ...diff, details }).toEqual({ onlyInA: [], onlyInB: [], differing: [], details: [] });
}

describe.skipIf(unavailable !== null)(`deploy/slurm on a real Slurm${unavailable ? ` (${unavailable})` : ''}`, () => {
  let tmp: { path: string; cleanup: () => Promise<void> };
  let cluster: SlurmCluster;
  beforeAll(async () => {
    tmp = await tempDir('loupe-slurm-');
    cluster = await startSlurmCluster(join(tmp.path, 'slurm'));
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
    await tmp?.cleanup();
  }, 60_000);

  const loupe = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], {
      env: { ...process.env, LOUPE_DATA_DIR: join(tmp.path, 'data-single') },
      encoding: 'utf8',
      timeout: 300_000,
    });
  const submit = (script: string, args: string[]) => {
    const r = cluster.sbatchWait(
      [
        '--array=0-3',
        `--output=${join(tmp.path, 'slurm-%x-%a.out')}`,
        join(repoRoot, 'deploy', 'slurm', script),
        ...args,
      ],
      { cwd: tmp.path, env: { LOUPE } },
    );
    return r;
  };
  const taskLogs = async () => {
    const names = (await readdir(tmp.path)).filter((n) => n.startsWith('slurm-') && n.endsWith('.out'));
    const texts = await Promise.all(
      names.sort().map(async (n) => `== ${n}\n${await readFile(join(tmp.path, n), 'utf8')}`),
    );
    return texts.join('\n');
  };

  it('a 4-task array runs at all (the cluster works)', async () => {
    const script = join(tmp.path, 'hello.sh');
    await writeFile(script, '#!/bin/sh\necho "task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_COUNT"\n', {
      mode: 0o755,
    });
    const r = cluster.sbatchWait(['--array=0-3', `--output=${join(tmp.path, 'hello-%a.txt')}`, script]);
    expect(r.status, `${r.stderr}\n${await cluster.logs()}`).toBe(0);
    const lines = await Promise.all([0, 1, 2, 3].map((i) => readFile(join(tmp.path, `hello-${i}.txt`), 'utf8')));
    expect(lines.map((l) => l.trim())).toEqual([0, 1, 2, 3].map((i) => `task ${i} of 4`));
  }, 120_000);

  it('sbatch --array=0-3 deploy/slurm/loupe-infer.sbatch writes what one loupe infer writes', async () => {
    const frames = join(tmp.path, 'frames');
    const gt = join(tmp.path, 'gt');
    await writeFrames(frames, 9, 31);
    await writeFrames(gt, 9, 31);
    const store = join(tmp.path, 'mlruns');
    await writeMlruns(store);
    const args = ['--input-dir', frames, '--gt-dir', gt, '--mlflow-uri', store, '--experiment-name', 'restoration'];

    const single = join(tmp.path, 'infer-single');
    const one = loupe('infer', ...args, '--output-dir', single);
    expect(one.status, one.stderr).toBe(0);

    const sharded = join(tmp.path, 'infer-cluster');
    const r = submit('loupe-infer.sbatch', [...args, '--output-dir', sharded]);
    expect(r.status, `${r.stderr}\n${await taskLogs()}\n${await cluster.logs()}`).toBe(0);
    const logs = await taskLogs();
    // Each task said which shard it is and where that came from.
    for (const i of [0, 1, 2, 3]) expect(logs).toContain(`SLURM_ARRAY_TASK_ID=${i}`);
    await expectSameFolder(single, sharded);

    // `loupe merge` by hand gives the same folder again (idempotent).
    const merged = loupe('merge', '--output-dir', sharded);
    expect(merged.status, merged.stderr).toBe(0);
    await expectSameFolder(single, sharded);
  }, 600_000);

  it('sbatch --array=0-3 deploy/slurm/loupe-predict.sbatch writes what one loupe predict writes', async () => {
    const samples = join(repoRoot, 'resources', 'samples');
    const images = join(tmp.path, 'watches');
    await cp(join(samples, 'watches'), images, { recursive: true });
    const args = ['--images-dir', images, '--labels-dir', join(samples, 'alignment_labels')];

    const single = join(tmp.path, 'predict-single');
    const one = loupe('predict', ...args, '--output-dir', single);
    expect(one.status, one.stderr).toBe(0);

    const sharded = join(tmp.path, 'predict-cluster');
    const r = submit('loupe-predict.sbatch', [...args, '--output-dir', sharded]);
    expect(r.status, `${r.stderr}\n${await taskLogs()}\n${await cluster.logs()}`).toBe(0);
    await expectSameFolder(single, sharded);
  }, 600_000);
});
