import type { JobSnapshot, RestoreFramesSpec } from '../../../shared/jobs';
import { baseName } from '../../../core/jobs/job-record';
import { ProgressBar } from '../../components/ProgressBar';
import { isUnended } from './setup-store';

const TONE: Partial<Record<JobSnapshot['status'], string>> = {
  completed: 'ok',
  failed: 'danger',
  interrupted: 'warn',
  paused: 'warn',
  running: 'accent',
};

/**
 * The page's other runs, as the engine's job list has them (newest first): one still going can be
 * shown (the form follows it), a finished one opened, or its setup taken back into the form.
 */
export function CompareRuns({
  runs,
  locked,
  onFollow,
  onOpen,
  onUseSetup,
}: {
  runs: readonly JobSnapshot<'restore-frames'>[];
  /** The form is locked by its own run: its setup cannot be replaced now. */
  locked: boolean;
  onFollow: (job: JobSnapshot<'restore-frames'>) => void;
  onOpen: (outputDir: string) => void;
  onUseSetup: (spec: RestoreFramesSpec) => void;
}) {
  if (runs.length === 0) return null;
  return (
    <div className="card form-card" data-testid="compare-runs">
      <div className="card-title">Runs from this page</div>
      <ul className="compare-runs">
        {runs.map((job) => (
          <li key={job.id} className="compare-run" data-testid="compare-run" data-status={job.status} data-job={job.id}>
            <div className="compare-run-head">
              <span className="mono compare-run-path" title={`${job.spec.inputDir} → ${job.spec.outputDir}`}>
                {baseName(job.spec.inputDir)} → {baseName(job.spec.outputDir)}
              </span>
              <span className={`badge ${TONE[job.status] ?? ''}`}>{job.status}</span>
            </div>
            <div className="compare-run-meta dim small">
              {new Date(job.createdAt).toLocaleString()} · {job.done}
              {job.total !== null ? ` / ${job.total}` : ''} frames
            </div>
            {isUnended(job) && <ProgressBar done={job.done} total={job.total} status={job.status} />}
            <div className="row end">
              {isUnended(job) && (
                <button className="btn small" onClick={() => onFollow(job)}>
                  Show
                </button>
              )}
              {!isUnended(job) && (
                <button className="btn small ghost" onClick={() => onUseSetup(job.spec)} disabled={locked}>
                  Use this setup
                </button>
              )}
              {(job.status === 'completed' || job.done > 0) && (
                <button className="btn small" onClick={() => onOpen(job.spec.outputDir)}>
                  Open results
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
