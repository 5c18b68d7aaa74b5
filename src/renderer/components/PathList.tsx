import { useState } from 'react';
import { useApi } from '../lib/api';

/**
 * A list of folders with Remove on each and a field (plus the native folder dialog where the host
 * has one) to add another: model folders, the Python path.
 */
export function PathList({
  paths,
  onChange,
  placeholder,
  label,
  empty,
  chooseTitle,
}: {
  paths: readonly string[];
  onChange: (paths: string[]) => void;
  placeholder: string;
  /** The add field's accessible name. */
  label: string;
  /** Shown when the list is empty. */
  empty: string;
  /** Offer the native folder dialog with this title (hosts that have one). */
  chooseTitle?: string;
}) {
  const api = useApi();
  const [draft, setDraft] = useState('');
  return (
    <>
      {paths.length === 0 && <div className="help">{empty}</div>}
      {paths.map((p) => (
        <div className="list-row" key={p}>
          <span className="mono" title={p}>
            {p}
          </span>
          <button className="btn small" onClick={() => onChange(paths.filter((x) => x !== p))}>
            Remove
          </button>
        </div>
      ))}
      <form
        className="list-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (!draft.trim()) return;
          onChange([...paths, draft.trim()]);
          setDraft('');
        }}
      >
        <input
          className="input mono grow"
          placeholder={placeholder}
          aria-label={label}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        {chooseTitle && api.host.capabilities.nativeDialogs && (
          <button
            type="button"
            className="btn"
            onClick={() =>
              void api.folders.choose({ title: chooseTitle }).then((r) => {
                if (r.ok && r.value) onChange([...paths, r.value]);
              })
            }
          >
            Choose…
          </button>
        )}
        <button className="btn" type="submit" disabled={!draft.trim()}>
          Add
        </button>
      </form>
    </>
  );
}
