import { useMemo, useState } from 'react';
import { correctionsByTier, type MoveStats } from '../../../core/keypoints/corrections';
import type { ReviewItem } from '../../../core/keypoints/review-list';
import { KEYPOINT_NAMES } from '../../../shared/labels';
import type { ExportRequest } from '../../../shared/review';
import { useApi } from '../../lib/api';
import { useApp } from '../../store/app-store';
import { useFolder } from '../../store/folder';
import { POINT_STYLE, TIER_STYLE } from './points';

/**
 * What reviewers changed: how far each keypoint moved from its prediction, by the prediction's
 * tier; and the export of reviewed (by default only corrected) images for retraining.
 */
export function CorrectionsView({ items }: { items: readonly ReviewItem[] }) {
  const rows = useMemo(() => correctionsByTier(items), [items]);
  const reviewed = rows.reduce((a, r) => a + r.reviewed, 0);
  return (
    <div className="corrections" data-testid="corrections">
      {reviewed === 0 ? (
        <div className="card empty">
          Nothing reviewed yet. Accept or correct predictions in the editor (Enter saves); how far you moved each point
          shows here by tier.
        </div>
      ) : (
        <div className="card">
          <table className="grid corrections-table" aria-label="Corrections by tier">
            <thead>
              <tr>
                <th>Tier</th>
                <th>Reviewed</th>
                <th>Corrected</th>
                {KEYPOINT_NAMES.map((n) => (
                  <th key={n} title={`${POINT_STYLE[n].title}: mean move in pixels (median / max), % of the dial`}>
                    <span className="swatch" style={{ background: POINT_STYLE[n].color }} /> {POINT_STYLE[n].label}
                  </th>
                ))}
                <th>All points</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.tier} data-tier={r.tier}>
                  <td>
                    <span className={`tier-chip ${TIER_STYLE[r.tier].className}`}>{TIER_STYLE[r.tier].label}</span>
                  </td>
                  <td>{r.reviewed}</td>
                  <td>
                    {r.corrected}
                    {r.reviewed > 0 && <span className="dim"> ({Math.round((100 * r.corrected) / r.reviewed)}%)</span>}
                  </td>
                  {KEYPOINT_NAMES.map((n) => (
                    <td key={n}>
                      <Move s={r.byPoint[n]} />
                    </td>
                  ))}
                  <td>
                    <Move s={r.all} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="dim small">
            Mean distance a reviewer moved each point, in image pixels (median / max beneath), and as a percentage of
            the dial’s diameter. Accepted images count as zero moves.
          </p>
        </div>
      )}
      <ExportPanel />
    </div>
  );
}

function Move({ s }: { s: MoveStats }) {
  if (s.n === 0) return <span className="faint">—</span>;
  return (
    <span className="move" title={`${s.n} points`}>
      <span className="mono">{s.meanPx.toFixed(1)} px</span> <span className="dim">{s.meanPct.toFixed(2)}%</span>
      <br />
      <span className="faint mono">
        {s.medianPx.toFixed(1)} / {s.maxPx.toFixed(1)}
      </span>
    </span>
  );
}

function ExportPanel() {
  const api = useApi();
  const notify = useApp((s) => s.notify);
  const folder = useFolder((s) => s.folder);
  const [format, setFormat] = useState<ExportRequest['format']>('coco');
  const [onlyCorrected, setOnlyCorrected] = useState(true);
  const parent = folder.path.replace(/[\\/][^\\/]+[\\/]?$/, '');
  const sep = folder.path.includes('\\') && !folder.path.includes('/') ? '\\' : '/';
  const defaultOut = (f: ExportRequest['format']): string =>
    `${parent}${sep}loupe-export${sep}${folder.name}-${onlyCorrected ? 'corrected' : 'reviewed'}${f === 'coco' ? '.coco.json' : '-yolo-pose'}`;
  const [out, setOut] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  // The path that is already there: an export replaces nothing unless the user says so here.
  const [exists, setExists] = useState<string | null>(null);
  const target = out ?? defaultOut(format);

  const run = async (overwrite = false): Promise<void> => {
    setBusy(true);
    setDone(null);
    setExists(null);
    const r = await api.keypoints.export(folder.path, {
      format,
      onlyCorrected,
      out: target,
      ...(overwrite ? { overwrite: true } : {}),
    });
    setBusy(false);
    if (!r.ok && r.error.code === 'ALREADY_EXISTS') setExists(target);
    else if (!r.ok) notify('error', r.error.message);
    else {
      const { images, out: where, skipped, split } = r.value;
      const splitText = split
        ? ` (train ${split.train.images} of ${split.train.watches} watches, val ${split.val.images} of ${split.val.watches})`
        : '';
      const skippedText = skipped.length
        ? `; ${skipped.length} left out: ${skipped
            .slice(0, 3)
            .map((s) => `${s.imageKey} (${s.reason})`)
            .join(', ')}${skipped.length > 3 ? ', …' : ''}`
        : '';
      setDone(`Exported ${images} image${images === 1 ? '' : 's'}${splitText} to ${where}${skippedText}`);
    }
  };

  return (
    <div className="card export-panel">
      <div className="card-title">Export for retraining</div>
      <div className="form-row">
        <label>
          Format
          <select
            className="input"
            value={format}
            onChange={(e) => setFormat(e.target.value as ExportRequest['format'])}
          >
            <option value="coco">COCO keypoints (one .json)</option>
            <option value="yolo-pose">YOLO-pose (images/ and labels/ split by watch, dataset.yaml)</option>
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={onlyCorrected} onChange={(e) => setOnlyCorrected(e.target.checked)} />
          Only corrected images
        </label>
      </div>
      <div className="form-row">
        <input
          className="input grow mono"
          aria-label="Export to"
          value={target}
          onChange={(e) => setOut(e.target.value)}
          spellCheck={false}
        />
        {api.host.capabilities.nativeDialogs && (
          <button
            className="btn"
            onClick={() =>
              void api.folders.choose({ title: 'Export into this folder' }).then((r) => {
                if (r.ok && r.value) {
                  const name = defaultOut(format).split(sep).pop() ?? 'export';
                  setOut(`${r.value}${sep}${name}`);
                }
              })
            }
          >
            Choose…
          </button>
        )}
        <button className="btn primary" onClick={() => void run()} disabled={busy || !target.trim()}>
          Export
        </button>
      </div>
      {exists && (
        <div className="list-row" role="alert" data-testid="export-exists">
          <span className="grow">
            <span className="mono">{exists}</span> already exists. Replace it?
          </span>
          <button className="btn small danger" onClick={() => void run(true)} disabled={busy}>
            Replace
          </button>
          <button className="btn small" onClick={() => setExists(null)}>
            Cancel
          </button>
        </div>
      )}
      {done && (
        <div className="ok-text" data-testid="export-done">
          {done}
        </div>
      )}
    </div>
  );
}
