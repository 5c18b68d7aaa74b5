import { useCallback, useMemo, useState } from 'react';
import { formatDuration, formatRate } from '../../../core/format';
import { reviewCounts } from '../../../core/keypoints/review-list';
import type { JobSnapshot } from '../../../shared/jobs';
import { ProgressBar } from '../../components/ProgressBar';
import { RefreshIcon } from '../../components/icons';
import { useApp } from '../../store/app-store';
import { useFolder } from '../../store/folder';
import { CorrectionsView } from '../review/CorrectionsView';
import { Editor } from '../review/Editor';
import { FilterBar } from '../review/FilterBar';
import { ReviewGrid } from '../review/ReviewGrid';
import { TIER_STYLE } from '../review/points';
import { LabelFoldersCard } from './LabelFoldersCard';
import { LabelStudioImport } from './LabelStudioImport';
import { NamingBanner } from './NamingBanner';

type Tab = 'review' | 'corrections';

/** An opened folder: counts, Predict, the review grid with its filters, the editor and the corrections. */
export function FolderView({ onClose, onRescan }: { onClose: () => void; onRescan: () => void }) {
  const folder = useFolder((s) => s.folder);
  const itemsMap = useFolder((s) => s.items);
  const loadState = useFolder((s) => s.loadState);
  const loadError = useFolder((s) => s.loadError);
  const problems = useFolder((s) => s.problems);
  const failures = useFolder((s) => s.failures);
  const scanError = useFolder((s) => s.scanError);
  const scanJobId = useFolder((s) => s.scanJobId);
  const predictJobId = useFolder((s) => s.predictJobId);
  const relabelJobIds = useFolder((s) => s.relabelJobIds);
  const watchId = useFolder((s) => s.filters.watchId);
  const setFilters = useFolder((s) => s.setFilters);
  const visible = useFolder((s) => s.visible());
  const current = useFolder((s) => s.current);
  const open = useFolder((s) => s.open);
  const close = useFolder((s) => s.close);
  const predict = useFolder((s) => s.predict);
  const scanJob = useApp((s) => (scanJobId ? s.jobs[scanJobId] : undefined));
  const predictJob = useApp((s) => (predictJobId ? s.jobs[predictJobId] : undefined)) as
    JobSnapshot<'predict-keypoints'> | undefined;

  const [tab, setTab] = useState<Tab>('review');
  const [importing, setImporting] = useState(false);

  const items = useMemo(() => Object.values(itemsMap), [itemsMap]);
  // Images that could not be decoded (the scan's failed items, a header at scan time or pixels
  // for a thumbnail or preview later): counted apart, not offered to Predict.
  const unreadable = useMemo(
    () => new Set(failures.map((f) => `${folder.path}/${f.key}`.replace(/\\/g, '/'))),
    [failures, folder.path],
  );
  const counts = useMemo(() => reviewCounts(items, unreadable), [items, unreadable]);
  const predicting = predictJob && ['queued', 'running', 'paused'].includes(predictJob.status);
  const onOpen = useCallback((key: string) => open(key), [open]);

  return (
    <div className="page folder-page" data-testid="folder-view">
      <div className="page-header">
        <div>
          <h1>{folder.name}</h1>
          <div className="subtitle mono">{folder.path}</div>
        </div>
        <div className="actions">
          <button
            className="btn primary"
            onClick={() => void predict()}
            disabled={!!predicting || loadState !== 'ready' || counts.unlabelled === 0}
            title={
              counts.unlabelled === 0
                ? 'Every image has a human label or a prediction'
                : `Predict keypoints for the ${counts.unlabelled} images without a label or prediction`
            }
            data-testid="predict"
          >
            Predict {counts.unlabelled > 0 ? `${counts.unlabelled} image${counts.unlabelled === 1 ? '' : 's'}` : ''}
          </button>
          <button className="btn" onClick={() => setImporting((v) => !v)} data-testid="ls-import-open">
            Import from Label Studio
          </button>
          <button className="btn" onClick={onRescan} disabled={scanJob?.status === 'running'}>
            <RefreshIcon size={14} /> Rescan
          </button>
          <button className="btn" onClick={onClose}>
            Open Another Folder
          </button>
        </div>
      </div>

      {scanJob && scanJob.status !== 'completed' && (
        <JobStrip job={scanJob} label="Reading images" unit="img" testId="scan-progress" />
      )}
      {predictJob && predictJob.status !== 'completed' && predictJob.status !== 'cancelled' && (
        <JobStrip job={predictJob} label="Predicting keypoints" unit="img" testId="predict-progress" />
      )}
      {relabelJobIds.map((id) => (
        <RelabelStrip key={id} jobId={id} />
      ))}
      {(loadError || scanError) && <div className="card empty danger-text">{loadError ?? scanError}</div>}
      {importing && <LabelStudioImport onClose={() => setImporting(false)} />}
      <NamingBanner />

      <div className="stats">
        <Stat value={counts.images} label="images" testId="image-count" />
        <Stat value={counts.humanLabelled} label="human-labelled" testId="human-count" />
        <Stat value={counts.predicted} label="predicted, to review" testId="predicted-count" />
        <Stat value={counts.unlabelled} label="unlabelled" testId="unlabelled-count" />
        <Stat value={counts.rejected} label="rejected" testId="rejected-count" />
        {counts.unreadable > 0 && (
          <div
            className="card stat danger-stat"
            title="These files could not be decoded (their header by the scan, or their pixels for a thumbnail or preview); see Problems"
          >
            <div className="value" data-testid="unreadable-count">
              {counts.unreadable}
            </div>
            <div className="label">
              unreadable ·{' '}
              <button className="link" onClick={onRescan} disabled={scanJob?.status === 'running'}>
                retry
              </button>
            </div>
          </div>
        )}
        <Stat value={counts.byWatch.length} label="watch IDs" />
      </div>
      <LabelFoldersCard />

      <div className="tabs" role="tablist">
        <button role="tab" aria-selected={tab === 'review'} className="tab" onClick={() => setTab('review')}>
          Review
        </button>
        <button role="tab" aria-selected={tab === 'corrections'} className="tab" onClick={() => setTab('corrections')}>
          Corrections
        </button>
      </div>

      {tab === 'corrections' ? (
        <CorrectionsView items={items} />
      ) : (
        <div className="folder-layout">
          <div className="card side">
            <table className="grid" aria-label="Watch IDs">
              <thead>
                <tr>
                  <th>Watch ID</th>
                  <th title="Human-labelled">Lab.</th>
                  <th title="Predicted, to review">Pred.</th>
                  <th>Images</th>
                </tr>
              </thead>
              <tbody>
                <tr
                  className="clickable"
                  aria-selected={watchId === null}
                  onClick={() => setFilters({ watchId: null })}
                >
                  <td>All</td>
                  <td>{counts.humanLabelled}</td>
                  <td>{counts.predicted}</td>
                  <td>{counts.images}</td>
                </tr>
                {counts.byWatch.map((g) => (
                  <tr
                    key={g.watchId}
                    className="clickable"
                    aria-selected={watchId === g.watchId}
                    onClick={() => setFilters({ watchId: watchId === g.watchId ? null : g.watchId })}
                    title={`${g.watchId}: ${g.templateModel ? `template model ${g.templateModel}` : 'grouped by folder'}`}
                  >
                    <td className="mono">{g.watchId}</td>
                    <td>{g.humanLabelled}</td>
                    <td>{g.predicted}</td>
                    <td>{g.images}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {(failures.length > 0 || problems.length > 0) && (
              <div className="failures">
                <div className="section-title">Problems</div>
                <ul>
                  {problems.slice(0, 50).map((p, i) => (
                    <li key={`p${i}`} className={p.severity === 'error' ? 'danger-text' : ''}>
                      <span className="mono">{p.file.split(/[\\/]/).pop()}</span>
                      {p.key ? ` ${p.key}` : ''}: {p.message}
                    </li>
                  ))}
                  {failures.slice(0, 50).map((f) => (
                    <li key={f.key} title={f.error?.message}>
                      <span className="mono">{f.key}</span>: {f.error?.message}
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </div>
          <div className="review-main">
            <FilterBar counts={counts} shown={visible.length} />
            {loadState === 'loading' ? (
              <div className="card empty">Reading labels…</div>
            ) : visible.length === 0 ? (
              <div className="card empty">
                {items.length ? 'No image matches the filters.' : 'No images in this folder.'}
              </div>
            ) : (
              <ReviewGrid items={visible} onOpen={onOpen} />
            )}
          </div>
        </div>
      )}
      {current !== null && (
        <div className="editor-layer">
          <Editor onClose={close} />
        </div>
      )}
    </div>
  );
}

function Stat({ value, label, testId }: { value: number; label: string; testId?: string }) {
  return (
    <div className="card stat">
      <div className="value" data-testid={testId}>
        {value}
      </div>
      <div className="label">{label}</div>
    </div>
  );
}

/** A re-predict after a review, while it goes (once finished, the grid's marks say what it did). */
function RelabelStrip({ jobId }: { jobId: string }) {
  const job = useApp((s) => s.jobs[jobId]);
  if (!job || !['queued', 'running', 'paused', 'interrupted'].includes(job.status)) return null;
  return <JobStrip job={job} label={job.title} unit="img" testId="relabel-progress" />;
}

function JobStrip({ job, label, unit, testId }: { job: JobSnapshot; label: string; unit: string; testId: string }) {
  const act = useApp((s) => s.jobAction);
  const tiers = job.kind === 'predict-keypoints' ? (['full', 'pipeline-fallback', 'geometric-fallback'] as const) : [];
  return (
    <div className="card stat job-strip" data-testid={testId} data-status={job.status}>
      <div className="row">
        <strong>{label}</strong>
        <span className="dim">
          {job.done}
          {job.total !== null ? ` / ${job.total}` : ''}
          {job.status === 'running' && (
            <>
              {' '}
              · {formatRate(job.rate, unit)} · ETA {formatDuration(job.etaSec)}
            </>
          )}
        </span>
        {tiers.map((t) => (
          <span key={t} className={`tier-chip ${TIER_STYLE[t].className}`}>
            {TIER_STYLE[t].short} {job.tags[t] ?? 0}
          </span>
        ))}
        {job.counts.failed > 0 && <span className="danger-text">failed {job.counts.failed}</span>}
        <span className="grow" />
        <span className="badge">{job.status}</span>
        {(job.status === 'running' || job.status === 'queued') && (
          <button className="btn small" onClick={() => void act(job.id, 'pause')}>
            Pause
          </button>
        )}
        {(job.status === 'paused' || job.status === 'interrupted' || job.status === 'failed') && (
          <button
            className="btn small primary"
            onClick={() => void act(job.id, 'resume')}
            data-testid={`${testId}-resume`}
          >
            Resume
          </button>
        )}
        {job.status !== 'failed' && (
          <button className="btn small" onClick={() => void act(job.id, 'cancel')}>
            Cancel
          </button>
        )}
      </div>
      <ProgressBar done={job.done} total={job.total} status={job.status} />
      {job.error && job.status !== 'running' && <div className="dim small">{job.error.message}</div>}
    </div>
  );
}
