import { useState } from 'react';
import { useApi } from '../lib/api';
import { useApp } from '../store/app-store';

export interface FolderToGrant {
  path: string;
  /** What is read from it ("the frames", "the image"). */
  what: string;
}

/**
 * Asks the user to open folders a feature needs but that were never opened: a path read from a
 * file (a comparison's batch_summary.json) or typed for one verb grants nothing by itself. Each
 * button grants its folder (`folders.grant`, the user's act); `onGranted` then retries.
 */
export function GrantPrompt({
  folders,
  intro,
  onGranted,
  testId = 'grant-prompt',
}: {
  folders: readonly FolderToGrant[];
  intro: string;
  onGranted: (path: string) => void;
  testId?: string;
}) {
  const api = useApi();
  const notify = useApp((s) => s.notify);
  const [busy, setBusy] = useState<string | null>(null);
  if (folders.length === 0) return null;
  const open = async (path: string): Promise<void> => {
    setBusy(path);
    const r = await api.folders.grant(path);
    setBusy(null);
    if (!r.ok) notify('error', r.error.message);
    else onGranted(path);
  };
  return (
    <div className="grant-prompt" role="alert" data-testid={testId}>
      <div>{intro}</div>
      {folders.map((f) => (
        <div className="list-row" key={`${f.what}:${f.path}`}>
          <span className="dim">{f.what}</span>
          <span className="mono grow" title={f.path}>
            {f.path}
          </span>
          <button
            className="btn small"
            disabled={busy !== null}
            onClick={() => void open(f.path)}
            data-testid="grant-folder"
          >
            {busy === f.path ? 'Opening…' : 'Open this folder'}
          </button>
        </div>
      ))}
    </div>
  );
}
