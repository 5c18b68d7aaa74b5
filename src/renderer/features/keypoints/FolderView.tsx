import { useCallback, useMemo, useState } from 'react';
import type { ScanImageData } from '../../../shared/jobs';
import { formatDuration, formatRate } from '../../../core/format';
import { ProgressBar } from '../../components/ProgressBar';
import { RefreshIcon } from '../../components/icons';
import { useApp } from '../../store/app-store';
import { useFolder } from '../../store/folder-store';
import { ImagePreview } from './ImagePreview';
import { ThumbnailGrid } from './ThumbnailGrid';

export function FolderView({ onClose, onRescan }: { onClose: () => void; onRescan: () => void }) {
  const folder = useFolder((s) => s.folder);
  const images = useFolder((s) => s.images);
  const groups = useFolder((s) => s.groups);
  const failures = useFolder((s) => s.failures);
  const error = useFolder((s) => s.error);
  const scanJobId = useFolder((s) => s.scanJobId);
  const job = useApp((s) => (scanJobId ? s.jobs[scanJobId] : undefined));
  const [watch, setWatch] = useState<string | null>(null);
  const [preview, setPreview] = useState<number | null>(null);

  const shown = useMemo(() => {
    const list = watch ? images.filter((i) => i.watchId === watch) : images;
    return [...list].sort((a, b) => a.relPath.localeCompare(b.relPath, undefined, { numeric: true }));
  }, [images, watch]);
  const unnamed = useMemo(() => images.filter((i) => !i.named).length, [images]);
  const step = useCallback(
    (delta: number) => setPreview((p) => (p === null ? p : Math.min(shown.length - 1, Math.max(0, p + delta)))),
    [shown.length],
  );
  const previewImage: ScanImageData | undefined = preview !== null ? shown[preview] : undefined;

  return (
    <div className="page" data-testid="folder-view">
      <div className="page-header">
        <div>
          <h1>{folder.name}</h1>
          <div className="subtitle mono">{folder.path}</div>
        </div>
        <div className="actions">
          <button className="btn" onClick={onRescan} disabled={job?.status === 'running'}>
            <RefreshIcon size={14} /> Rescan
          </button>
          <button className="btn" onClick={onClose}>
            Open Another Folder
          </button>
        </div>
      </div>

      {job && job.status !== 'completed' && (
        <div className="card stat scan-progress" data-testid="scan-progress">
          <div className="row">
            <strong>Reading images</strong>
            <span className="dim">
              {job.done}
              {job.total !== null ? ` / ${job.total}` : ''} · {formatRate(job.rate, 'img')} · ETA{' '}
              {formatDuration(job.etaSec)}
            </span>
            <span className="badge">{job.status}</span>
          </div>
          <ProgressBar done={job.done} total={job.total} status={job.status} />
        </div>
      )}
      {error && <div className="card empty danger-text">{error}</div>}

      <div className="stats">
        <div className="card stat">
          <div className="value" data-testid="image-count">
            {images.length}
          </div>
          <div className="label">images read</div>
        </div>
        <div className="card stat">
          <div className="value">{groups.length}</div>
          <div className="label">watch IDs</div>
        </div>
        <div className="card stat">
          <div className="value">{unnamed}</div>
          <div className="label">names off the pattern (grouped by folder)</div>
        </div>
        <div className="card stat">
          <div className={`value${failures.length ? ' danger-text' : ''}`}>{failures.length}</div>
          <div className="label">unreadable files</div>
        </div>
        <div className="card stat">
          <div className="labels">
            <span className={folder.labelDirs.human ? 'ok-text' : 'faint'} title={folder.labelDirs.human ?? undefined}>
              human labels: {folder.labelDirs.human ? 'found' : 'none'}
            </span>
            <span
              className={folder.labelDirs.predicted ? 'ok-text' : 'faint'}
              title={folder.labelDirs.predicted ?? undefined}
            >
              predictions: {folder.labelDirs.predicted ? 'found' : 'none'}
            </span>
          </div>
          <div className="label">label folders</div>
        </div>
      </div>

      <div className="folder-layout">
        <div className="card">
          <table className="grid" aria-label="Watch IDs">
            <thead>
              <tr>
                <th>Watch ID</th>
                <th>Model</th>
                <th>Images</th>
              </tr>
            </thead>
            <tbody>
              <tr className="clickable" aria-selected={watch === null} onClick={() => setWatch(null)}>
                <td>All</td>
                <td />
                <td>{images.length}</td>
              </tr>
              {groups.map((g) => (
                <tr
                  key={g.watchId}
                  className="clickable"
                  aria-selected={watch === g.watchId}
                  onClick={() => setWatch(watch === g.watchId ? null : g.watchId)}
                >
                  <td className="mono">{g.watchId}</td>
                  <td className="dim">{g.templateModel ?? (g.named ? '' : 'folder')}</td>
                  <td>{g.images}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {failures.length > 0 && (
            <div className="failures">
              <div className="section-title">Unreadable</div>
              <ul>
                {failures.slice(0, 50).map((f) => (
                  <li key={f.key} title={f.error?.message}>
                    <span className="mono">{f.key}</span>: {f.error?.message}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
        <div>
          {shown.length === 0 && !job?.total ? (
            <div className="card empty">{job?.status === 'completed' ? 'No images in this folder.' : 'Reading…'}</div>
          ) : (
            <ThumbnailGrid images={shown} onOpen={(img) => setPreview(shown.indexOf(img))} />
          )}
        </div>
      </div>
      {previewImage && <ImagePreview image={previewImage} onClose={() => setPreview(null)} onStep={step} />}
    </div>
  );
}
