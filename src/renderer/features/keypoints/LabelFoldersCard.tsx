import { useEffect, useState } from 'react';
import type { FolderLabelDirs, LabelDirChoice, LabelDirInfo } from '../../../shared/review';
import { FolderBrowserDialog } from '../../components/FolderBrowser';
import { useApi } from '../../lib/api';
import { useFolder } from '../../store/folder';

type Kind = keyof LabelDirChoice;

const KIND_LABEL: Record<Kind, string> = { human: 'Human labels', predicted: 'Predictions' };

const SOURCE_LABEL: Record<LabelDirInfo['source'], string> = {
  chosen: 'chosen for this folder',
  inside: 'inside the folder',
  beside: 'beside the folder',
};

const parentOf = (path: string): string => path.replace(/[\\/][^\\/]*[\\/]?$/, '') || path;

/**
 * The label folders this images folder reads and writes, with full paths and where each came
 * from (chosen, or found inside or beside it), a warning when other folders of images use them
 * too, and a folder browser to choose others (remembered for this folder; load, reviews and
 * Predict then use them).
 */
export function LabelFoldersCard() {
  const api = useApi();
  const folder = useFolder((s) => s.folder);
  const labelsDir = useFolder((s) => s.labelsDir);
  const predictedDir = useFolder((s) => s.predictedDir);
  const reload = useFolder((s) => s.reload);
  const [info, setInfo] = useState<FolderLabelDirs | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [choosing, setChoosing] = useState<Kind | null>(null);
  const [busy, setBusy] = useState(false);

  // Asked again whenever the folder is read (a choice made elsewhere, a folder made by a write).
  useEffect(() => {
    let live = true;
    void api.keypoints.labelDirs(folder.path).then((r) => {
      if (!live) return;
      if (r.ok) setInfo(r.value);
      setError(r.ok ? null : r.error.message);
    });
    return () => {
      live = false;
    };
  }, [api, folder.path, labelsDir, predictedDir]);

  const choose = async (choice: LabelDirChoice): Promise<void> => {
    setBusy(true);
    const r = await api.keypoints.chooseLabelDirs(folder.path, choice);
    setBusy(false);
    if (!r.ok) {
      setError(r.error.message);
      return;
    }
    setInfo(r.value);
    setError(null);
    await reload();
  };
  const current = (kind: Kind): string | null => (info && info[kind].source === 'chosen' ? info[kind].path : null);
  const anyChosen = info !== null && (info.human.source === 'chosen' || info.predicted.source === 'chosen');

  return (
    <div className="card label-folders" data-testid="label-folders">
      <div className="label-folders-head">
        <span className="section-title">Label folders</span>
        <span className="grow" />
        {anyChosen && (
          <button
            className="btn small"
            disabled={busy}
            onClick={() => void choose({ human: null, predicted: null })}
            title="Find the label folders by the rule again: inside this folder, else beside it"
          >
            Use the default folders
          </button>
        )}
      </div>
      {(['human', 'predicted'] as const).map((kind) => {
        const dir = info?.[kind];
        return (
          <div className="label-folder-row" key={kind} data-testid={`label-folder-${kind}`}>
            <span className="label-folder-kind">{KIND_LABEL[kind]}</span>
            <span className="mono label-folder-path" data-testid={`label-folder-${kind}-path`}>
              {dir?.path ?? '…'}
            </span>
            <span className="label-folder-badges">
              {dir && (
                <span className={`badge${dir.source === 'chosen' ? ' accent' : ''}`}>{SOURCE_LABEL[dir.source]}</span>
              )}
              {dir && !dir.found && dir.source !== 'chosen' && (
                <span className="badge" title="It is made by the first write">
                  not made yet
                </span>
              )}
              {dir && !dir.found && dir.source === 'chosen' && (
                <span className="badge danger" title="The chosen folder is gone (moved, or its drive unplugged)">
                  not found
                </span>
              )}
            </span>
            <button
              className="btn small"
              disabled={busy || !info}
              onClick={() => setChoosing(kind)}
              data-testid={`choose-${kind}-folder`}
            >
              Choose…
            </button>
          </div>
        );
      })}
      {info && info.sharedWith.length > 0 && (
        <div className="label-folders-warning" role="note" data-testid="label-folders-shared">
          <strong>
            Shared with {info.sharedWith.length === 1 ? 'another folder' : `${info.sharedWith.length} other folders`} of
            images:
          </strong>{' '}
          {info.sharedWith.map((s, i) => (
            <span key={s.path}>
              {i > 0 ? '; ' : ''}
              <span className="mono">{s.path}</span> ({s.shares.map((k) => KIND_LABEL[k].toLowerCase()).join(' and ')})
            </span>
          ))}
          . Labels of the same watch ID from both go into one file. Choose other folders to keep this folder&apos;s
          labels apart.
        </div>
      )}
      {error && (
        <div className="danger-text small" role="alert">
          {error}
        </div>
      )}
      {choosing && info && (
        <FolderBrowserDialog
          title={`Choose the ${KIND_LABEL[choosing].toLowerCase()} folder for ${folder.name}`}
          start={info[choosing].found ? info[choosing].path : parentOf(info[choosing].path)}
          files={false}
          onChoose={(path) =>
            void choose({ human: current('human'), predicted: current('predicted'), [choosing]: path })
          }
          onClose={() => setChoosing(null)}
        />
      )}
    </div>
  );
}
