import { useEffect, useMemo } from 'react';
import { useStore } from 'zustand';
import type { JobSnapshot, OutputNaming } from '../../../shared/jobs';
import type { MlflowRunListing, RunStatus } from '../../../shared/mlflow';
import { RUN_STATUSES } from '../../../shared/mlflow';
import { formatDuration, formatRate } from '../../../core/format';
import { ProgressBar } from '../../components/ProgressBar';
import { useApp } from '../../store/app-store';
import { CompareRuns } from './CompareRuns';
import { PathField } from './PathField';
import {
  compareRuns,
  countModels,
  missingForRun,
  suggestedOutputDir,
  modelSources,
  outputDir,
  restorationModels,
  selectedModels,
  type SetupStore,
} from './setup-store';

const NO_MODELS: never[] = [];

/**
 * Set up a comparison: the frames (and optional ground truth), models from the catalog, a folder
 * of .onnx files or an MLflow experiment (runs listed with params and metrics to pick from), and
 * where the outputs go. Or open an output folder that exists already. The form lives in `store`
 * (setup-store.ts).
 */
export function Setup({ store, onOpen }: { store: SetupStore; onOpen: (outputDir: string) => void }) {
  const info = useApp((s) => s.info);
  const models = useApp((s) => s.models ?? NO_MODELS);
  const loadModels = useApp((s) => s.loadModels);
  const modelsState = useApp((s) => s.modelsState);
  const s = useStore(store);
  const { frames, gt, folder, uri, experiment, experiments, status, maxRuns, runs, runIds, listing, tiled } = s;
  const job = useApp((a) => (s.jobId ? a.jobs[s.jobId] : undefined)) as JobSnapshot<'restore-frames'> | undefined;
  const jobs = useApp((a) => a.jobs);
  // The page's other runs (the engine's list is the record: a reload loses none of them).
  const others = useMemo(
    () =>
      compareRuns(Object.values(jobs))
        .filter((j) => j.id !== s.jobId)
        .slice(0, 8),
    [jobs, s.jobId],
  );

  useEffect(() => {
    if (modelsState === 'idle') void loadModels(false);
  }, [modelsState, loadModels]);
  const restoration = useMemo(() => restorationModels(models), [models]);
  const selected = selectedModels(s, restoration);
  const output = outputDir(s);

  // Experiments of a file store, as suggestions (asked once typing pauses).
  useEffect(() => {
    if (!uri.trim() || /^https?:/i.test(uri)) return;
    const t = setTimeout(() => void store.getState().loadExperiments(), 250);
    return () => clearTimeout(t);
  }, [store, uri]);

  // The folder's models, listed once typing pauses (the count below is of models, not sources).
  useEffect(() => {
    const t = setTimeout(() => void store.getState().loadFolderModels(), 250);
    return () => clearTimeout(t);
  }, [store, folder]);

  // When the run finishes, open its results.
  useEffect(() => {
    if (job?.status === 'completed' && job.result) onOpen(job.result.outputDir);
  }, [job?.status, job?.result, onOpen]);

  const update = s.update;
  const sources = modelSources(s, selected);
  const missing = missingForRun(s, restoration);
  const running = !!job && ['queued', 'running', 'paused'].includes(job.status);
  const suggested = suggestedOutputDir(s);

  return (
    <div className="compare-setup">
      <div className="card form-card">
        <div className="card-title">
          New run
          <span className="grow" />
          {info?.samplesDir && (
            <button className="btn small ghost" onClick={() => s.fillSamples(info)} data-testid="use-samples">
              Use the sample clip
            </button>
          )}
        </div>
        {running && (
          <div className="dim small" data-testid="setup-locked">
            A run is in progress: this form is locked until it ends.
          </div>
        )}
        <fieldset className="setup-fields" disabled={running} data-testid="setup-fields">
          <PathField
            label="Frames"
            value={frames}
            onChange={(v) => update({ frames: v })}
            placeholder="/path/to/frames"
            testId="frames-dir"
            images
          />
          <PathField
            label="Ground truth"
            optional
            value={gt}
            onChange={(v) => update({ gt: v })}
            placeholder="same file names as the frames"
            testId="gt-dir"
            images
          />

          <div className="field-label">Models</div>
          <div className="model-picks">
            {restoration.length === 0 && <div className="dim small">No restoration models in the catalog.</div>}
            {restoration.map((m) => (
              <label key={m.id} className="check">
                <input
                  type="checkbox"
                  checked={selected.includes(m.id)}
                  onChange={(e) => s.pick(m.id, e.target.checked)}
                />
                <span className="mono">{m.id}</span>
                <span className="faint small">
                  {m.source}
                  {m.manifest?.architecture ? ` · ${m.manifest.architecture}` : ''}
                </span>
              </label>
            ))}
          </div>
          <PathField
            label="A folder of .onnx models"
            optional
            value={folder}
            onChange={(v) => update({ folder: v })}
            testId="models-dir"
          />
          {folder.trim() && (
            <div className="dim small" data-testid="folder-models">
              {s.folderError ??
                (s.folderModels
                  ? `${restorationModels(s.folderModels.models).length} restoration models: ${restorationModels(
                      s.folderModels.models,
                    )
                      .map((m) => m.manifest?.id ?? m.id)
                      .join(', ')}`
                  : 'Reading the folder…')}
            </div>
          )}

          <details className="mlflow" open={!!uri}>
            <summary>From MLflow</summary>
            <div className="mlflow-grid">
              <label>
                Tracking URI
                <input
                  className="input mono"
                  value={uri}
                  onChange={(e) => update({ uri: e.target.value })}
                  placeholder="/path/to/mlruns or http://host:5000"
                  aria-label="MLflow tracking URI"
                />
              </label>
              <label>
                Experiment
                <input
                  className="input"
                  value={experiment}
                  list="mlflow-experiments"
                  onChange={(e) => update({ experiment: e.target.value })}
                  aria-label="MLflow experiment"
                />
                <datalist id="mlflow-experiments">
                  {experiments.map((e) => (
                    <option key={e} value={e} />
                  ))}
                </datalist>
              </label>
              <label>
                Status
                <select
                  className="input"
                  value={status}
                  onChange={(e) => update({ status: e.target.value as RunStatus | 'any' })}
                >
                  {RUN_STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                  <option value="any">any</option>
                </select>
              </label>
              <label>
                Max runs
                <input
                  className="input narrow"
                  value={maxRuns}
                  onChange={(e) => update({ maxRuns: e.target.value })}
                  placeholder="all"
                />
              </label>
              <button
                className="btn"
                onClick={() => void s.listRuns()}
                disabled={!uri.trim() || !experiment.trim() || listing}
              >
                {listing ? 'Listing…' : 'List runs'}
              </button>
            </div>
            {runs && <RunTable runs={runs} selected={runIds} onChange={s.setRunIds} />}
          </details>

          <PathField
            label="Outputs"
            value={output}
            onChange={(v) => update({ out: v })}
            placeholder="where the outputs go (required)"
            testId="output-dir"
          />
          {!output.trim() && suggested && (
            <button
              className="btn small ghost"
              onClick={() => update({ out: suggested })}
              data-testid="use-suggested-output"
            >
              Use {suggested}
            </button>
          )}
          <label className="check">
            <input type="checkbox" checked={tiled} onChange={(e) => update({ tiled: e.target.checked })} /> Always tile
            (else only when a whole frame does not fit in memory)
          </label>
          <label className="labelled">
            Output names
            <select
              className="input"
              value={s.outputNames}
              onChange={(e) => update({ outputNames: e.target.value as OutputNaming })}
              data-testid="output-names"
            >
              <option value="stem">as the input frames (frame_0000.jpg → frame_0000.png)</option>
              <option value="index">by frame number (frame_000000.png, …)</option>
            </select>
          </label>
          <label>
            Metric models
            <textarea
              className="input mono"
              rows={2}
              value={s.metricModels}
              onChange={(e) => update({ metricModels: e.target.value })}
              placeholder="/models/lpips_alex.onnx   (one .onnx per line; optional ,better=lower,range=-1:1)"
              spellCheck={false}
              data-testid="metric-models"
            />
            <span className="dim small">
              Each scores every output and the input against the ground truth, with its own column in the ranking
              (LPIPS: see docs/metric-models.md).
            </span>
          </label>
        </fieldset>
        <div className="row end">
          <span className="dim small" data-testid="run-missing">
            {missing ?? modelCountText(countModels(sources, runIds, s.folderModels))}
          </span>
          <button
            className="btn primary"
            disabled={!!missing || running}
            onClick={() => void s.run()}
            data-testid="run-compare"
          >
            Run
          </button>
        </div>
        {job && <RunProgress job={job} onOpen={() => onOpen(job.spec.outputDir)} />}
      </div>

      <div className="compare-side">
        <div className="card form-card">
          <div className="card-title">Open results</div>
          <p className="dim small">
            An output folder written by <span className="mono">loupe infer</span> or an earlier run: compare without
            running anything.
          </p>
          <PathField
            label="Output folder"
            value={s.existing}
            onChange={(v) => update({ existing: v })}
            testId="open-output"
          />
          <div className="row end">
            <button
              className="btn primary"
              disabled={!s.existing.trim()}
              onClick={() => onOpen(s.existing.trim())}
              data-testid="open-results"
            >
              Open
            </button>
          </div>
        </div>
        <CompareRuns runs={others} locked={running} onFollow={s.follow} onOpen={onOpen} onUseSetup={s.useSetupOf} />
      </div>
    </div>
  );
}

function RunTable({
  runs,
  selected,
  onChange,
}: {
  runs: MlflowRunListing[];
  selected: string[];
  onChange: (ids: string[]) => void;
}) {
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].slice(0, 5);
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].slice(0, 4);
  if (runs.length === 0) return <div className="dim small">No runs match.</div>;
  return (
    <div className="run-table-wrap">
      <table className="grid run-table" aria-label="MLflow runs" data-testid="mlflow-runs">
        <thead>
          <tr>
            <th>
              <input
                type="checkbox"
                aria-label="All runs"
                checked={selected.length === runs.length}
                onChange={(e) => onChange(e.target.checked ? runs.map((r) => r.runId) : [])}
              />
            </th>
            <th>Run</th>
            <th>Status</th>
            <th>Model</th>
            {paramKeys.map((k) => (
              <th key={k}>{k}</th>
            ))}
            {metricKeys.map((k) => (
              <th key={k}>{k}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.runId}>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Run ${r.runName}`}
                  checked={selected.includes(r.runId)}
                  onChange={(e) =>
                    onChange(e.target.checked ? [...selected, r.runId] : selected.filter((x) => x !== r.runId))
                  }
                />
              </td>
              <td className="mono" title={r.runId}>
                {r.runName}
              </td>
              <td>{r.status}</td>
              <td>
                <ModelPlan model={r.model} />
              </td>
              {paramKeys.map((k) => (
                <td key={k} className="mono">
                  {r.params[k] ?? ''}
                </td>
              ))}
              {metricKeys.map((k) => (
                <td key={k} className="mono">
                  {r.metrics[k] ? Number(r.metrics[k].value.toPrecision(4)) : ''}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What a run holds and what the batch will do with it: run, use a cached export, export, or why not. */
function ModelPlan({ model }: { model: MlflowRunListing['model'] }) {
  const plan = model.plan;
  let text: string;
  let tone = 'dim';
  if (!model.ok) {
    text = model.status === 'unsupported_format' ? 'cannot run' : (model.status ?? 'no model').replace('_', ' ');
    tone = model.status === 'skipped' ? 'faint' : 'danger-text';
  } else if (!plan) text = 'ONNX';
  else if (plan.action === 'cached') text = 'PyTorch · cached ONNX';
  else if (plan.action === 'export') text = `PyTorch · will export${plan.torch ? ` (torch ${plan.torch})` : ''}`;
  else text = 'cannot run';
  const detail = [
    model.what,
    plan?.action === 'cached'
      ? `exported ${plan.exportedAt.slice(0, 10)}, max |torch − ONNX| ${plan.parity.toExponential(1)}`
      : null,
    model.reason,
    model.others.length ? `also: ${model.others.join('; ')}` : null,
  ]
    .filter(Boolean)
    .join('\n');
  return (
    <span className={`model-plan ${tone}`} title={detail} data-testid="model-plan">
      {text}
      {!model.ok && model.reason && <span className="model-plan-why small">{model.reason}</span>}
    </span>
  );
}

function RunProgress({ job, onOpen }: { job: JobSnapshot<'restore-frames'>; onOpen: () => void }) {
  const act = useApp((s) => s.jobAction);
  const perModel = Object.entries(job.tags);
  return (
    <div className="run-progress" data-testid="run-progress" data-status={job.status}>
      <div className="row">
        <strong>Running models</strong>
        <span className="dim">
          {job.done}
          {job.total !== null ? ` / ${job.total}` : ''} frames
          {job.status === 'running' && ` · ${formatRate(job.rate, 'frames')} · ETA ${formatDuration(job.etaSec)}`}
        </span>
        <span className="grow" />
        <span className="badge">{job.status}</span>
        {(job.status === 'interrupted' || job.status === 'paused') && (
          <button className="btn small" onClick={() => void act(job.id, 'resume')}>
            Resume
          </button>
        )}
        {job.done > 0 && (
          <button className="btn small" onClick={onOpen}>
            Open results so far
          </button>
        )}
      </div>
      <ProgressBar done={job.done} total={job.total} status={job.status} />
      {job.phase && (
        <div className="dim small mono" data-testid="run-phase">
          {job.phase}…
        </div>
      )}
      {perModel.length > 0 && (
        <ul className="per-model mono small">
          {perModel.map(([name, n]) => (
            <li key={name}>
              {name}: {n}
            </li>
          ))}
        </ul>
      )}
      {job.error && <div className="danger-text small">{job.error.message}</div>}
    </div>
  );
}

function modelCountText(n: number | null): string {
  return n === null ? 'Counting models…' : n === 1 ? '1 model' : `${n} models`;
}
