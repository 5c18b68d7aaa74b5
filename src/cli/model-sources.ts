import { resolve } from 'node:path';
import type { ModelSource } from '../shared/jobs';
import { RUN_STATUSES } from '../shared/mlflow';
import { UsageError } from './context';

/** Parsed flags of a command (or `--config` keys in flag form). */
export type Flags = Record<string, string | boolean | string[] | undefined>;

/** A repeatable flag's values (one value, several, or none). */
export function listFlag(flags: Flags, key: string): string[] {
  const v = flags[key];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** The MLflow flags of `loupe infer` and `loupe export` (read by {@link mlflowSourceFrom}). */
export const MLFLOW_FLAGS = {
  'mlflow-uri': { type: 'string' },
  'experiment-name': { type: 'string' },
  'filter-status': { type: 'string' },
  'max-runs': { type: 'string' },
  'run-id': { type: 'string', multiple: true },
  'mlflow-timeout': { type: 'string' },
} as const;

/**
 * The MLflow source of `--mlflow-uri`, `--experiment-name`, `--filter-status` (FINISHED by
 * default, `none` for all), `--max-runs`, `--run-id` (repeatable: these runs, whatever their
 * status) and `--mlflow-timeout` (seconds a server request may take), shared by `loupe infer` and
 * `loupe export`. Null without `--mlflow-uri`.
 */
export function mlflowSourceFrom(flags: Flags): Extract<ModelSource, { type: 'mlflow' }> | null {
  const uriFlag = typeof flags['mlflow-uri'] === 'string' ? flags['mlflow-uri'] : undefined;
  if (!uriFlag) return null;
  const experiment = flags['experiment-name'];
  if (typeof experiment !== 'string' || !experiment)
    throw new UsageError('--experiment-name is required with --mlflow-uri');
  const statusFlag = typeof flags['filter-status'] === 'string' ? flags['filter-status'] : 'FINISHED';
  const status = statusFlag.toLowerCase() === 'none' ? null : statusFlag.toUpperCase();
  if (status !== null && !(RUN_STATUSES as readonly string[]).includes(status))
    throw new UsageError('--filter-status must be FINISHED, RUNNING, FAILED, KILLED or none');
  const maxText = flags['max-runs'];
  const maxRuns = typeof maxText === 'string' ? Number(maxText) : undefined;
  if (maxRuns !== undefined && !(Number.isInteger(maxRuns) && maxRuns >= 1))
    throw new UsageError('--max-runs must be an integer ≥ 1');
  const runIds = listFlag(flags, 'run-id');
  const timeoutText = flags['mlflow-timeout'];
  const timeoutSec = typeof timeoutText === 'string' ? Number(timeoutText) : undefined;
  if (timeoutSec !== undefined && !(Number.isFinite(timeoutSec) && timeoutSec > 0 && timeoutSec <= 3600))
    throw new UsageError('--mlflow-timeout must be a number of seconds, more than 0 and at most 3600');
  return {
    type: 'mlflow',
    // A tracking server's URL as given; a file store's path made absolute.
    uri: /^[a-z][a-z0-9+.-]*:\/\//i.test(uriFlag) ? uriFlag : resolve(uriFlag),
    experiment,
    status: status as Extract<ModelSource, { type: 'mlflow' }>['status'],
    ...(maxRuns ? { maxRuns } : {}),
    ...(runIds.length ? { runIds } : {}),
    ...(timeoutSec !== undefined ? { timeoutSec } : {}),
  };
}
