import { useState } from 'react';
import { useApi } from '../lib/api';
import { useApp } from '../store/app-store';
import { FolderBrowser, useFolderBrowsing } from './FolderBrowser';
import { FolderIcon } from './icons';

const NO_FOLDERS: readonly string[] = [];

/**
 * Every way to choose a folder: drop it on the window (desktop), the native dialog (desktop), or
 * type a path / browse the host's folders (both hosts; the only way in a browser).
 */
export function FolderPicker({ onOpen, title }: { onOpen: (path: string) => void; title: string }) {
  const api = useApi();
  const notify = useApp((s) => s.notify);
  const recent = useApp((s) => s.settings?.recentFolders ?? NO_FOLDERS);
  const [over, setOver] = useState(false);
  // Start in the home folder (the host's, which in a browser may be another machine's).
  const browsing = useFolderBrowsing('');
  const { nativeDialogs, droppedFilePaths } = api.host.capabilities;

  const choose = async (): Promise<void> => {
    const result = await api.folders.choose({ title });
    if (!result.ok) notify('error', result.error.message);
    else if (result.value) onOpen(result.value);
  };

  const onDrop = (e: React.DragEvent): void => {
    e.preventDefault();
    setOver(false);
    const file = e.dataTransfer.files[0];
    if (!file) return;
    const dropped = api.files.pathForFile(file);
    if (dropped) onOpen(dropped);
    else
      notify('info', 'The browser does not reveal where a dropped folder lives. Type its path or browse on the right.');
  };

  return (
    <div className="picker">
      <div
        className={`dropzone${over ? ' over' : ''}`}
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <FolderIcon size={36} />
        <h2>{title}</h2>
        <div>
          {droppedFilePaths
            ? 'Drop a folder here, or choose one.'
            : 'Type or browse to a folder on the machine running Loupe.'}
        </div>
        {nativeDialogs && (
          <button className="btn primary" onClick={() => void choose()}>
            Choose Folder…
          </button>
        )}
        {recent.length > 0 && (
          <div className="recent">
            <h3>Recent</h3>
            {recent.slice(0, 6).map((r) => (
              <button key={r} className="entry dir" onClick={() => onOpen(r)} title={r}>
                <FolderIcon size={14} />
                <span className="mono">{r}</span>
              </button>
            ))}
          </div>
        )}
      </div>
      <div className="card browser">
        <FolderBrowser
          browsing={browsing}
          placeholder="/path/to/photos"
          submit={{ label: 'Open', onPath: onOpen }}
          action={{ label: 'Open This Folder', onFolder: onOpen }}
        />
      </div>
    </div>
  );
}
