import type { ItemStatus, JobItem, JobSnapshot, JobSpec, JobStatus } from '../../shared/jobs';
import type { AppError } from '../../shared/result';

/** Allowed status changes. Anything else is a bug or a stale request and is refused. */
const TRANSITIONS: Record<JobStatus, readonly JobStatus[]> = {
  queued: ['running', 'paused', 'cancelled', 'interrupted'],
  running: ['paused', 'completed', 'cancelled', 'failed', 'interrupted'],
  paused: ['running', 'queued', 'cancelled', 'interrupted'],
  interrupted: ['queued', 'cancelled'],
  completed: [],
  cancelled: [],
  failed: ['queued'],
};

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * The job has ended (done, failed or stopped by the user). An interrupted job has not: it waits to
 * be resumed.
 */
export function isFinished(status: JobStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

export function isActive(status: JobStatus): boolean {
  return status === 'queued' || status === 'running' || status === 'paused';
}

export function jobTitle(spec: JobSpec): string {
  switch (spec.kind) {
    case 'scan-images':
      return `Scan ${baseName(spec.folder)}`;
    case 'benchmark-model':
      return `Benchmark ${spec.modelId}`;
    case 'predict-keypoints':
      if (spec.relabelFrom?.length)
        return `Re-predict ${spec.watchId ?? spec.templateModel ?? baseName(spec.imagesDir)} from ${spec.relabelFrom.join(', ')}`;
      return `Predict ${spec.watchId ?? spec.templateModel ?? baseName(spec.imagesDir)}`;
    case 'restore-frames':
      return `Restore ${baseName(spec.inputDir)}`;
    case 'export-models':
      return `Export ${spec.sources.length === 1 && spec.sources[0]?.type === 'torch' ? baseName(spec.sources[0].path) : 'PyTorch models'} to ONNX`;
  }
}

export function baseName(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const at = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return at >= 0 ? trimmed.slice(at + 1) : trimmed;
}

export function newSnapshot(id: string, spec: JobSpec, now: number): JobSnapshot {
  return {
    id,
    kind: spec.kind,
    title: jobTitle(spec),
    spec,
    status: 'queued',
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    total: null,
    done: 0,
    counts: { ok: 0, failed: 0, skipped: 0 },
    tags: {},
    rate: null,
    etaSec: null,
    elapsedMs: 0,
    error: null,
    result: null,
    provider: null,
    resumes: 0,
    phase: null,
  };
}

/** Count one finished item into a snapshot (returns a new snapshot). */
export function countItem(s: JobSnapshot, item: Pick<JobItem, 'status' | 'tag'>): JobSnapshot {
  const counts = { ...s.counts, [item.status]: s.counts[item.status as ItemStatus] + 1 };
  const tags = item.tag ? { ...s.tags, [item.tag]: (s.tags[item.tag] ?? 0) + 1 } : s.tags;
  return { ...s, done: s.done + 1, counts, tags };
}

/** Recount a snapshot from its items (after loading a journal). */
export function recount(s: JobSnapshot, items: readonly Pick<JobItem, 'status' | 'tag'>[]): JobSnapshot {
  let out: JobSnapshot = { ...s, done: 0, counts: { ok: 0, failed: 0, skipped: 0 }, tags: {} };
  for (const item of items) out = countItem(out, item);
  return out;
}

/**
 * A journal read back after the engine restarted: whatever was queued, running or paused did not
 * finish and is now `interrupted` (resumable); the reason is recorded.
 */
export function restoreAfterRestart(s: JobSnapshot, reason: AppError): JobSnapshot {
  if (!isActive(s.status)) return s;
  return { ...s, status: 'interrupted', error: reason, rate: null, etaSec: null, phase: null };
}
