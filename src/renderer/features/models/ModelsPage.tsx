import { useEffect, useMemo, useState } from 'react';
import type { BenchmarkModelResult, JobSnapshot } from '../../../shared/jobs';
import type { ModelInfo, ModelTryResult } from '../../../shared/models';
import { useApi } from '../../lib/api';
import { folderToGrant } from '../../../core/contract/grants';
import { formatBytes, formatShape } from '../../../core/format';
import { describeKeypointMap } from '../../../core/keypoints/model-keypoints';
import { GrantPrompt } from '../../components/GrantPrompt';
import { ProgressBar } from '../../components/ProgressBar';
import { RefreshIcon } from '../../components/icons';
import { useApp } from '../../store/app-store';

const BENCH_ITERATIONS = 50;

export function ModelsPage({ visible }: { visible: boolean }) {
  const models = useApp((s) => s.models);
  const state = useApp((s) => s.modelsState);
  const probed = useApp((s) => s.modelsProbed);
  const load = useApp((s) => s.loadModels);
  const setSection = useApp((s) => s.setSection);
  const info = useApp((s) => s.info);

  // Listed without loading (e.g. by Compare's model picker) is not enough here: load each once.
  useEffect(() => {
    if (visible && (state === 'idle' || (state === 'ready' && !probed))) void load(true);
  }, [visible, state, probed, load]);

  const plan = info?.engine?.plan.join(' + ');
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Models</h1>
          <div className="subtitle">
            Bundled models and your own (.onnx, with an optional model.json). Each is loaded once to find out which
            execution provider runs it{plan ? `; this machine plans ${plan}` : ''}.
          </div>
        </div>
        <div className="actions">
          <button className="btn" onClick={() => setSection('settings')}>
            Model Folders…
          </button>
          <button className="btn" onClick={() => void load(true)} disabled={state === 'loading'}>
            <RefreshIcon size={14} /> {state === 'loading' ? 'Loading…' : 'Reload'}
          </button>
        </div>
      </div>
      {state === 'ready' && models.length === 0 && (
        <div className="card empty">
          No models found. Add a folder of .onnx files in Settings; Loupe reads Ultralytics metadata and model.json
          manifests.
        </div>
      )}
      <div className="model-list" data-testid="model-list">
        {models.map((m) => (
          <ModelCard key={m.path} model={m} probed={probed} />
        ))}
      </div>
    </div>
  );
}

function ModelCard({ model, probed }: { model: ModelInfo; probed: boolean }) {
  const [trying, setTrying] = useState(false);
  const submit = useApp((s) => s.submitJob);
  const jobs = useApp((s) => s.jobs);
  const bench = useMemo(
    () =>
      Object.values(jobs)
        .filter(
          (j): j is JobSnapshot<'benchmark-model'> =>
            j.kind === 'benchmark-model' && (j.spec as { modelId: string }).modelId === model.id,
        )
        .sort((a, b) => b.createdAt - a.createdAt)[0],
    [jobs, model.id],
  );
  const result = bench?.result as BenchmarkModelResult | null | undefined;
  const running = bench && (bench.status === 'running' || bench.status === 'queued');
  const provider = model.provider ?? bench?.provider ?? null;
  return (
    <div className="card model" data-testid="model" data-model-id={model.id}>
      <div className="head">
        <span className="name">{model.name}</span>
        <span className="badge">{model.task}</span>
        <span className="badge">{model.source}</span>
        {model.error ? (
          <span className="badge danger">unusable</span>
        ) : provider ? (
          <span
            className={`badge ${provider.fallbackReason ? 'warn' : 'ok'}`}
            title={provider.fallbackReason}
            data-testid="provider"
          >
            runs on {provider.active}
          </span>
        ) : (
          <span className="badge">{probed ? '—' : 'not loaded'}</span>
        )}
        <span className="spacer" />
        {(model.task === 'restoration' || model.task === 'detect' || model.task === 'pose' || model.task === 'obb') && (
          <button
            className="btn small"
            disabled={Boolean(model.error)}
            onClick={() => setTrying(!trying)}
            aria-expanded={trying}
          >
            Try on an Image…
          </button>
        )}
        <button
          className="btn small"
          disabled={Boolean(model.error) || Boolean(running)}
          onClick={() => void submit({ kind: 'benchmark-model', modelId: model.id, iterations: BENCH_ITERATIONS })}
        >
          {running ? 'Benchmarking…' : 'Benchmark'}
        </button>
      </div>
      <dl>
        <dt>Id</dt>
        <dd className="mono">{model.id}</dd>
        <dt>File</dt>
        <dd className="mono">
          {model.path} <span className="faint">({formatBytes(model.sizeBytes)})</span>
        </dd>
        {model.inputs.map((i) => (
          <Pair key={`in-${i.name}`} label="Input" value={`${i.name} ${i.type} ${formatShape(i.dims)}`} />
        ))}
        {model.outputs.map((o) => (
          <Pair key={`out-${o.name}`} label="Output" value={`${o.name} ${o.type} ${formatShape(o.dims)}`} />
        ))}
        {model.layout !== 'unknown' && (
          <>
            <dt>Layout</dt>
            <dd>
              {model.layout} <span className="faint">(from {model.taskSource})</span>
            </dd>
          </>
        )}
        {model.keypointMap?.ok && <Pair label="Keypoints" value={describeKeypointMap(model.keypointMap.value)} />}
        {model.keypointMap && !model.keypointMap.ok && (
          <>
            <dt>Keypoints</dt>
            <dd className="error">{model.keypointMap.error.message}</dd>
          </>
        )}
        {model.opset !== null && (
          <>
            <dt>Opset</dt>
            <dd>
              {model.opset}
              {model.producer ? <span className="faint"> · {model.producer}</span> : null}
            </dd>
          </>
        )}
        {model.manifest?.quality?.map((q) => (
          <Pair
            key={`q-${q.name}-${q.dataset}`}
            label="Quality"
            value={`${q.name} ${q.value}${q.unit ? ` ${q.unit}` : ''}${q.baseline !== undefined ? ` (baseline ${q.baseline})` : ''} — ${q.dataset}`}
          />
        ))}
        {provider?.fallbackReason && <Pair label="Fallback" value={provider.fallbackReason} />}
        {model.error && (
          <>
            <dt>Error</dt>
            <dd className="error">
              {model.error.code}: {model.error.message}
            </dd>
          </>
        )}
      </dl>
      {trying && <TryPanel model={model} />}
      {bench && (
        <div className="bench" data-testid="benchmark">
          {running ? (
            <>
              <span className="dim">
                {bench.phase && bench.done === 0 ? `${bench.phase}…` : `Benchmark ${bench.done}/${bench.total ?? '…'}`}
              </span>
              <div className="grow">
                <ProgressBar done={bench.done} total={bench.total} status={bench.status} />
              </div>
            </>
          ) : result ? (
            <span>
              <strong>{result.medianMs.toFixed(2)} ms</strong> median · p90 {result.p90Ms.toFixed(2)} ms · load{' '}
              {Math.round(result.loadMs)} ms · input {formatShape(result.inputShape)} on {result.provider.active}
            </span>
          ) : (
            <span className="dim">
              Last benchmark {bench.status}
              {bench.error ? `: ${bench.error.message}` : ''}
            </span>
          )}
        </div>
      )}
    </div>
  );
}

function Pair({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd className="mono">{value}</dd>
    </>
  );
}

/** Run the model once on an image the user names: output shapes, time, and (restoration) before/after. */
function TryPanel({ model }: { model: ModelInfo }) {
  const api = useApi();
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ModelTryResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The image's folder, when it was never opened: the user opens it (a grant), then it runs.
  const [grant, setGrant] = useState<string | null>(null);
  const run = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    setGrant(null);
    const r = await api.models.try(model.id, path.trim());
    setBusy(false);
    if (r.ok) setResult(r.value);
    else {
      setResult(null);
      setGrant(folderToGrant(r.error));
      setError(r.error.message);
    }
  };
  return (
    <div className="try" data-testid="try-panel">
      <form
        className="list-row"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <input
          className="input mono grow"
          aria-label="Image path"
          placeholder="/path/to/image.png"
          value={path}
          onChange={(e) => setPath(e.target.value)}
        />
        <button className="btn small primary" type="submit" disabled={!path.trim() || busy}>
          {busy ? 'Running…' : 'Run'}
        </button>
      </form>
      {error && !grant && <div className="error">{error}</div>}
      {grant && (
        <GrantPrompt
          intro="Loupe reads images only from folders you opened. Open this image's folder to try the model on it."
          folders={[{ path: grant, what: 'Image folder' }]}
          onGranted={() => void run()}
        />
      )}
      {result && (
        <div className="try-result">
          <div className="dim">
            {result.preparation === 'letterbox' ? 'Letterboxed' : result.preparation === 'pad' ? 'Padded' : 'Fed'} as{' '}
            {formatShape(result.inputShape)} · {result.runMs.toFixed(1)} ms ·{' '}
            {result.outputs.map((o) => `${o.name} ${formatShape(o.dims)}`).join(', ')}
          </div>
          {result.inputImage && result.outputImage && (
            <div className="before-after">
              <figure>
                <img src={api.images.url(result.inputImage)} alt="input" />
                <figcaption>input</figcaption>
              </figure>
              <figure>
                <img src={api.images.url(result.outputImage)} alt="output" />
                <figcaption>{model.name}</figcaption>
              </figure>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
