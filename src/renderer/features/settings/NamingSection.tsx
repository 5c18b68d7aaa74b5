import { useEffect, useRef, useState } from 'react';
import type { SettingsPatch } from '../../../shared/settings';
import { DEFAULT_NAMING_PATTERN } from '../../../shared/settings';
import { previewNaming } from '../../../core/naming';
import { useApp } from '../../store/app-store';

const DEFAULT_SAMPLE = 'PATEK_nab_001_03_tiltface_q1.jpg';

/**
 * The naming pattern with a live preview: how sample names parse into image key, watch ID,
 * template model and view as the pattern is typed. The samples are a name the user types plus,
 * when a folder's banner sent them here, that folder's names that did not match (and a few that
 * did, so a new pattern is checked against both). Saved when the field is left with a valid pattern.
 */
export function NamingSection({
  value,
  saved,
  onChange,
  save,
}: {
  value: string;
  saved: string;
  onChange: (pattern: string) => void;
  save: (patch: SettingsPatch) => Promise<void>;
}) {
  const samples = useApp((s) => s.namingSamples);
  const [sample, setSample] = useState(DEFAULT_SAMPLE);
  const field = useRef<HTMLInputElement>(null);

  // Sent here from a folder's banner: show the pattern, ready to edit.
  useEffect(() => {
    if (!samples) return;
    field.current?.scrollIntoView({ block: 'center' });
    field.current?.focus();
  }, [samples]);

  const names = [...(sample.trim() ? [sample.trim()] : []), ...(samples?.names ?? [])];
  const preview = previewNaming(value, [...new Set(names)], samples?.folderName ?? 'folder');
  const folderRows = preview.ok && samples ? preview.value.filter((r) => samples.names.includes(r.name)) : [];
  const nowMatched = folderRows.filter((r) => r.named).length;

  return (
    <>
      <label htmlFor="pattern">Image naming</label>
      <div className="field" data-testid="naming-section">
        <input
          id="pattern"
          ref={field}
          className="input mono"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          onBlur={() => preview.ok && value !== saved && void save({ namingPattern: value })}
          spellCheck={false}
          aria-invalid={!preview.ok}
        />
        <div className="list-row">
          <input
            className="input mono grow"
            aria-label="Sample file name"
            value={sample}
            onChange={(e) => setSample(e.target.value)}
          />
          <button className="btn small" onClick={() => void save({ namingPattern: DEFAULT_NAMING_PATTERN })}>
            Default
          </button>
        </div>
        {!preview.ok ? (
          <div className="help danger-text" role="alert">
            {preview.error.message}
          </div>
        ) : (
          <table className="naming-preview" aria-label="Naming preview" data-testid="naming-preview">
            <thead>
              <tr>
                <th style={{ width: '34%' }}>File</th>
                <th>Watch ID</th>
                <th>Template model</th>
                <th>View</th>
              </tr>
            </thead>
            <tbody>
              {preview.value.map((r) => (
                <tr key={r.name} data-named={r.named}>
                  <td className="mono">{r.name}</td>
                  {r.named ? (
                    <>
                      <td className="mono">{r.watchId}</td>
                      <td className="mono">{r.templateModel ?? '—'}</td>
                      <td className="mono">{r.view ?? '—'}</td>
                    </>
                  ) : (
                    <td className="unmatched" colSpan={3}>
                      does not match: grouped by its folder as <span className="mono">{r.watchId}</span>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div className="help" data-testid="naming-help">
          {samples && preview.ok
            ? `Names from ${samples.folderName} (${samples.unmatched} did not match the saved pattern); with this one, ${nowMatched} of the ${folderRows.length} shown match. `
            : ''}
          Named groups: <span className="mono">imageKey</span> and <span className="mono">watchId</span> (needed),{' '}
          <span className="mono">templateModel</span> and <span className="mono">view</span> (optional). Files that do
          not match are grouped by their folder&apos;s name. Saved when you leave the field; an open folder is read
          again with it.
        </div>
      </div>
    </>
  );
}
