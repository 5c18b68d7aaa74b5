import { useEffect, useId, useState } from 'react';
import { useApi } from '../../lib/api';
import { useApp } from '../../store/app-store';

const NO_FOLDERS: readonly string[] = [];

/** A folder path: typed (suggesting recent folders and the host's places), or chosen in the native dialog. */
export function PathField({
  label,
  value,
  onChange,
  placeholder,
  optional,
  testId,
}: {
  label: string;
  value: string;
  onChange: (path: string) => void;
  placeholder?: string;
  optional?: boolean;
  testId?: string;
}) {
  const api = useApi();
  const id = useId();
  const recent = useApp((s) => s.settings?.recentFolders ?? NO_FOLDERS);
  const [places, setPlaces] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    void api.folders.list(null).then((r) => {
      if (live && r.ok) setPlaces(r.value.places.map((p) => p.path));
    });
    return () => {
      live = false;
    };
  }, [api]);
  return (
    <div className="path-field">
      <label htmlFor={id}>
        {label}
        {optional && <span className="faint"> (optional)</span>}
      </label>
      <div className="row">
        <input
          id={id}
          className="input mono grow"
          value={value}
          placeholder={placeholder}
          list={`${id}-list`}
          spellCheck={false}
          onChange={(e) => onChange(e.target.value)}
          data-testid={testId}
        />
        <datalist id={`${id}-list`}>
          {[...new Set([...recent, ...places])].map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
        {api.host.capabilities.nativeDialogs && (
          <button
            type="button"
            className="btn"
            onClick={() =>
              void api.folders.choose({ title: label }).then((r) => {
                if (r.ok && r.value) onChange(r.value);
              })
            }
          >
            Choose…
          </button>
        )}
      </div>
    </div>
  );
}
