import type { Err, Result } from '../../shared/result';
import { err, ok } from '../result';
import { parseWholeNumber } from './flag';
import type { Shard, ShardEnv, ShardFlag, ShardSource } from './types';

/*
 * `--shard auto`: which shard this process is, from the variables a scheduler sets.
 *
 * Slurm (sbatch(1), OUTPUT ENVIRONMENT VARIABLES): SLURM_ARRAY_TASK_ID is the task's array index,
 * SLURM_ARRAY_TASK_COUNT the number of tasks, SLURM_ARRAY_TASK_MIN / _MAX the lowest and highest
 * index, SLURM_ARRAY_TASK_STEP the "index step size". slurmctld takes STEP from the text after the
 * first ':' of --array (1 when there is none) while COUNT, MIN and MAX come from the set of
 * indices, so for a list (--array=1,3,5) STEP is 1 although the indices are 2 apart. A task's
 * position in its array is therefore only known when the indices are the range MIN-MAX:STEP, i.e.
 * COUNT = (MAX − MIN) / STEP + 1; then index = (ID − MIN) / STEP and count = COUNT. Any other
 * array (a list, or ranges mixed with lists) is refused: use --shard I/N, or submit a range.
 * The four numbers cannot tell a range from a hand-written list that happens to match them
 * (--array=0-1,4-5:2 is {0, 1, 4} with COUNT 3, MIN 0, MAX 4, STEP 2); then the off-step task
 * (1) is refused and the merge finds its shard missing, so nothing is silently done twice.
 * Without STEP (Slurm before it was added) the step is taken as 1.
 *
 * Kubernetes Indexed Jobs (completionMode: Indexed): the control plane sets JOB_COMPLETION_INDEX
 * (0 … completions − 1) in every pod, but exposes no completion count, so the Job must also set
 * LOUPE_SHARD_COUNT to spec.completions.
 *
 * AWS Batch array jobs: AWS_BATCH_JOB_ARRAY_INDEX (0-based, set only in child jobs) and
 * AWS_BATCH_JOB_ARRAY_SIZE (the parent array's size).
 *
 * LOUPE_SHARD_COUNT, when set next to a scheduler that reports its own count, must agree with it.
 * An empty variable counts as unset. Two schedulers' variables in one environment must agree.
 */

type Vars = Record<string, string>;
type Found = Result<{ index: number; count: number; detail: string; used: Vars }>;

const SHARD_COUNT = 'LOUPE_SHARD_COUNT';

function read(env: ShardEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function describe(used: Vars): string {
  return Object.entries(used)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
}

function fail(source: ShardSource, message: string, used: Vars): Err {
  return err('INVALID_ARGUMENT', `--shard auto (${source}): ${message}`, { source, variables: used });
}

/** Read the named variables that are set; the first unparsable one is an error. */
function wholeNumbers(
  env: ShardEnv,
  source: ShardSource,
  names: string[],
): Result<{ n: Map<string, number>; used: Vars }> {
  const n = new Map<string, number>();
  const used: Vars = {};
  for (const name of names) {
    const raw = read(env, name);
    if (raw === undefined) continue;
    used[name] = raw;
    const value = parseWholeNumber(raw);
    if (value === null) return fail(source, `${name}=${JSON.stringify(raw)} is not a whole number`, used);
    n.set(name, value);
  }
  return ok({ n, used });
}

function checkIndex(source: ShardSource, index: number, count: number, used: Vars, detail: string): Found {
  if (count < 1) return fail(source, `the shard count is ${count}; it must be at least 1 (${describe(used)})`, used);
  if (index >= count) {
    return fail(source, `index ${index} is not below the shard count ${count} (${describe(used)})`, used);
  }
  return ok({ index, count, detail, used });
}

function slurm(env: ShardEnv): Found {
  const names = ['SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_COUNT', 'SLURM_ARRAY_TASK_MIN', 'SLURM_ARRAY_TASK_MAX'];
  const parsed = wholeNumbers(env, 'slurm', [...names, 'SLURM_ARRAY_TASK_STEP']);
  if (!parsed.ok) return parsed;
  const { n, used } = parsed.value;
  const id = n.get('SLURM_ARRAY_TASK_ID') as number;
  const count = n.get('SLURM_ARRAY_TASK_COUNT');
  const min = n.get('SLURM_ARRAY_TASK_MIN');
  const max = n.get('SLURM_ARRAY_TASK_MAX');
  const step = n.get('SLURM_ARRAY_TASK_STEP') ?? 1;
  if (step < 1) return fail('slurm', `SLURM_ARRAY_TASK_STEP=${step}: a step must be at least 1`, used);
  if (min === undefined && max === undefined) {
    if (count === undefined) {
      return fail('slurm', 'SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor _MIN/_MAX is', used);
    }
    if (step !== 1) return fail('slurm', `a step of ${step} needs SLURM_ARRAY_TASK_MIN and _MAX`, used);
    // Without MIN the array is taken to start at 0 (--array=0-N); an index past it is refused below.
    return checkIndex(
      'slurm',
      id,
      count,
      used,
      `${describe(used)} (no SLURM_ARRAY_TASK_MIN: array taken to start at 0)`,
    );
  }
  if (min === undefined || max === undefined) {
    const missing = min === undefined ? 'SLURM_ARRAY_TASK_MIN' : 'SLURM_ARRAY_TASK_MAX';
    return fail('slurm', `${missing} is unset while its pair is set (${describe(used)})`, used);
  }
  if (max < min) return fail('slurm', `SLURM_ARRAY_TASK_MAX=${max} is below SLURM_ARRAY_TASK_MIN=${min}`, used);
  const span = max - min;
  const inRange = span / step + 1;
  if (span % step !== 0 || (count !== undefined && count !== inRange)) {
    return fail(
      'slurm',
      `the array's indices are not the range ${min}-${max}:${step} (${describe(used)}); a list such as ` +
        `--array=1,3,5 gives no way to tell this task's position. Submit a range (--array=0-${(count ?? inRange) - 1}) ` +
        'or pass --shard I/N',
      used,
    );
  }
  if (id < min || id > max || (id - min) % step !== 0) {
    return fail('slurm', `SLURM_ARRAY_TASK_ID=${id} is not one of ${min}-${max}:${step} (${describe(used)})`, used);
  }
  const how = step === 1 ? 'index = ID − MIN' : 'index = (ID − MIN) / STEP';
  return checkIndex('slurm', (id - min) / step, inRange, used, `${describe(used)} (${how})`);
}

function kubernetes(env: ShardEnv): Found {
  const parsed = wholeNumbers(env, 'kubernetes', ['JOB_COMPLETION_INDEX', SHARD_COUNT]);
  if (!parsed.ok) return parsed;
  const { n, used } = parsed.value;
  const count = n.get(SHARD_COUNT);
  if (count === undefined) {
    return fail(
      'kubernetes',
      `JOB_COMPLETION_INDEX=${used.JOB_COMPLETION_INDEX} is set, but Kubernetes gives a pod no completion count: ` +
        `set ${SHARD_COUNT} to the Job's spec.completions`,
      used,
    );
  }
  return checkIndex('kubernetes', n.get('JOB_COMPLETION_INDEX') as number, count, used, describe(used));
}

function awsBatch(env: ShardEnv): Found {
  const parsed = wholeNumbers(env, 'aws-batch', ['AWS_BATCH_JOB_ARRAY_INDEX', 'AWS_BATCH_JOB_ARRAY_SIZE']);
  if (!parsed.ok) return parsed;
  const { n, used } = parsed.value;
  const size = n.get('AWS_BATCH_JOB_ARRAY_SIZE');
  if (size === undefined) {
    return fail('aws-batch', 'AWS_BATCH_JOB_ARRAY_INDEX is set but AWS_BATCH_JOB_ARRAY_SIZE is not', used);
  }
  return checkIndex('aws-batch', n.get('AWS_BATCH_JOB_ARRAY_INDEX') as number, size, used, describe(used));
}

const SCHEDULERS: { source: ShardSource; indexVar: string; resolve: (env: ShardEnv) => Found }[] = [
  { source: 'slurm', indexVar: 'SLURM_ARRAY_TASK_ID', resolve: slurm },
  { source: 'kubernetes', indexVar: 'JOB_COMPLETION_INDEX', resolve: kubernetes },
  { source: 'aws-batch', indexVar: 'AWS_BATCH_JOB_ARRAY_INDEX', resolve: awsBatch },
];

function nothingFound(env: ShardEnv): Result<Shard> {
  const hints: string[] = [];
  if (read(env, 'SLURM_JOB_ID') !== undefined)
    hints.push('SLURM_JOB_ID is set but this job is not an array (sbatch --array=0-N)');
  if (read(env, SHARD_COUNT) !== undefined)
    hints.push(`${SHARD_COUNT} is set but no index is (a Kubernetes Job needs completionMode: Indexed)`);
  if (read(env, 'AWS_BATCH_JOB_ID') !== undefined)
    hints.push('AWS_BATCH_JOB_ID is set but this is not a child of an array job');
  const message =
    '--shard auto found no scheduler index: expected SLURM_ARRAY_TASK_ID (Slurm array), JOB_COMPLETION_INDEX ' +
    '(Kubernetes Indexed Job) or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job); or pass --shard I/N';
  return err('INVALID_ARGUMENT', hints.length > 0 ? `${message}. ${hints.join('; ')}` : message, { hints });
}

/** A scheduler that reports its own count must agree with LOUPE_SHARD_COUNT when both are set. */
function agreesWithShardCount(env: ShardEnv, source: ShardSource, count: number, used: Vars): Err | null {
  if (source === 'kubernetes') return null;
  const raw = read(env, SHARD_COUNT);
  if (raw === undefined) return null;
  const given = parseWholeNumber(raw);
  if (given === count) return null;
  const why = given === null ? 'is not a whole number' : `disagrees with the scheduler's count ${count}`;
  return fail(source, `${SHARD_COUNT}=${JSON.stringify(raw)} ${why} (${describe(used)})`, {
    ...used,
    [SHARD_COUNT]: raw,
  });
}

/**
 * Resolve `--shard auto` from a scheduler's environment. Each scheduler is recognised by its index
 * variable; a recognised scheduler whose other variables are missing or inconsistent is an error
 * (never a silent fallback to one shard), and so are two schedulers that disagree.
 */
export function shardFromEnv(env: ShardEnv): Result<Shard> {
  const found: Shard[] = [];
  for (const { source, indexVar, resolve } of SCHEDULERS) {
    if (read(env, indexVar) === undefined) continue;
    const r = resolve(env);
    if (!r.ok) return r;
    const clash = agreesWithShardCount(env, source, r.value.count, r.value.used);
    if (clash) return clash;
    found.push({ index: r.value.index, count: r.value.count, source, detail: `${source}: ${r.value.detail}` });
  }
  const first = found[0];
  if (first === undefined) return nothingFound(env);
  const other = found.find((s) => s.index !== first.index || s.count !== first.count);
  if (other) {
    const all = found.map((s) => `${s.index}/${s.count} from ${s.detail}`).join('; ');
    return err('INVALID_ARGUMENT', `--shard auto: schedulers disagree: ${all}`, {
      shards: found.map(({ index, count, source }) => ({ index, count, source })),
    });
  }
  return ok({ ...first, detail: found.map((s) => s.detail).join('; ') });
}

/** The shard a parsed `--shard` value stands for: a fixed `I/N` as given, `auto` from `env`. */
export function resolveShard(flag: ShardFlag, env: ShardEnv): Result<Shard> {
  if (flag.kind === 'auto') return shardFromEnv(env);
  return ok({ index: flag.index, count: flag.count, source: 'flag', detail: `--shard ${flag.index}/${flag.count}` });
}
