import type { JobSnapshot } from '../../shared/jobs';

export interface TaskbarProgress {
  /** 0..1 while work is under way; -1 hides the bar. */
  value: number;
  mode: 'none' | 'normal' | 'paused' | 'indeterminate';
}

/**
 * One progress value for the dock/taskbar from all jobs: items done over items known, across the
 * jobs that are running, queued or paused. Paused when nothing is running but something is paused.
 */
export function taskbarProgress(jobs: readonly JobSnapshot[]): TaskbarProgress {
  const active = jobs.filter((j) => j.status === 'running' || j.status === 'queued' || j.status === 'paused');
  if (active.length === 0) return { value: -1, mode: 'none' };
  const known = active.filter((j) => j.total !== null && j.total > 0);
  if (known.length === 0) return { value: 2, mode: 'indeterminate' };
  const total = known.reduce((a, j) => a + (j.total as number), 0);
  const done = known.reduce((a, j) => a + Math.min(j.done, j.total as number), 0);
  const running = active.some((j) => j.status === 'running');
  return {
    value: done / total,
    mode: running ? 'normal' : active.every((j) => j.status === 'paused') ? 'paused' : 'normal',
  };
}
