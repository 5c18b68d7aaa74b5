import type { JobSnapshot } from '../../../shared/jobs';
import { formatDuration, formatPercent, formatRate } from '../../../core/format';
import { canTransition } from '../../../core/jobs/job-record';
import { ProgressBar } from '../../components/ProgressBar';
import { CloseIcon, PauseIcon, PlayIcon, StopIcon } from '../../components/icons';
import { useApp } from '../../store/app-store';

const STATUS_BADGE: Record<JobSnapshot['status'], string> = {
  queued: '',
  running: 'accent',
  paused: 'warn',
  completed: 'ok',
  cancelled: '',
  failed: 'danger',
  interrupted: 'warn',
};

const UNIT: Record<JobSnapshot['kind'], string> = {
  'scan-images': 'img',
  'benchmark-model': 'runs',
  'predict-keypoints': 'img',
  'restore-frames': 'frames',
  'export-models': 'models',
};

export function JobCard({ job, selected }: { job: JobSnapshot; selected: boolean }) {
  const select = useApp((s) => s.selectJob);
  const act = useApp((s) => s.jobAction);
  // The buttons follow the job's own state rules: resuming puts a job back in the queue.
  const canPause = canTransition(job.status, 'paused');
  const canResume = canTransition(job.status, 'queued');
  const canCancel = canTransition(job.status, 'cancelled');
  const canRemove = !canCancel;
  const stop = (e: React.MouseEvent, action: 'pause' | 'resume' | 'cancel' | 'remove'): void => {
    e.stopPropagation();
    void act(job.id, action);
  };
  return (
    <div
      className="job"
      role="option"
      aria-selected={selected}
      data-testid="job"
      data-job-id={job.id}
      data-status={job.status}
      tabIndex={0}
      onClick={() => select(selected ? null : job.id)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') select(selected ? null : job.id);
      }}
    >
      <div className="row">
        <span className="title" title={job.title}>
          {job.title}
        </span>
        <span className={`badge ${STATUS_BADGE[job.status]}`} data-testid="job-status">
          {job.status}
        </span>
        <span className="controls">
          {canPause && (
            <button className="btn icon ghost" aria-label="Pause" title="Pause" onClick={(e) => stop(e, 'pause')}>
              <PauseIcon size={14} />
            </button>
          )}
          {canResume && (
            <button className="btn icon ghost" aria-label="Resume" title="Resume" onClick={(e) => stop(e, 'resume')}>
              <PlayIcon size={14} />
            </button>
          )}
          {canCancel && (
            <button className="btn icon ghost" aria-label="Cancel" title="Cancel" onClick={(e) => stop(e, 'cancel')}>
              <StopIcon size={14} />
            </button>
          )}
          {canRemove && (
            <button
              className="btn icon ghost"
              aria-label="Remove"
              title="Remove from the list"
              onClick={(e) => stop(e, 'remove')}
            >
              <CloseIcon size={14} />
            </button>
          )}
        </span>
      </div>
      <ProgressBar done={job.done} total={job.total} status={job.status} />
      {job.status === 'running' && job.phase && (
        <div className="dim small" data-testid="job-phase">
          {job.phase}…
        </div>
      )}
      <div className="meta">
        <span data-testid="job-progress">
          {job.done}
          {job.total !== null ? ` / ${job.total}` : ''} · {formatPercent(job.done, job.total)}
        </span>
        {job.status === 'running' && <span>{formatRate(job.rate, UNIT[job.kind])}</span>}
        {job.status === 'running' && <span>ETA {formatDuration(job.etaSec)}</span>}
        {job.status !== 'running' && job.elapsedMs > 0 && <span>{formatDuration(job.elapsedMs / 1000)}</span>}
        <span>
          <span className="dim">ok</span> {job.counts.ok}
          {job.counts.failed > 0 && (
            <>
              {' '}
              · <span className="danger-text">failed {job.counts.failed}</span>
            </>
          )}
          {job.counts.skipped > 0 && <> · skipped {job.counts.skipped}</>}
        </span>
        {job.kind === 'predict-keypoints' && job.counts.ok > 0 && (
          <span title="Predictions by tier" data-testid="job-tiers">
            full {job.tags.full ?? 0} · pipeline fb {job.tags['pipeline-fallback'] ?? 0} · geometric fb{' '}
            {job.tags['geometric-fallback'] ?? 0}
          </span>
        )}
        {job.provider && (
          <span title={job.provider.fallbackReason ?? undefined}>
            on {job.provider.active}
            {job.provider.fallbackReason ? ' (fallback)' : ''}
          </span>
        )}
      </div>
      {job.error && <div className="error">{job.error.message}</div>}
      {job.warnings?.map((w) => (
        <div key={w.message} className="warning">
          {w.message}
        </div>
      ))}
    </div>
  );
}
