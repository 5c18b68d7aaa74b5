import { useCallback, useEffect, useState } from 'react';
import type { DirListing } from '../../shared/ipc';
import type { Result } from '../../shared/result';
import { useApi } from '../lib/api';
import { useApp } from '../store/app-store';
import { FolderIcon, ImageIcon, UpIcon } from './icons';

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
  const [path, setPath] = useState('');
  const [listing, setListing] = useState<DirListing | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const { nativeDialogs, droppedFilePaths } = api.host.capabilities;

  const show = useCallback((result: Result<DirListing>, initial = false) => {
    if (!result.ok) {
      setListError(result.error.message);
      return;
    }
    setListError(null);
    setListing(result.value);
    // The first listing arrives late: it must not replace a path the user already typed.
    setPath((typed) => (initial && typed ? typed : result.value.path));
  }, []);
  const browse = async (target: string | null): Promise<void> => show(await api.folders.list(target));

  // Start in the home folder (the host's, which in a browser may be another machine's).
  useEffect(() => {
    let live = true;
    void api.folders.list(null).then((result) => {
      if (live) show(result, true);
    });
    return () => {
      live = false;
    };
  }, [api, show]);

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

  const images = listing?.entries.filter((e) => e.image).length ?? 0;

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
        <form
          className="path-row"
          onSubmit={(e) => {
            e.preventDefault();
            if (path.trim()) onOpen(path.trim());
          }}
        >
          <input
            className="input mono"
            aria-label="Folder path"
            placeholder="/path/to/photos"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            spellCheck={false}
          />
          <button className="btn" type="button" onClick={() => void browse(path)}>
            Go
          </button>
          <button className="btn primary" type="submit" disabled={!path.trim()}>
            Open
          </button>
        </form>
        {listing && listing.places.length > 0 && (
          <div className="places">
            {listing.places.map((p) => (
              <button key={p.path} className="chip" onClick={() => void browse(p.path)} title={p.path}>
                {p.label}
              </button>
            ))}
          </div>
        )}
        <div className="entries" role="list" aria-label="Folder contents">
          {listError && <div className="empty">{listError}</div>}
          {listing?.parent && (
            <button className="entry dir" onClick={() => void browse(listing.parent)}>
              <UpIcon size={14} /> ..
            </button>
          )}
          {listing?.entries.map((e) =>
            e.kind === 'dir' ? (
              <button key={e.path} className="entry dir" role="listitem" onClick={() => void browse(e.path)}>
                <FolderIcon size={14} /> {e.name}
              </button>
            ) : (
              <div key={e.path} className="entry file" role="listitem">
                <ImageIcon size={14} /> {e.name}
              </div>
            ),
          )}
          {listing && listing.entries.length === 0 && <div className="empty">Empty folder</div>}
        </div>
        <footer>
          <span>
            {images} image{images === 1 ? '' : 's'} here
            {listing?.truncated ? ` (+${listing.truncated} entries not shown)` : ''}
          </span>
          <span className="spacer" />
          {listing && (
            <button className="btn primary" onClick={() => onOpen(listing.path)}>
              Open This Folder
            </button>
          )}
        </footer>
      </div>
    </div>
  );
}
