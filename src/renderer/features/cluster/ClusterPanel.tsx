import { useEffect } from 'react';
import { useStore } from 'zustand';
import type { JobStatus } from '../../../shared/jobs';
import type { ClusterStatus, ShardManifestStatus, ShardRunState } from '../../../shared/shard';
import { formatAge, shardsLeft } from '../../../core/shard/status';
import { ProgressBar } from '../../components/ProgressBar';
import type { ClusterWatchStore } from './cluster-store';

const BAR: Record<ShardRunState, JobStatus> = { running: 'running', done: 'completed', failed: 'failed' };
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * A cluster run that is writing an output folder, read only: one row per shard manifest
 * (`.loupe-shards/`), the missing shards, the overall progress and whether the run is merged.
 * It polls while the run is live (the store) and stops when this view goes.
 */
export function ClusterPanel({
  store,
  onOpen,
  onClose,
  openLabel,
  onOpenAnyway,
}: {
  store: ClusterWatchStore;
  /** Open the merged folder in the normal view. */
  onOpen: () => void;
  onClose: () => void;
  openLabel: string;
  /**
   * The folder can be shown as it is before the run is merged (a batch_summary.json of an earlier
   * run is there): the view offers to, saying whose summary it is.
   */
  onOpenAnyway?: () => void;
}) {
  const s = useStore(store);
  useEffect(() => {
    void store.getState().refresh();
    return () => store.getState().stop();
  }, [store]);
  const st = s.status;
  return (
    <div className="card cluster-panel" data-testid="cluster-panel">
      <div className="row cluster-head">
        <div className="card-title">Cluster run</div>
        <span className="mono dim small cluster-dir" title={s.outputDir}>
          {s.outputDir}
        </span>
        <span className="spacer" />
        {s.polling && <span className="dim small">live · every 2 s</span>}
        <button className="btn small" onClick={() => void s.refresh()} data-testid="cluster-refresh">
          Refresh
        </button>
        <button className="btn small" onClick={onClose} data-testid="cluster-close">
          Close
        </button>
      </div>
      {s.error && <div className="cluster-note error">{s.error.message}</div>}
      {st && <ClusterState status={st} onOpen={onOpen} openLabel={openLabel} />}
      {st && st.phase !== 'merged' && onOpenAnyway && (
        <div className="row small">
          <span className="dim">
            This folder also holds a batch_summary.json that is not this run&apos;s merge (an earlier run&apos;s).
          </span>
          <button className="btn small" onClick={onOpenAnyway} data-testid="cluster-open-anyway">
            Open it anyway
          </button>
        </div>
      )}
      {st && st.count !== null && (
        <div className="cluster-overall">
          <ProgressBar done={st.done} total={st.total || null} status={overallBar(st)} />
          <span className="small" data-testid="cluster-overall">
            {st.done}/{st.total} done{st.failed ? `, ${st.failed} failed` : ''} · {plural(st.count, 'shard')}
            {st.kind ? ` (${st.kind})` : ''}
            {st.missing.length > 0 ? ' · items of the shards that wrote a manifest' : ''}
          </span>
        </div>
      )}
      {st && st.stale > 0 && (
        <div className="cluster-note warn" data-testid="cluster-stale">
          {plural(st.stale, 'running shard')} wrote nothing for over {formatAge(st.staleAfterMs).replace(' ago', '')}:
          the process is likely dead (killed, node lost), or its node&apos;s clock differs from this one. A retry with
          the same <span className="mono">--shard</span> resumes it.
        </div>
      )}
      {st && st.missing.length > 0 && (
        <div className="small" data-testid="cluster-missing">
          No manifest yet for shard{st.missing.length === 1 ? '' : 's'} {st.missing.join(', ')} (not started, or started
          on storage this machine does not see).
        </div>
      )}
      {st && st.manifests.length > 0 && (
        <div className="cluster-table-wrap">
          <table className="cluster-table">
            <thead>
              <tr>
                <th>Shard</th>
                <th>State</th>
                <th>Host · pid</th>
                <th className="cluster-progress">Progress</th>
                <th>Failed</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {st.manifests.map((m) => (
                <ShardRow key={m.file} m={m} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function overallBar(st: ClusterStatus): JobStatus {
  if (st.phase === 'merged' || st.phase === 'unmerged') return 'completed';
  return st.phase === 'failed' ? 'failed' : 'running';
}

function ClusterState({
  status: st,
  onOpen,
  openLabel,
}: {
  status: ClusterStatus;
  onOpen: () => void;
  openLabel: string;
}) {
  const left = shardsLeft(st);
  if (st.phase === 'none')
    return (
      <div className="small" data-testid="cluster-state">
        No shard manifests in {st.shardsDir}.
      </div>
    );
  if (st.phase === 'merged') {
    return (
      <div className="row cluster-state merged" data-testid="cluster-state">
        <span className="badge ok">merged</span>
        <span className="small">Every shard is done and merged.</span>
        <button className="btn primary small" onClick={onOpen} data-testid="cluster-open">
          {openLabel}
        </button>
      </div>
    );
  }
  if (st.phase === 'unmerged') {
    return (
      <div className="row cluster-state" data-testid="cluster-state">
        <span className="badge warn">not merged yet</span>
        <span className="small">
          Every shard is done. Run <span className="mono">loupe merge --output-dir {st.outputDir}</span>
        </span>
      </div>
    );
  }
  if (st.phase === 'failed') {
    return (
      <div className="row cluster-state" data-testid="cluster-state">
        <span className="badge danger">{plural(left, 'shard')} not done</span>
        <span className="small">
          None is running. Run the failed or unreadable ones again (same <span className="mono">--shard</span>) to
          resume them; the last to finish merges.
        </span>
      </div>
    );
  }
  return (
    <div className="row cluster-state" data-testid="cluster-state">
      <span className="badge">running</span>
      <span className="small">waiting for {plural(left, 'shard')}</span>
    </div>
  );
}

function ShardRow({ m }: { m: ShardManifestStatus }) {
  if (!m.ok) {
    return (
      <tr className="cluster-row bad" data-testid={`shard-row-${m.index}`}>
        <td className="mono">{m.index}</td>
        <td colSpan={5} className="small">
          <span className="badge danger">unreadable</span> {m.error.message}
        </td>
      </tr>
    );
  }
  const sh = m.shard;
  return (
    <tr className={`cluster-row ${sh.state}`} data-testid={`shard-row-${m.index}`} data-state={sh.state}>
      <td className="mono">{sh.index}</td>
      <td>
        <span className={`badge ${sh.state === 'done' ? 'ok' : sh.state === 'failed' ? 'danger' : ''}`}>
          {sh.state}
        </span>
        {sh.stale && (
          <span className="badge warn" title="no write for a long time: likely dead, or its clock differs">
            stale
          </span>
        )}
        {sh.error && <div className="small dim">{sh.error.message}</div>}
      </td>
      <td className="mono small">
        {sh.host} · {sh.pid}
      </td>
      <td>
        <div className="cluster-progress">
          <ProgressBar done={sh.done} total={sh.total || null} status={BAR[sh.state]} />
          <span className="small mono">
            {sh.done}/{sh.total}
          </span>
        </div>
      </td>
      <td className="mono">{sh.failed}</td>
      <td className="small" title={sh.updatedAt}>
        {formatAge(sh.ageMs)}
      </td>
    </tr>
  );
}
