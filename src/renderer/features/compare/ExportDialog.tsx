import { useEffect, useMemo, useRef, useState } from 'react';
import { formatBytes, formatDuration } from '../../../core/format';
import { ProgressBar } from '../../components/ProgressBar';
import { useApp } from '../../store/app-store';
import {
  CODEC_NAMES,
  download,
  exportPng,
  exportVideo,
  videoCodecFor,
  type ChosenCodec,
  type CodecChoice,
  type VideoProgress,
} from './export';
import { planExport, type ExportDeps, type ExportTarget } from './export-frames';
import { compareSlots, stageColumns } from './render-frame';
import { useCompare, type PaneId } from './store';

/** H.264 level 5.2 and most hardware encoders stop at 4096 pixels on the longer side. */
const VIDEO_MAX_SIDE = 4096;
const VIDEO_SIZES = [
  { id: 'native', label: 'Native (up to 4096 px)', max: VIDEO_MAX_SIDE },
  { id: '1920', label: 'Fit 1920 px', max: 1920 },
  { id: '1280', label: 'Fit 1280 px', max: 1280 },
] as const;
const FPS_CHOICES = [1, 5, 10, 12, 24, 25, 30, 60];

type Kind = 'image' | 'video';

/**
 * Export what the comparison shows: a PNG of this frame (the view with every pane at 1:1 and the
 * labels outside the images, or one pane alone), or a side-by-side video of a range of frames
 * with the labels, per-frame PSNR/SSIM and the frame number. Progress and cancel while encoding.
 */
export function ExportDialog({
  open,
  onClose,
  stage,
  deps,
}: {
  open: boolean;
  onClose: () => void;
  /** The stage's size when the dialog opened (the export keeps the stage's columns). */
  stage: { width: number; height: number } | null;
  deps: ExportDeps & { frameSize: (path: string) => Promise<{ width: number; height: number }> };
}) {
  const notify = useApp((s) => s.notify);
  const session = useCompare((s) => s.session);
  const panes = useCompare((s) => s.panes);
  const mode = useCompare((s) => s.mode);
  const shown = useCompare((s) => s.shown);
  const wipe = useCompare((s) => s.wipe);
  const diff = useCompare((s) => s.diff);
  const frame = useCompare((s) => s.frame);
  const fps = useCompare((s) => s.fps);
  const dialog = useRef<HTMLDialogElement>(null);
  const n = session.frames.length;

  const [kind, setKind] = useState<Kind>('image');
  const [pick, setPick] = useState<'view' | PaneId>('view');
  const [labels, setLabels] = useState(true);
  const [colourBar, setColourBar] = useState(true);
  const [size, setSize] = useState<(typeof VIDEO_SIZES)[number]['id']>('native');
  const [from, setFrom] = useState(1);
  const [to, setTo] = useState(n);
  const [rate, setRate] = useState(fps);
  const [frameSize, setFrameSize] = useState<{ width: number; height: number } | null>(null);
  const [codecChoice, setCodecChoice] = useState<CodecChoice>('auto');
  const [encoder, setEncoder] = useState<{ key: string; codec: ChosenCodec | null } | null>(null);
  const [progress, setProgress] = useState<(VideoProgress & { started: number; at: number }) | null>(null);
  const abort = useRef<AbortController | null>(null);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) {
      setFrom(1);
      setTo(n);
      setRate(FPS_CHOICES.includes(fps) ? fps : 24);
      d.showModal();
    } else if (!open && d.open) d.close();
  }, [open, n, fps]);

  // The frame's own size, from the first pane with a file for this frame.
  const available = useMemo(() => panes.filter((p) => p.available), [panes]);
  useEffect(() => {
    if (!open) return;
    const path = available.map((p) => p.paths[frame]).find((p): p is string => !!p);
    if (!path) return;
    let live = true;
    void deps
      .frameSize(path)
      .then((s) => live && setFrameSize(s))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [open, available, frame, deps]);

  const plan = useMemo(() => {
    if (!frameSize) return null;
    const cols = stageColumns(mode, compareSlots({ panes, shown, mode, wipe, diff }).length, stage, frameSize);
    const max = kind === 'video' ? VIDEO_SIZES.find((v) => v.id === size)!.max : undefined;
    const target: ExportTarget = pick === 'view' ? { kind: 'view' } : { kind: 'pane', pane: pick };
    return planExport(
      { session, panes, shown, mode, wipe, diff },
      { target, labels, colourBar, scale: 1, even: kind === 'video', ...(max ? { maxSide: max } : {}) },
      cols,
      frameSize,
    );
  }, [frameSize, kind, size, pick, labels, colourBar, stage, session, panes, shown, mode, wipe, diff]);

  useEffect(() => {
    if (!plan || kind !== 'video') return;
    let live = true;
    const key = `${plan.layout.width}x${plan.layout.height}@${rate}:${codecChoice}`;
    void videoCodecFor(plan.layout.width, plan.layout.height, rate, codecChoice).then(
      (codec) => live && setEncoder({ key, codec }),
    );
    return () => {
      live = false;
    };
  }, [plan, kind, rate, codecChoice]);

  // The encoder for this size and rate (undefined while it is being asked).
  const codec =
    plan && encoder?.key === `${plan.layout.width}x${plan.layout.height}@${rate}:${codecChoice}`
      ? encoder.codec
      : undefined;
  const busy = progress !== null;
  const rangeValid = Number.isInteger(from) && Number.isInteger(to) && from >= 1 && to <= n && from <= to;

  /** While encoding: cancel (the dialog stays, to export again); else close. */
  const close = (): void => {
    if (abort.current) abort.current.abort();
    else onClose();
  };

  const savePng = async (): Promise<void> => {
    if (!plan) return;
    try {
      const blob = await exportPng(plan, frame, deps);
      const who = pick === 'view' ? mode : fileSafe(panes.find((p) => p.id === pick)?.label ?? 'pane');
      download(blob, `compare_${String(frame).padStart(6, '0')}_${who}.png`);
      onClose();
    } catch (e) {
      notify('error', `Export failed: ${(e as Error).message}`);
    }
  };

  const saveVideo = async (): Promise<void> => {
    if (!plan || !rangeValid || !codec) return;
    const controller = new AbortController();
    abort.current = controller;
    const started = performance.now();
    setProgress({ done: 0, total: to - from + 1, started, at: started });
    try {
      const video = await exportVideo(
        plan,
        { from: from - 1, to: to - 1 },
        rate,
        codec,
        deps,
        (p) => setProgress({ ...p, started, at: performance.now() }),
        controller.signal,
      );
      const who = pick === 'view' ? mode : fileSafe(panes.find((p) => p.id === pick)?.label ?? 'pane');
      download(
        video.blob,
        `compare_${who}_${String(from - 1).padStart(6, '0')}-${String(to - 1).padStart(6, '0')}.mp4`,
      );
      notify(
        'info',
        `Exported ${video.frames} frames, ${video.width}×${video.height} ${CODEC_NAMES[video.codec] ?? video.codec}${video.hardware ? ' (hardware)' : ''} at ${rate} fps (${formatBytes(video.blob.size)}).`,
      );
      onClose();
    } catch (e) {
      if ((e as Error).name !== 'AbortError') notify('error', `Video export failed: ${(e as Error).message}`);
    } finally {
      abort.current = null;
      setProgress(null);
    }
  };

  const elapsed = progress ? (progress.at - progress.started) / 1000 : 0;
  const perSecond = progress && progress.done > 0 ? progress.done / elapsed : null;
  const eta = progress && perSecond ? (progress.total - progress.done) / perSecond : null;

  return (
    <dialog
      ref={dialog}
      className="card prompt-dialog export-dialog"
      aria-labelledby="export-title"
      data-testid="export-dialog"
      onCancel={(e) => {
        e.preventDefault();
        close();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          void (kind === 'image' ? savePng() : saveVideo());
        }}
      >
        <h2 id="export-title">Export</h2>
        <div className="segmented" role="tablist" aria-label="Export as">
          {(['image', 'video'] as Kind[]).map((k) => (
            <button
              key={k}
              type="button"
              role="tab"
              aria-selected={kind === k}
              disabled={busy}
              onClick={() => setKind(k)}
            >
              {k === 'image' ? `PNG of frame ${frame + 1}` : 'Video'}
            </button>
          ))}
        </div>
        <label className="field">
          <span>What</span>
          <select
            className="input"
            aria-label="Export what"
            value={pick}
            disabled={busy}
            onChange={(e) => setPick(e.target.value as 'view' | PaneId)}
          >
            <option value="view">The view ({MODE_NAME[mode]})</option>
            {available.map((p) => (
              <option key={p.id} value={p.id}>
                {mode === 'diff' && p.id !== diff.reference ? `${p.label} (heatmap)` : p.label}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={labels} disabled={busy} onChange={(e) => setLabels(e.target.checked)} />
          Labels, per-frame PSNR/SSIM and the frame number (outside the images)
        </label>
        {plan?.mode === 'diff' && (
          <label className="check">
            <input
              type="checkbox"
              checked={colourBar}
              disabled={busy}
              onChange={(e) => setColourBar(e.target.checked)}
            />
            Colour bar
          </label>
        )}
        {kind === 'video' && (
          <div className="export-video-fields">
            <label className="field">
              <span>Frames</span>
              <span className="row">
                <input
                  className="input narrow"
                  type="number"
                  aria-label="First frame"
                  min={1}
                  max={n}
                  value={from}
                  disabled={busy}
                  onChange={(e) => setFrom(e.target.valueAsNumber)}
                />
                <span className="dim">to</span>
                <input
                  className="input narrow"
                  type="number"
                  aria-label="Last frame"
                  min={1}
                  max={n}
                  value={to}
                  disabled={busy}
                  onChange={(e) => setTo(e.target.valueAsNumber)}
                />
                <span className="dim">of {n}</span>
              </span>
            </label>
            <label className="field">
              <span>Rate</span>
              <select
                className="input"
                aria-label="Video frame rate"
                value={rate}
                disabled={busy}
                onChange={(e) => setRate(Number(e.target.value))}
              >
                {FPS_CHOICES.map((f) => (
                  <option key={f} value={f}>
                    {f} fps
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Codec</span>
              <select
                className="input"
                aria-label="Video codec"
                value={codecChoice}
                disabled={busy}
                onChange={(e) => setCodecChoice(e.target.value as CodecChoice)}
              >
                <option value="auto">Best here (H.264 in hardware, else VP9)</option>
                <option value="avc">H.264 (plays everywhere)</option>
                <option value="vp9">VP9</option>
                <option value="av1">AV1</option>
              </select>
            </label>
            <label className="field">
              <span>Size</span>
              <select
                className="input"
                aria-label="Video size"
                value={size}
                disabled={busy}
                onChange={(e) => setSize(e.target.value as typeof size)}
              >
                {VIDEO_SIZES.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.label}
                  </option>
                ))}
              </select>
            </label>
          </div>
        )}
        <div className="dim small" data-testid="export-summary">
          {plan ? `${plan.layout.width} × ${plan.layout.height} px` : 'measuring the frame…'}
          {kind === 'video' && plan && rangeValid
            ? ` · ${to - from + 1} frames · ${formatDuration((to - from + 1) / rate)} at ${rate} fps · ${
                codec === undefined
                  ? 'checking the encoder…'
                  : codec === null
                    ? 'no encoder for this size here'
                    : `MP4, ${CODEC_NAMES[codec.codec] ?? codec.codec}${codec.hardware ? ' (hardware)' : ''}`
              }`
            : ''}
          {kind === 'video' && !rangeValid ? ` · frames must run from 1 to ${n}, first ≤ last` : ''}
        </div>
        {progress && (
          <div className="stack" data-testid="export-progress">
            <ProgressBar done={progress.done} total={progress.total} status="running" />
            <div className="dim small mono">
              {progress.done} / {progress.total} frames
              {perSecond ? ` · ${perSecond.toFixed(1)} frames/s · ${formatDuration(eta)} left` : ''}
            </div>
          </div>
        )}
        <div className="row">
          <span className="grow" />
          <button type="button" className="btn" onClick={close} data-testid="export-cancel">
            {busy ? 'Cancel export' : 'Close'}
          </button>
          <button
            type="submit"
            className="btn primary"
            data-testid="export-save"
            disabled={!plan || busy || (kind === 'video' && (!rangeValid || !codec))}
          >
            {kind === 'image' ? 'Save PNG' : 'Export video'}
          </button>
        </div>
      </form>
    </dialog>
  );
}

const MODE_NAME = { grid: 'side by side', wipe: 'wipe', diff: 'difference' } as const;

function fileSafe(name: string): string {
  return name.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'pane';
}
