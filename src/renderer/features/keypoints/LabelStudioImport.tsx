import { useState } from 'react';
import type { LabelStudioImportResult } from '../../../shared/review';
import { useApi } from '../../lib/api';
import { useApp } from '../../store/app-store';
import { useFolder } from '../../store/folder';

/**
 * Bring a Label Studio project's labels into this folder: its JSON or JSON-MIN export, mapped to
 * the five keypoints by the synonyms or a label map, merged into the human labels (a person's
 * newer label on disk wins). The same reading and writing as `loupe convert --from label-studio`.
 */
export function LabelStudioImport({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const folder = useFolder((s) => s.folder);
  const reload = useFolder((s) => s.reload);
  const notify = useApp((s) => s.notify);
  const [input, setInput] = useState('');
  const [labelMap, setLabelMap] = useState('');
  const [allowPartial, setAllowPartial] = useState(false);
  const [predictions, setPredictions] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<LabelStudioImportResult | null>(null);

  const run = async (): Promise<void> => {
    setBusy(true);
    const r = await api.keypoints.import(folder.path, {
      input: input.trim(),
      ...(labelMap.trim() ? { labelMap: labelMap.trim() } : {}),
      allowPartial,
      predictions,
    });
    setBusy(false);
    if (!r.ok) {
      notify('error', r.error.message);
      return;
    }
    setResult(r.value);
    if (r.value.imported > 0) void reload();
  };

  return (
    <div className="card form-card ls-import" data-testid="ls-import">
      <div className="card-title">
        Import from Label Studio
        <span className="grow" />
        <button className="btn small ghost" onClick={onClose}>
          Close
        </button>
      </div>
      <label className="field-label" htmlFor="ls-input">
        Export file (JSON or JSON-MIN)
      </label>
      <input
        id="ls-input"
        className="input mono"
        placeholder="/path/to/project-1-at-2026-….json"
        value={input}
        onChange={(e) => setInput(e.target.value)}
        spellCheck={false}
      />
      <label className="field-label" htmlFor="ls-map">
        Label map <span className="faint">(optional)</span>
      </label>
      <input
        id="ls-map"
        className="input mono"
        placeholder="Top=top,Center=center (12_oclock, centre… are known already)"
        value={labelMap}
        onChange={(e) => setLabelMap(e.target.value)}
        spellCheck={false}
      />
      <label className="check">
        <input type="checkbox" checked={allowPartial} onChange={(e) => setAllowPartial(e.target.checked)} /> Import
        labels that lack some of the five keypoints
      </label>
      <label className="check">
        <input type="checkbox" checked={predictions} onChange={(e) => setPredictions(e.target.checked)} /> Import tasks
        that only have predictions, as predictions
      </label>
      <div className="row end">
        <span className="dim small">Into {folder.path}'s human labels, merged: a newer label on disk wins.</span>
        <button
          className="btn primary"
          disabled={busy || !input.trim()}
          onClick={() => void run()}
          data-testid="ls-import-run"
        >
          {busy ? 'Importing…' : 'Import'}
        </button>
      </div>
      {result && (
        <pre className="ls-import-summary small" data-testid="ls-import-summary">
          {[...result.summary, ...result.failed.map((f) => `task ${f.task}: ${f.message}`)].join('\n')}
        </pre>
      )}
    </div>
  );
}
