import { useState } from 'react';
import { DEVICES, type Device } from '../../../shared/devices';
import type { EngineInfo } from '../../../shared/engine-protocol';
import type { Settings, SettingsPatch } from '../../../shared/settings';
import { rebaseDraft } from '../../../core/settings';
import { useApp } from '../../store/app-store';
import { PathList } from '../../components/PathList';
import { NamingSection } from './NamingSection';
import { PythonSection } from './PythonSection';

const DEVICE_LABEL: Record<Device, string> = {
  auto: 'Automatic (best available)',
  coreml: 'CoreML (Apple GPU / Neural Engine)',
  cuda: 'CUDA (NVIDIA GPU)',
  webgpu: 'WebGPU',
  dml: 'DirectML (Windows GPU)',
  cpu: 'CPU',
};

/** Why a device cannot be chosen here (null: it can): not in this build, or tried and failed to start. */
function deviceUnavailable(d: Device, engine: EngineInfo | null): string | null {
  if (d === 'auto' || d === 'cpu' || !engine) return null;
  if (!engine.availableProviders.includes(d)) return 'not in this build';
  return engine.unusableProviders[d] ?? null;
}

export function SettingsPage() {
  const settings = useApp((s) => s.settings);
  if (!settings) return <div className="page empty">Loading settings…</div>;
  return <SettingsForm settings={settings} />;
}

function SettingsForm({ settings }: { settings: Settings }) {
  const info = useApp((s) => s.info);
  const update = useApp((s) => s.updateSettings);
  const notify = useApp((s) => s.notify);
  const loadModels = useApp((s) => s.loadModels);
  const [draft, setDraft] = useState<Settings>(settings);
  // When the saved settings change (a field saved, or another window), the draft follows them in
  // every field the user has not changed; what they are typing elsewhere, and its focus, stay.
  const [base, setBase] = useState<Settings>(settings);
  if (base !== settings) {
    setBase(settings);
    setDraft(rebaseDraft(draft, base, settings));
  }
  const [error, setError] = useState<string | null>(null);

  const save = async (patch: SettingsPatch): Promise<void> => {
    const e = await update(patch);
    setError(e ? e.message : null);
    if (!e) {
      notify('info', 'Settings saved');
      if ('modelDirs' in patch || 'device' in patch || 'threads' in patch) void loadModels(true);
    }
  };
  const cpus = info?.engine?.cpus ?? 0;

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Settings</h1>
          <div className="subtitle">Saved in {info?.dataDir ?? 'the data folder'}/settings.json.</div>
        </div>
      </div>
      {error && <div className="card empty danger-text">{error}</div>}
      <div className="card form">
        <label htmlFor="device">Device</label>
        <div className="field">
          <select
            id="device"
            className="input"
            value={draft.device}
            onChange={(e) => void save({ device: e.target.value as Device })}
          >
            {DEVICES.map((d) => {
              const why = deviceUnavailable(d, info?.engine ?? null);
              return (
                <option key={d} value={d} disabled={why !== null} title={why ?? undefined}>
                  {DEVICE_LABEL[d]}
                  {why ? ` — ${why.startsWith('not in') ? why : 'cannot run here'}` : ''}
                </option>
              );
            })}
          </select>
          <div className="help">
            {info?.engine
              ? `Runs on ${info.engine.plan.join(' + ')}${info.engine.planReason ? ` (${info.engine.planReason})` : ''}. If a provider cannot load a model, Loupe falls back to CPU and says why.`
              : ''}
          </div>
          {info?.engine && Object.keys(info.engine.unusableProviders).length > 0 && (
            <ul className="help provider-notes" data-testid="unusable-providers">
              {Object.entries(info.engine.unusableProviders).map(([p, why]) => (
                <li key={p}>
                  <strong>{DEVICE_LABEL[p as Device]}</strong> cannot run here: {why}
                </li>
              ))}
            </ul>
          )}
        </div>

        <label htmlFor="threads">Threads</label>
        <div className="field">
          <input
            id="threads"
            className="input"
            type="number"
            min={0}
            max={256}
            value={draft.threads}
            onChange={(e) => setDraft({ ...draft, threads: Number(e.target.value) })}
            onBlur={() => draft.threads !== settings.threads && void save({ threads: draft.threads })}
          />
          <div className="help">
            ONNX Runtime intra-op threads and image decoding threads. 0 = one per core ({cpus}).
          </div>
        </div>

        <label htmlFor="workers">Match workers</label>
        <div className="field">
          <input
            id="workers"
            className="input"
            type="number"
            min={0}
            max={256}
            value={draft.workers}
            onChange={(e) => setDraft({ ...draft, workers: Number(e.target.value) })}
            onBlur={() => draft.workers !== settings.workers && void save({ workers: draft.workers })}
          />
          <div className="help">
            Threads predicting keypoints, photo by photo (as <code>loupe predict --workers</code>). 0 = one per core
            when the detector runs on the CPU, each worker decoding, detecting and matching with its share of the
            threads above; on an accelerator, one per core less a quarter of those threads, matching.
          </div>
        </div>

        <label>Model folders</label>
        <div className="field">
          <PathList
            paths={draft.modelDirs}
            onChange={(modelDirs) => void save({ modelDirs })}
            placeholder="/path/to/models"
            label="Model folder path"
            empty="None yet: only the bundled models are listed."
            chooseTitle="Add a folder of .onnx models"
          />
        </div>

        <NamingSection
          value={draft.namingPattern}
          saved={settings.namingPattern}
          onChange={(namingPattern) => setDraft({ ...draft, namingPattern })}
          save={save}
        />

        <label htmlFor="reviewer">Reviewer name</label>
        <div className="field">
          <input
            id="reviewer"
            className="input"
            value={draft.reviewer}
            onChange={(e) => setDraft({ ...draft, reviewer: e.target.value })}
            onBlur={() => draft.reviewer !== settings.reviewer && void save({ reviewer: draft.reviewer })}
          />
          <div className="help">Written as the annotator of labels you review.</div>
        </div>

        <label>Prediction</label>
        <div className="field">
          <div className="predict-settings">
            <PredictNumber
              label="Detector confidence"
              id="conf"
              min={0}
              max={1}
              step={0.05}
              value={draft.predict.conf}
              onChange={(conf) => setDraft({ ...draft, predict: { ...draft.predict, conf } })}
              onCommit={() =>
                draft.predict.conf !== settings.predict.conf && void save({ predict: { conf: draft.predict.conf } })
              }
            />
            <PredictNumber
              label="NMS IoU"
              id="iou"
              min={0}
              max={1}
              step={0.05}
              value={draft.predict.iou}
              onChange={(iou) => setDraft({ ...draft, predict: { ...draft.predict, iou } })}
              onCommit={() =>
                draft.predict.iou !== settings.predict.iou && void save({ predict: { iou: draft.predict.iou } })
              }
            />
            <PredictNumber
              label="Minimum inliers"
              id="inliers"
              min={4}
              max={500}
              step={1}
              value={draft.predict.minInliers}
              onChange={(minInliers) => setDraft({ ...draft, predict: { ...draft.predict, minInliers } })}
              onCommit={() =>
                draft.predict.minInliers !== settings.predict.minInliers &&
                void save({ predict: { minInliers: draft.predict.minInliers } })
              }
            />
            <PredictNumber
              label="RANSAC threshold (px)"
              id="ransac"
              min={0.5}
              max={50}
              step={0.5}
              value={draft.predict.ransacThreshold}
              onChange={(ransacThreshold) => setDraft({ ...draft, predict: { ...draft.predict, ransacThreshold } })}
              onCommit={() =>
                draft.predict.ransacThreshold !== settings.predict.ransacThreshold &&
                void save({ predict: { ransacThreshold: draft.predict.ransacThreshold } })
              }
            />
            <label className="predict-field">
              Matcher
              <select
                className="input"
                value={draft.predict.matcher.startsWith('onnx:') ? 'onnx' : draft.predict.matcher}
                onChange={(e) => {
                  const matcher = e.target.value as 'orb' | 'akaze';
                  setDraft({ ...draft, predict: { ...draft.predict, matcher } });
                  void save({ predict: { matcher } });
                }}
              >
                <option value="orb">ORB</option>
                <option value="akaze">AKAZE</option>
                {draft.predict.matcher.startsWith('onnx:') && <option value="onnx">{draft.predict.matcher}</option>}
              </select>
            </label>
            <label className="predict-field">
              Detector
              <input
                className="input mono"
                value={draft.predict.model}
                onChange={(e) => setDraft({ ...draft, predict: { ...draft.predict, model: e.target.value } })}
                onBlur={() =>
                  draft.predict.model !== settings.predict.model &&
                  void save({ predict: { model: draft.predict.model } })
                }
              />
            </label>
            <label className="predict-field">
              Keypoint map
              <input
                className="input mono"
                placeholder="by the model's keypoint names"
                value={draft.predict.keypointMap ?? ''}
                onChange={(e) =>
                  setDraft({ ...draft, predict: { ...draft.predict, keypointMap: e.target.value || null } })
                }
                onBlur={() =>
                  draft.predict.keypointMap !== settings.predict.keypointMap &&
                  void save({ predict: { keypointMap: draft.predict.keypointMap } })
                }
              />
            </label>
          </div>
          <div className="help">
            What Predict in the app runs with; the same keys as <span className="mono">loupe predict --config</span>.
            The detector is a model id from the Models page or a path to an .onnx file. The keypoint map says which of a
            pose detector&apos;s keypoints are Loupe&apos;s five when its names do not (
            <span className="mono">12_oclock=top,centre=center,…</span>, names or 0-based indices).
          </div>
        </div>

        <PythonSection saved={settings.python} save={save} />

        <label htmlFor="thumb">Thumbnail size</label>
        <div className="field">
          <input
            id="thumb"
            className="input"
            type="number"
            min={64}
            max={1024}
            step={32}
            value={draft.thumbnailSize}
            onChange={(e) => setDraft({ ...draft, thumbnailSize: Number(e.target.value) })}
            onBlur={() =>
              draft.thumbnailSize !== settings.thumbnailSize && void save({ thumbnailSize: draft.thumbnailSize })
            }
          />
          <div className="help">
            Longest side in pixels. Thumbnails are cached in {info?.cacheDir ?? 'the cache folder'}.
          </div>
        </div>
      </div>
    </div>
  );
}

function PredictNumber({
  label,
  id,
  min,
  max,
  step,
  value,
  onChange,
  onCommit,
}: {
  label: string;
  id: string;
  min: number;
  max: number;
  step: number;
  value: number;
  onChange: (v: number) => void;
  onCommit: () => void;
}) {
  return (
    <label className="predict-field" htmlFor={`predict-${id}`}>
      {label}
      <input
        id={`predict-${id}`}
        className="input"
        type="number"
        min={min}
        max={max}
        step={step}
        value={value}
        onChange={(e) => Number.isFinite(e.target.valueAsNumber) && onChange(e.target.valueAsNumber)}
        onBlur={onCommit}
      />
    </label>
  );
}
