import type { JobStatus } from '../../shared/jobs';

export function ProgressBar({ done, total, status }: { done: number; total: number | null; status: JobStatus }) {
  const fraction = total ? Math.min(1, done / total) : 0;
  const indeterminate = total === null && (status === 'running' || status === 'queued');
  return (
    <div
      className={`progress ${status}${indeterminate ? ' indeterminate' : ''}`}
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={total ?? undefined}
      aria-valuenow={total ? done : undefined}
      aria-valuetext={total ? `${Math.floor(fraction * 100)}%` : undefined}
    >
      <div className="fill" style={{ width: `${fraction * 100}%` }} />
    </div>
  );
}
