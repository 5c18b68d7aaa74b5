import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { DirListing } from '../../shared/ipc';
import type { Result } from '../../shared/result';
import { useApi } from '../lib/api';
import { browseStarts } from '../lib/folder-path';
import { FolderIcon, ImageIcon, UpIcon } from './icons';

/** A folder browser's state: the folder listed, the path typed, and how to move. */
export interface FolderBrowsing {
  listing: DirListing | null;
  error: string | null;
  /** The path in the path box: the listed folder's, or what the user typed since. */
  path: string;
  setPath: (path: string) => void;
  /** List another folder (null: the host's home); an error keeps the last listing and says why. */
  browse: (target: string | null) => Promise<void>;
}

/**
 * Browse the host's folders through `folders.list` (the host's, which in a browser may be another
 * machine's). It starts at `start` when it is a folder, else at the nearest folder above it that
 * exists, else at home (browseStarts).
 */
export function useFolderBrowsing(start: string): FolderBrowsing {
  const api = useApi();
  const [listing, setListing] = useState<DirListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [path, setPath] = useState('');
  // The starting folder is asked once, when the browser opens.
  const [starts] = useState(() => browseStarts(start));

  const show = useCallback((result: Result<DirListing>, initial = false) => {
    if (!result.ok) {
      setError(result.error.message);
      return;
    }
    setError(null);
    setListing(result.value);
    // The first listing arrives late: it must not replace a path the user already typed.
    setPath((typed) => (initial && typed ? typed : result.value.path));
  }, []);

  useEffect(() => {
    let live = true;
    void (async () => {
      let last: Result<DirListing> | null = null;
      for (const target of starts) {
        last = await api.folders.list(target);
        if (!live) return;
        if (last.ok) break;
      }
      if (last) show(last, true);
    })();
    return () => {
      live = false;
    };
  }, [api, show, starts]);

  const browse = useCallback(
    async (target: string | null): Promise<void> => show(await api.folders.list(target)),
    [api, show],
  );
  return { listing, error, path, setPath, browse };
}

/**
 * The browser itself: a path box (Enter or Go lists it; `submit` adds a button that takes the
 * typed path as it is), the host's places, the folder's entries and a footer with the image count
 * and the `action` on the listed folder. Arrow keys move through the entries, Enter opens a
 * folder, Backspace goes up. Shared by the Keypoints folder picker and Compare's path fields.
 */
export function FolderBrowser({
  browsing,
  action,
  submit,
  files = true,
  pathLabel = 'Folder path',
  placeholder,
  autoFocus,
  footer,
}: {
  browsing: FolderBrowsing;
  /** What to do with the listed folder (the footer's primary button). */
  action: { label: string; onFolder: (path: string) => void; testId?: string };
  /** A submit button beside the path box, taking the typed path (else Enter lists it). */
  submit?: { label: string; onPath: (path: string) => void };
  /** Show image files and count them (a folder of frames or photos); else folders only. */
  files?: boolean;
  pathLabel?: string;
  placeholder?: string;
  autoFocus?: boolean;
  /** More buttons in the footer, before the action (e.g. Cancel). */
  footer?: ReactNode;
}) {
  const { listing, error, path, setPath, browse } = browsing;
  const entries = useRef<HTMLDivElement>(null);
  // A folder opened from the list by the keyboard keeps the focus in the list.
  const refocus = useRef(false);
  useEffect(() => {
    if (!refocus.current) return;
    refocus.current = false;
    entries.current?.querySelector<HTMLButtonElement>('button.entry')?.focus();
  }, [listing]);

  const open = (target: string | null, fromList: boolean): void => {
    refocus.current = fromList;
    void browse(target);
  };

  const onListKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    const buttons = [...(entries.current?.querySelectorAll<HTMLButtonElement>('button.entry') ?? [])];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const move = (i: number): void => {
      e.preventDefault();
      buttons[Math.max(0, Math.min(buttons.length - 1, i))]?.focus();
    };
    if (e.key === 'ArrowDown') move(at + 1);
    else if (e.key === 'ArrowUp') move(at - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(buttons.length - 1);
    else if (e.key === 'Backspace' && listing?.parent) {
      e.preventDefault();
      open(listing.parent, true);
    }
  };

  const shown = listing ? (files ? listing.entries : listing.entries.filter((x) => x.kind === 'dir')) : [];
  const images = listing?.entries.filter((x) => x.image).length ?? 0;

  return (
    <>
      <form
        className="path-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (submit) {
            if (path.trim()) submit.onPath(path.trim());
          } else if (path.trim()) open(path.trim(), false);
        }}
      >
        <input
          className="input mono"
          aria-label={pathLabel}
          placeholder={placeholder}
          value={path}
          onChange={(e) => setPath(e.target.value)}
          spellCheck={false}
          autoFocus={autoFocus}
        />
        <button
          className="btn"
          type={submit ? 'button' : 'submit'}
          onClick={submit ? () => open(path.trim() || null, false) : undefined}
        >
          Go
        </button>
        {submit && (
          <button className="btn primary" type="submit" disabled={!path.trim()}>
            {submit.label}
          </button>
        )}
      </form>
      {listing && listing.places.length > 0 && (
        <div className="places">
          {listing.places.map((p) => (
            <button key={p.path} type="button" className="chip" onClick={() => open(p.path, false)} title={p.path}>
              {p.label}
            </button>
          ))}
        </div>
      )}
      <div className="entries" role="list" aria-label="Folder contents" ref={entries} onKeyDown={onListKey}>
        {error && (
          <div className="empty" role="alert">
            {error}
          </div>
        )}
        {listing?.parent && (
          <button type="button" className="entry dir" onClick={() => open(listing.parent, true)}>
            <UpIcon size={14} /> ..
          </button>
        )}
        {shown.map((x) =>
          x.kind === 'dir' ? (
            <button key={x.path} type="button" className="entry dir" role="listitem" onClick={() => open(x.path, true)}>
              <FolderIcon size={14} /> {x.name}
            </button>
          ) : (
            <div key={x.path} className="entry file" role="listitem">
              <ImageIcon size={14} /> {x.name}
            </div>
          ),
        )}
        {listing && shown.length === 0 && <div className="empty">{files ? 'Empty folder' : 'No folders here'}</div>}
      </div>
      <footer>
        <span data-testid="browser-count">
          {files
            ? `${images}${listing?.truncated ? '+' : ''} image${images === 1 ? '' : 's'} here`
            : `${shown.length} folder${shown.length === 1 ? '' : 's'}`}
          {listing?.truncated ? ` (+${listing.truncated} entries not shown)` : ''}
        </span>
        <span className="spacer" />
        {footer}
        {listing && (
          <button
            type="button"
            className="btn primary"
            onClick={() => action.onFolder(listing.path)}
            data-testid={action.testId}
          >
            {action.label}
          </button>
        )}
      </footer>
    </>
  );
}

/**
 * The browser in a modal dialog, for a form's path field: it opens at the field's folder (or the
 * nearest one above it, or home) and gives back the listed folder on "Use this folder". Escape
 * or Cancel closes it and changes nothing. Mount it to open it.
 */
export function FolderBrowserDialog({
  title,
  start,
  files,
  onChoose,
  onClose,
}: {
  title: string;
  start: string;
  files?: boolean;
  onChoose: (path: string) => void;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const browsing = useFolderBrowsing(start);
  const titleId = useId();
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={dialog}
      className="card browser browser-dialog"
      aria-labelledby={titleId}
      data-testid="folder-browser"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <FolderBrowser
        browsing={browsing}
        files={files}
        pathLabel="Browse folder path"
        autoFocus
        action={{
          label: 'Use this folder',
          testId: 'use-folder',
          onFolder: (path) => {
            onChoose(path);
            onClose();
          },
        }}
        footer={
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
        }
      />
    </dialog>
  );
}
