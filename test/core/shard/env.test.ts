import { describe, expect, it } from 'vitest';
import { resolveShard, shardFromEnv } from '../../../src/core/shard/env';
import type { Shard, ShardEnv } from '../../../src/core/shard/types';

function shard(env: ShardEnv): Shard {
  const r = shardFromEnv(env);
  if (!r.ok) throw new Error(`expected a shard, got: ${r.error.message}`);
  return r.value;
}

function refusal(env: ShardEnv): string {
  const r = shardFromEnv(env);
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
  expect(r.error.code).toBe('INVALID_ARGUMENT');
  return r.error.message;
}

/** What sbatch(1) sets for --array=MIN-MAX:STEP, as slurmctld computes it. */
function slurmRange(id: number, min: number, max: number, step = 1): ShardEnv {
  const count = Math.floor((max - min) / step) + 1;
  return {
    SLURM_JOB_ID: '1234',
    SLURM_ARRAY_JOB_ID: '1200',
    SLURM_ARRAY_TASK_ID: String(id),
    SLURM_ARRAY_TASK_COUNT: String(count),
    SLURM_ARRAY_TASK_MIN: String(min),
    SLURM_ARRAY_TASK_MAX: String(min + (count - 1) * step),
    SLURM_ARRAY_TASK_STEP: String(step),
  };
}

describe('shardFromEnv: Slurm arrays', () => {
  it('reads --array=0-3 (all four variables)', () => {
    for (let id = 0; id < 4; id++) {
      const s = shard(slurmRange(id, 0, 3));
      expect(s).toMatchObject({ index: id, count: 4, source: 'slurm' });
      expect(s.detail).toContain(`SLURM_ARRAY_TASK_ID=${id}`);
      expect(s.detail).toContain('SLURM_ARRAY_TASK_COUNT=4');
    }
  });

  it('subtracts MIN for an array that starts above 0 (--array=1-4)', () => {
    expect(shard(slurmRange(1, 1, 4))).toMatchObject({ index: 0, count: 4 });
    expect(shard(slurmRange(4, 1, 4))).toMatchObject({ index: 3, count: 4 });
    expect(shard(slurmRange(4, 1, 4)).detail).toContain('index = ID − MIN');
  });

  it('divides by the step for --array=0-15:4 (0, 4, 8, 12) and 1-7:2', () => {
    expect([0, 4, 8, 12].map((id) => shard(slurmRange(id, 0, 15, 4)).index)).toEqual([0, 1, 2, 3]);
    expect(shard(slurmRange(12, 0, 15, 4))).toMatchObject({ count: 4 });
    expect([1, 3, 5, 7].map((id) => shard(slurmRange(id, 1, 7, 2)).index)).toEqual([0, 1, 2, 3]);
    expect(shard(slurmRange(5, 1, 7, 2)).detail).toContain('(ID − MIN) / STEP');
  });

  it('takes MIN/MAX without COUNT (older Slurm), the step defaulting to 1', () => {
    expect(shard({ SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_MIN: '5', SLURM_ARRAY_TASK_MAX: '9' })).toMatchObject({
      index: 2,
      count: 5,
    });
  });

  it('takes ID with COUNT alone as an array that starts at 0, and says so', () => {
    const s = shard({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4' });
    expect(s).toMatchObject({ index: 2, count: 4, source: 'slurm' });
    expect(s.detail).toContain('taken to start at 0');
    expect(refusal({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4' })).toContain('not below the shard count 4');
  });

  it('refuses a list: --array=1,3,5 reports STEP=1 with COUNT=3, MIN=1, MAX=5', () => {
    const list = { SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '5' };
    for (const id of ['1', '3', '5']) {
      const message = refusal({ ...list, SLURM_ARRAY_TASK_ID: id, SLURM_ARRAY_TASK_STEP: '1' });
      expect(message).toContain('not the range 1-5:1');
      expect(message).toContain('--array=0-2');
      expect(message).toContain('--shard I/N');
    }
  });

  it('refuses ranges mixed with a list: --array=0-15:4,20 (STEP=4, COUNT=5, MAX=20)', () => {
    expect(
      refusal({
        SLURM_ARRAY_TASK_ID: '20',
        SLURM_ARRAY_TASK_COUNT: '5',
        SLURM_ARRAY_TASK_MIN: '0',
        SLURM_ARRAY_TASK_MAX: '20',
        SLURM_ARRAY_TASK_STEP: '4',
      }),
    ).toContain('not the range 0-20:4');
  });

  it('cannot tell --array=0-1,4-5:2 ({0, 1, 4}) from 0-4:2, but refuses its off-step task', () => {
    const env = {
      SLURM_ARRAY_TASK_COUNT: '3',
      SLURM_ARRAY_TASK_MIN: '0',
      SLURM_ARRAY_TASK_MAX: '4',
      SLURM_ARRAY_TASK_STEP: '2',
    };
    expect(shard({ ...env, SLURM_ARRAY_TASK_ID: '4' })).toMatchObject({ index: 2, count: 3 });
    expect(refusal({ ...env, SLURM_ARRAY_TASK_ID: '1' })).toContain('not one of 0-4:2');
  });

  it('refuses a task whose ID is off the progression, or a span the step does not divide', () => {
    const env = { SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '8', SLURM_ARRAY_TASK_STEP: '4' };
    expect(refusal({ ...env, SLURM_ARRAY_TASK_ID: '2' })).toContain('not one of 0-8:4');
    expect(refusal({ ...env, SLURM_ARRAY_TASK_ID: '9' })).toContain('not one of 0-8:4');
    expect(refusal({ ...env, SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MAX: '10' })).toContain('not the range');
  });

  it.each<[string, ShardEnv, string]>([
    ['ID alone', { SLURM_ARRAY_TASK_ID: '0' }, 'neither SLURM_ARRAY_TASK_COUNT nor _MIN/_MAX'],
    ['MIN without MAX', { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MIN: '0' }, 'SLURM_ARRAY_TASK_MAX is unset'],
    ['MAX without MIN', { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MAX: '3' }, 'SLURM_ARRAY_TASK_MIN is unset'],
    ['MAX below MIN', { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '3', SLURM_ARRAY_TASK_MAX: '1' }, 'below'],
    ['a step of 0', { ...slurmRange(0, 0, 3), SLURM_ARRAY_TASK_STEP: '0' }, 'at least 1'],
    [
      'a step without MIN',
      { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_STEP: '2' },
      'needs',
    ],
    ['a count of 0', { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '0' }, 'at least 1'],
    ['junk in ID', { ...slurmRange(0, 0, 3), SLURM_ARRAY_TASK_ID: 'x' }, 'SLURM_ARRAY_TASK_ID="x" is not a whole'],
    ['a negative MIN', { ...slurmRange(0, 0, 3), SLURM_ARRAY_TASK_MIN: '-1' }, 'not a whole number'],
    ['COUNT against MIN/MAX', { ...slurmRange(0, 0, 3), SLURM_ARRAY_TASK_COUNT: '5' }, 'not the range 0-3:1'],
  ])('refuses %s', (_, env, says) => {
    expect(refusal(env)).toContain(says);
  });

  it('names its source and the variables in the error details', () => {
    const r = shardFromEnv({ SLURM_ARRAY_TASK_ID: '0' });
    expect(!r.ok && r.error.details).toEqual({ source: 'slurm', variables: { SLURM_ARRAY_TASK_ID: '0' } });
  });

  it('checks LOUPE_SHARD_COUNT against the array when both are set', () => {
    expect(shard({ ...slurmRange(1, 0, 3), LOUPE_SHARD_COUNT: '4' })).toMatchObject({ index: 1, count: 4 });
    expect(refusal({ ...slurmRange(1, 0, 3), LOUPE_SHARD_COUNT: '8' })).toContain('LOUPE_SHARD_COUNT="8" disagrees');
    expect(refusal({ ...slurmRange(1, 0, 3), LOUPE_SHARD_COUNT: 'x' })).toContain('"x" is not a whole number');
  });

  it('says a non-array Slurm job is not an array', () => {
    expect(refusal({ SLURM_JOB_ID: '99' })).toContain('SLURM_JOB_ID is set but this job is not an array');
  });
});

describe('shardFromEnv: Kubernetes Indexed Jobs', () => {
  it('reads JOB_COMPLETION_INDEX with LOUPE_SHARD_COUNT', () => {
    const s = shard({ JOB_COMPLETION_INDEX: '2', LOUPE_SHARD_COUNT: '5' });
    expect(s).toEqual({
      index: 2,
      count: 5,
      source: 'kubernetes',
      detail: 'kubernetes: JOB_COMPLETION_INDEX=2, LOUPE_SHARD_COUNT=5',
    });
  });

  it('needs LOUPE_SHARD_COUNT, since Kubernetes gives a pod no completion count', () => {
    expect(refusal({ JOB_COMPLETION_INDEX: '0' })).toContain("set LOUPE_SHARD_COUNT to the Job's spec.completions");
  });

  it('refuses an index at or past the count, a count of 0 and junk', () => {
    expect(refusal({ JOB_COMPLETION_INDEX: '5', LOUPE_SHARD_COUNT: '5' })).toContain('index 5 is not below');
    expect(refusal({ JOB_COMPLETION_INDEX: '0', LOUPE_SHARD_COUNT: '0' })).toContain('at least 1');
    expect(refusal({ JOB_COMPLETION_INDEX: '0', LOUPE_SHARD_COUNT: 'four' })).toContain('not a whole number');
  });

  it('says a count without an index means the Job is not Indexed', () => {
    expect(refusal({ LOUPE_SHARD_COUNT: '4' })).toContain('completionMode: Indexed');
  });
});

describe('shardFromEnv: AWS Batch array jobs', () => {
  it('reads AWS_BATCH_JOB_ARRAY_INDEX with AWS_BATCH_JOB_ARRAY_SIZE', () => {
    const s = shard({ AWS_BATCH_JOB_ID: 'abc:3', AWS_BATCH_JOB_ARRAY_INDEX: '3', AWS_BATCH_JOB_ARRAY_SIZE: '10' });
    expect(s).toMatchObject({ index: 3, count: 10, source: 'aws-batch' });
    expect(s.detail).toBe('aws-batch: AWS_BATCH_JOB_ARRAY_INDEX=3, AWS_BATCH_JOB_ARRAY_SIZE=10');
  });

  it('refuses a missing size, an index past it, and a disagreeing LOUPE_SHARD_COUNT', () => {
    expect(refusal({ AWS_BATCH_JOB_ARRAY_INDEX: '0' })).toContain('AWS_BATCH_JOB_ARRAY_SIZE is not');
    expect(refusal({ AWS_BATCH_JOB_ARRAY_INDEX: '10', AWS_BATCH_JOB_ARRAY_SIZE: '10' })).toContain('not below');
    expect(
      refusal({ AWS_BATCH_JOB_ARRAY_INDEX: '1', AWS_BATCH_JOB_ARRAY_SIZE: '10', LOUPE_SHARD_COUNT: '2' }),
    ).toContain('disagrees');
  });

  it('says a job that is not an array child has no index', () => {
    expect(refusal({ AWS_BATCH_JOB_ID: 'abc' })).toContain('not a child of an array job');
  });
});

describe('shardFromEnv: no scheduler, several, empty values', () => {
  it('refuses an environment with no scheduler index, naming the variables it looked for', () => {
    const message = refusal({ HOME: '/root' });
    for (const name of ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX', '--shard I/N']) {
      expect(message).toContain(name);
    }
  });

  it('treats an empty variable as unset', () => {
    expect(refusal({ SLURM_ARRAY_TASK_ID: '', JOB_COMPLETION_INDEX: '  ' })).toContain('found no scheduler index');
    expect(shard({ ...slurmRange(1, 0, 3), JOB_COMPLETION_INDEX: '' })).toMatchObject({ source: 'slurm' });
  });

  it('accepts two schedulers that agree, and lists both', () => {
    const s = shard({ ...slurmRange(1, 0, 3), JOB_COMPLETION_INDEX: '1', LOUPE_SHARD_COUNT: '4' });
    expect(s).toMatchObject({ index: 1, count: 4, source: 'slurm' });
    expect(s.detail).toContain('slurm: ');
    expect(s.detail).toContain('kubernetes: JOB_COMPLETION_INDEX=1');
  });

  it('refuses two schedulers that disagree', () => {
    const r = shardFromEnv({ ...slurmRange(1, 0, 3), AWS_BATCH_JOB_ARRAY_INDEX: '2', AWS_BATCH_JOB_ARRAY_SIZE: '4' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toContain('schedulers disagree');
    expect(r.error.details).toEqual({
      shards: [
        { index: 1, count: 4, source: 'slurm' },
        { index: 2, count: 4, source: 'aws-batch' },
      ],
    });
  });

  it('refuses when one scheduler resolves and another is broken', () => {
    expect(refusal({ ...slurmRange(1, 0, 3), JOB_COMPLETION_INDEX: '1' })).toContain('(kubernetes)');
  });
});

describe('resolveShard', () => {
  it('passes a fixed flag through, and resolves auto from the environment', () => {
    expect(resolveShard({ kind: 'fixed', index: 1, count: 3 }, slurmRange(0, 0, 7))).toEqual({
      ok: true,
      value: { index: 1, count: 3, source: 'flag', detail: '--shard 1/3' },
    });
    expect(resolveShard({ kind: 'auto' }, slurmRange(5, 0, 7))).toMatchObject({
      ok: true,
      value: { index: 5, count: 8 },
    });
  });
});
