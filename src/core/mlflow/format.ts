import type { MetricPoint, MlflowExperiment, MlflowRun, RunStatus } from '../../shared/mlflow';
import { RUN_STATUSES } from '../../shared/mlflow';

/**
 * MLflow's file-store formats, parsed from text: meta.yaml objects (already YAML-decoded),
 * metric files (`timestamp value step` lines), MLmodel flavors. Pure: the engine reads the files.
 */

/** MLflow's RunStatus enum: RUNNING=1, SCHEDULED=2, FINISHED=3, FAILED=4, KILLED=5. */
export function runStatus(value: unknown): RunStatus | null {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 5)
    return RUN_STATUSES[value - 1] ?? null;
  if (typeof value === 'string') {
    const upper = value.trim().toUpperCase();
    if ((RUN_STATUSES as readonly string[]).includes(upper)) return upper as RunStatus;
    if (/^[1-5]$/.test(upper)) return RUN_STATUSES[Number(upper) - 1] ?? null;
  }
  return null;
}

const str = (v: unknown, fallback = ''): string => (v === undefined || v === null ? fallback : String(v));
const num = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};
const stage = (v: unknown): 'active' | 'deleted' => (str(v) === 'deleted' ? 'deleted' : 'active');

export function experimentFromMeta(meta: Record<string, unknown>, dirName: string): MlflowExperiment {
  return {
    experimentId: str(meta.experiment_id, dirName),
    name: str(meta.name, dirName),
    artifactLocation: str(meta.artifact_location),
    lifecycleStage: stage(meta.lifecycle_stage),
    creationTime: num(meta.creation_time),
    lastUpdateTime: num(meta.last_update_time),
  };
}

export function runFromMeta(
  meta: Record<string, unknown>,
  dirName: string,
  parts: { params: Record<string, string>; metrics: Record<string, MetricPoint>; tags: Record<string, string> },
): MlflowRun {
  const runId = str(meta.run_id ?? meta.run_uuid, dirName);
  return {
    runId,
    runName: str(meta.run_name) || parts.tags['mlflow.runName'] || runId,
    experimentId: str(meta.experiment_id),
    status: runStatus(meta.status) ?? 'RUNNING',
    startTime: num(meta.start_time),
    endTime: num(meta.end_time),
    lifecycleStage: stage(meta.lifecycle_stage),
    userId: str(meta.user_id),
    artifactUri: str(meta.artifact_uri),
    ...parts,
  };
}

/** A metric file: one `timestamp value step` line per logged value (step may be missing). */
export function parseMetricHistory(text: string): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 2) continue;
    const timestamp = Number(fields[0]);
    const value = fields[1] === 'nan' || fields[1] === 'NaN' ? NaN : Number(fields[1]);
    const step = fields.length >= 3 ? Number(fields[2]) : 0;
    if (!Number.isFinite(timestamp) || Number.isNaN(step)) continue;
    out.push({ timestamp, value, step });
  }
  return out;
}

/** The latest point: highest step, then latest timestamp (what MLflow reports as the metric). */
export function latestMetric(history: readonly MetricPoint[]): MetricPoint | null {
  let best: MetricPoint | null = null;
  for (const p of history) {
    if (!best || p.step > best.step || (p.step === best.step && p.timestamp >= best.timestamp)) best = p;
  }
  return best;
}

/** `file:///a/b` or `/a/b` or `./mlruns/…` → a filesystem path (relative ones left relative). */
export function fileUriToPath(uri: string): string | null {
  if (uri.startsWith('file://')) {
    let p = decodeURIComponent(uri.slice('file://'.length));
    if (/^\/[A-Za-z]:\//.test(p)) p = p.slice(1); // file:///C:/…
    return p;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) return null; // s3://, mlflow-artifacts://, http://
  return uri;
}
