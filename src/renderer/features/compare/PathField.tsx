import { useEffect, useId, useState } from 'react';
import { FolderBrowserDialog } from '../../components/FolderBrowser';
import { useApi } from '../../lib/api';
import { useApp } from '../../store/app-store';

const NO_FOLDERS: readonly string[] = [];

/**
 * A folder path: typed (suggesting recent folders and the host's places), or browsed to with
 * "Browse…": the native dialog where the host has one (the desktop app), else a browser of the
 * host's folders that starts at the field's folder (`images`: it shows a folder's images and
 * counts them, for frames and ground truth).
 */
export function PathField({
  label,
  value,
  onChange,
  placeholder,
  optional,
  testId,
  images = false,
}: {
  label: string;
  value: string;
  onChange: (path: string) => void;
  placeholder?: string;
  optional?: boolean;
  testId?: string;
  images?: boolean;
}) {
  const [browsing, setBrowsing] = useState(false);
  const api = useApi();
  const id = useId();
  const recent = useApp((s) => s.settings?.recentFolders ?? NO_FOLDERS);
  const notify = useApp((s) => s.notify);
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
      <label htmlFor={id} id={`${id}-label`}>
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
        <button
          type="button"
          className="btn"
          // Described (not labelled) by the field's label: "Browse…" for the field named there.
          aria-describedby={`${id}-label`}
          data-testid={testId ? `${testId}-browse` : undefined}
          onClick={() => {
            if (!api.host.capabilities.nativeDialogs) {
              setBrowsing(true);
              return;
            }
            void api.folders.choose({ title: label }).then((r) => {
              if (!r.ok) notify('error', r.error.message);
              else if (r.value) onChange(r.value);
            });
          }}
        >
          Browse…
        </button>
      </div>
      {browsing && (
        <FolderBrowserDialog
          title={label}
          start={value}
          files={images}
          onChoose={onChange}
          onClose={() => setBrowsing(false)}
        />
      )}
    </div>
  );
}
