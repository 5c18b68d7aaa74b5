import { useEffect, useState } from 'react';
import type { PythonCheck } from '../../../shared/pytorch';
import type { PythonSettings, SettingsPatch } from '../../../shared/settings';
import { rebaseDraft } from '../../../core/settings';
import { PathList } from '../../components/PathList';
import { useApp } from '../../store/app-store';

/**
 * Settings → Python: the interpreter that exports PyTorch models to ONNX (once; exports are
 * cached), what it has (Test runs Loupe's exporter probe in it), the model factory for state-dict
 * checkpoints and the folders put on sys.path.
 */
export function PythonSection({
  saved,
  save,
}: {
  saved: PythonSettings;
  save: (patch: SettingsPatch) => Promise<void>;
}) {
  const [draft, setDraft] = useState(saved);
  const [base, setBase] = useState(saved);
  if (base !== saved) {
    setBase(saved);
    setDraft(rebaseDraft(draft, base, saved));
  }
  const { check, error: checkError, checking, executable: checked } = useApp((s) => s.pythonCheck);
  const checkPython = useApp((s) => s.checkPython);
  // What the saved setting resolves to, when the page opens or the setting changes (kept in the
  // app store: a probe takes seconds, torch's import, and outlives this page).
  useEffect(() => {
    if (checked !== saved.executable || (!check && !checkError && !checking)) void checkPython(saved.executable);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the saved setting changes
  }, [saved.executable]);

  const commit = (patch: Partial<PythonSettings>): void => void save({ python: patch });

  return (
    <>
      <label htmlFor="python">Python</label>
      <div className="field">
        <div className="list-row">
          <input
            id="python"
            className="input mono grow"
            placeholder="python3 on PATH (or LOUPE_PYTHON)"
            value={draft.executable ?? ''}
            onChange={(e) => setDraft({ ...draft, executable: e.target.value || null })}
            onBlur={() => draft.executable !== saved.executable && commit({ executable: draft.executable })}
            spellCheck={false}
          />
          <button
            className="btn"
            onClick={() => void checkPython(draft.executable)}
            disabled={checking}
            data-testid="python-test"
          >
            {checking ? 'Testing…' : 'Test'}
          </button>
        </div>
        <PythonStatus check={check} error={checkError} />
        <div className="help">
          PyTorch models (MLflow pytorch runs, TorchScript files, checkpoints) are exported to ONNX once in this Python,
          checked against torch on a frame, and cached; it needs torch (mlflow is used when installed).
        </div>
      </div>

      <label htmlFor="factory">Model factory</label>
      <div className="field">
        <input
          id="factory"
          className="input mono"
          placeholder="my_models:build_model"
          value={draft.modelFactory ?? ''}
          onChange={(e) => setDraft({ ...draft, modelFactory: e.target.value || null })}
          onBlur={() => draft.modelFactory !== saved.modelFactory && commit({ modelFactory: draft.modelFactory })}
          spellCheck={false}
        />
        <div className="help">
          For checkpoints that hold a state dict: <span className="mono">module:function</span>, called with{' '}
          <span className="mono">architecture</span>, <span className="mono">model_config</span> and the checkpoint
          dict; it returns the <span className="mono">nn.Module</span> the weights are loaded into.
        </div>
      </div>

      <label>Python path</label>
      <div className="field">
        <PathList
          paths={draft.pythonPath}
          onChange={(pythonPath) => commit({ pythonPath })}
          placeholder="/path/to/your/training/code"
          label="Python path folder"
          empty="No folders added to sys.path."
          chooseTitle="Add a folder to the Python path"
        />
        <div className="help">Where the factory's module and your network code live.</div>
      </div>

      <label htmlFor="export-timeout">Export time limit</label>
      <div className="field">
        <input
          id="export-timeout"
          className="input narrow"
          type="number"
          min={10}
          max={86400}
          value={draft.exportTimeoutSec}
          onChange={(e) =>
            Number.isFinite(e.target.valueAsNumber) && setDraft({ ...draft, exportTimeoutSec: e.target.valueAsNumber })
          }
          onBlur={() =>
            draft.exportTimeoutSec !== saved.exportTimeoutSec && commit({ exportTimeoutSec: draft.exportTimeoutSec })
          }
        />
        <div className="help">Seconds one export may take; a model that takes longer fails alone.</div>
      </div>
    </>
  );
}

function PythonStatus({ check, error }: { check: PythonCheck | null; error: string | null }) {
  if (error) return <div className="help danger-text">{error}</div>;
  if (!check) return null;
  if (!check.ok)
    return (
      <div className="help danger-text" data-testid="python-status" data-ok="false">
        {check.error}
      </div>
    );
  const origin =
    check.origin === 'default' ? ' (python3 on PATH)' : check.origin === 'LOUPE_PYTHON' ? ' (from LOUPE_PYTHON)' : '';
  return (
    <div className="help ok-text" data-testid="python-status" data-ok="true">
      {check.resolved ?? check.executable}
      {origin} · Python {check.python} · torch {check.torch} · mlflow {check.mlflow ?? 'not installed'}
    </div>
  );
}
