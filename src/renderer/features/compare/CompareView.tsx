import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { helpRows, useActionKeys } from '../../actions/actions';
import { HelpOverlay } from '../../components/HelpOverlay';
import { COMPARE_ACTIONS, type CompareActionContext } from './compare-actions';
import { ExportDialog } from './ExportDialog';
import type { FrameCache } from './frame-cache';
import type { HeatmapClient } from './heatmap-compute';
import { useSettled } from './settled';
import { SidePanel } from './SidePanel';
import { Stage } from './Stage';
import { drawnPanes, useCompare, useCompareStore, type CompareMode, type PaneId } from './store';
import { Timeline } from './Timeline';

const FPS_CHOICES = [1, 5, 10, 12, 24, 30, 60];
const HELP_ROWS = helpRows(COMPARE_ACTIONS);
const AHEAD = 8;
const BEHIND = 2;

/** The comparison: toolbar, the stage, the side panel, the frame scrubber and the metrics timeline. */
export function CompareView({
  cache,
  heatmaps,
  active,
  onClose,
}: {
  cache: FrameCache;
  heatmaps: HeatmapClient;
  active: boolean;
  onClose: () => void;
}) {
  const store = useCompareStore();
  const session = useCompare((s) => s.session);
  const panes = useCompare((s) => s.panes);
  const mode = useCompare((s) => s.mode);
  const setMode = useCompare((s) => s.setMode);
  const stageHost = useRef<HTMLDivElement>(null);
  const [warm, setWarm] = useState({ done: 0, total: 0 });
  const frames = session.frames.length;
  const available = useMemo(() => panes.filter((p) => p.available), [panes]);

  const [exporting, setExporting] = useState<{ stage: { width: number; height: number } | null } | null>(null);

  // Keyboard (COMPARE_ACTIONS), while this section is on screen and no field has focus.
  const [help, setHelp] = useState(false);
  useActionKeys(
    COMPARE_ACTIONS,
    (): CompareActionContext => ({
      compare: store.getState,
      frames,
      // Zoom keys work about the centre of a pane (all panes share the view).
      paneSize: () => {
        const box = stageHost.current?.querySelector<HTMLElement>('[data-testid="pane"]')?.getBoundingClientRect();
        return box ? { width: box.width, height: box.height } : null;
      },
      dpr: devicePixelRatio,
      help,
      setHelp,
    }),
    active && exporting === null,
  );

  // Export: the dialog keeps the stage's arrangement (its columns) and decodes frames of its own.
  const exportDeps = useMemo(
    () => ({
      decode: (path: string) => cache.decodeOwned(path),
      heatmaps,
      frameSize: async (path: string) => {
        const known = cache.sizeOf(path);
        if (known) return known;
        const b = await cache.bitmap(path);
        return { width: b.width, height: b.height };
      },
    }),
    [cache, heatmaps],
  );
  // The stage's size as it is now: the dialog arranges the export's columns as the stage does.
  const openExport = (): void => {
    const box = stageHost.current?.querySelector<HTMLElement>('[data-testid="compare-stage"]')?.getBoundingClientRect();
    setExporting({ stage: box ? { width: Math.floor(box.width), height: Math.floor(box.height) } : null });
  };

  return (
    <div className="compare" data-testid="compare-view">
      <div className="compare-toolbar">
        <div className="segmented" role="tablist" aria-label="View">
          {(['grid', 'wipe', 'diff'] as CompareMode[]).map((m) => (
            <button
              key={m}
              role="tab"
              aria-selected={mode === m}
              onClick={() => setMode(m)}
              title={`${MODE_LABEL[m]} (${m[0]})`}
            >
              {MODE_LABEL[m]}
            </button>
          ))}
        </div>
        {mode === 'wipe' && <WipeControls />}
        {mode === 'diff' && <DiffControls />}
        <span className="grow" />
        <span
          className="dim small"
          data-testid="proxies"
          data-done={warm.done}
          data-total={warm.total}
          title="Quick-to-decode copies of the frames, shown while playing or scrubbing; the lossless frames replace them when you stop"
        >
          {warm.done < warm.total ? `preparing playback ${warm.done}/${warm.total}` : ''}
        </span>
        <button className="btn small" onClick={() => store.getState().setView(null)} title="Fit (F)">
          Fit
        </button>
        <button
          className="btn small"
          onClick={openExport}
          data-testid="export"
          title="Export this frame as a PNG at native resolution, or a range of frames as a video"
        >
          Export…
        </button>
        <button
          className="btn small ghost"
          onClick={() => setHelp((h) => !h)}
          aria-label="Keyboard shortcuts"
          title="Keyboard shortcuts (?)"
        >
          ?
        </button>
        <button className="btn small" onClick={onClose} title={session.outputDir}>
          Close
        </button>
      </div>
      <Playback cache={cache} onWarm={setWarm} />
      <div className="compare-main">
        <div className="compare-stage-host" ref={stageHost}>
          <Stage cache={cache} heatmaps={heatmaps} />
          {help && (
            <HelpOverlay
              rows={HELP_ROWS}
              note="Every pane shares one view: zooming or panning one moves them all."
              onClose={() => setHelp(false)}
            />
          )}
        </div>
        <SidePanel cache={cache} />
      </div>
      <ExportDialog
        open={exporting !== null}
        onClose={() => setExporting(null)}
        stage={exporting?.stage ?? null}
        deps={exportDeps}
      />
      <Scrubber />
      <Timeline />
      {available.length === 0 && <div className="card empty">No model produced outputs in this folder.</div>}
    </div>
  );
}

/**
 * Everything that follows the frame but draws nothing: decoding ahead, the engine making
 * proxies, playback. Apart from the view so a frame step re-renders only what shows the frame.
 */
const Playback = memo(function Playback({
  cache,
  onWarm,
}: {
  cache: FrameCache;
  onWarm: (w: { done: number; total: number }) => void;
}) {
  const store = useCompareStore();
  const session = useCompare((s) => s.session);
  const panes = useCompare((s) => s.panes);
  const shown = useCompare((s) => s.shown);
  const frame = useCompare((s) => s.frame);
  const playing = useCompare((s) => s.playing);
  const mode = useCompare((s) => s.mode);
  const wipe = useCompare((s) => s.wipe);
  const diff = useCompare((s) => s.diff);
  const frames = session.frames.length;
  const settled = useSettled(frame, playing);

  // Decode ahead of the frame (and a little behind) for the panes the stage draws in this mode.
  useEffect(() => {
    const list = drawnPanes({
      panes,
      shown,
      mode,
      wipe: { a: wipe.a, b: wipe.b },
      diff: { reference: diff.reference },
    });
    const at = (f: number): (string | null)[] => (f >= 0 && f < frames ? list.map((p) => p.paths[f] ?? null) : []);
    // Proxies ahead (what playback and scrubbing show); the lossless neighbours when at rest.
    for (let d = 1; d <= AHEAD; d++) cache.prefetchProxies(at(frame + d));
    for (let d = 1; d <= BEHIND; d++) cache.prefetchProxies(at(frame - d));
    if (settled) {
      cache.prefetch(at(frame + 1));
      cache.prefetch(at(frame - 1));
    }
  }, [cache, frame, frames, panes, shown, mode, wipe.a, wipe.b, diff.reference, settled]);

  // Proxies for every frame of the shown panes, made by the engine in the background, so
  // playing and scrubbing decode JPEGs instead of PNGs from the first pass on.
  useEffect(() => {
    const list = panes.filter((p) => shown.includes(p.id));
    const paths: string[] = [];
    for (let f = 0; f < frames; f++) for (const p of list) if (p.paths[f]) paths.push(p.paths[f] as string);
    return cache.warm(paths, (done, total) => onWarm({ done, total }));
  }, [cache, panes, shown, frames, onWarm]);

  // Playback: advance at the chosen rate, never past a frame not yet on screen (every frame is
  // shown; a machine too slow for the rate plays slower), and only to a frame already decoded.
  useEffect(() => {
    if (!playing) return;
    let timer = 0;
    let last = performance.now();
    const tick = (now: number): void => {
      const s = store.getState();
      if (now - last >= 1000 / s.fps && s.drawnFrame === s.frame) {
        const next = s.frame + 1 >= frames ? 0 : s.frame + 1;
        const wanted = drawnPanes(s).map((p) => p.paths[next] ?? null);
        if (wanted.every((p) => !p || cache.isReady(p, 'proxy'))) {
          s.setFrame(next);
          last = now;
        } else {
          // Not decoded yet (or its look-ahead was dropped): ask for it first in line.
          for (const p of wanted) if (p) void cache.proxy(p).catch(() => undefined);
        }
      }
      timer = requestAnimationFrame(tick);
    };
    timer = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(timer);
  }, [playing, frames, store, cache]);

  return null;
});

const MODE_LABEL: Record<CompareMode, string> = { grid: 'Side by side', wipe: 'Wipe', diff: 'Difference' };

function WipeControls() {
  const panes = useCompare((s) => s.panes);
  const wipe = useCompare((s) => s.wipe);
  const setWipe = useCompare((s) => s.setWipe);
  const options = panes.filter((p) => p.available);
  return (
    <div className="mode-controls">
      <select
        className="input"
        aria-label="Wipe left"
        value={wipe.a}
        onChange={(e) => setWipe({ a: e.target.value as PaneId })}
      >
        {options.map((p) => (
          <option key={p.id} value={p.id}>
            {p.label}
          </option>
        ))}
      </select>
      <span className="dim">|</span>
      <select
        className="input"
        aria-label="Wipe right"
        value={wipe.b}
        onChange={(e) => setWipe({ b: e.target.value as PaneId })}
      >
        {options.map((p) => (
          <option key={p.id} value={p.id}>
            {p.label}
          </option>
        ))}
      </select>
      <span className="dim small" title="Drag the divider to move it; hold Shift to see the right pane everywhere">
        hold Shift to flip
      </span>
    </div>
  );
}

function DiffControls() {
  const panes = useCompare((s) => s.panes);
  const diff = useCompare((s) => s.diff);
  const setDiff = useCompare((s) => s.setDiff);
  const [scale, setScale] = useState('');
  const options = panes.filter((p) => p.available);
  return (
    <div className="mode-controls">
      <label className="range">
        against
        <select
          className="input"
          aria-label="Difference reference"
          value={diff.reference}
          onChange={(e) => setDiff({ reference: e.target.value as PaneId })}
        >
          {options.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      <label className="range">
        scale
        <input
          className="input narrow"
          aria-label="Heatmap scale"
          placeholder="auto"
          value={scale}
          onChange={(e) => {
            setScale(e.target.value);
            const v = Number(e.target.value);
            setDiff({ scale: e.target.value.trim() && Number.isFinite(v) && v > 0 ? v : null });
          }}
        />
      </label>
    </div>
  );
}

function Scrubber() {
  const session = useCompare((s) => s.session);
  const frame = useCompare((s) => s.frame);
  const setFrame = useCompare((s) => s.setFrame);
  const playing = useCompare((s) => s.playing);
  const setPlaying = useCompare((s) => s.setPlaying);
  const fps = useCompare((s) => s.fps);
  const setFps = useCompare((s) => s.setFps);
  const n = session.frames.length;
  return (
    <div className="scrubber">
      <button
        className="btn small"
        onClick={() => setPlaying(!playing)}
        aria-label={playing ? 'Pause' : 'Play'}
        title="Play / pause (Space)"
        data-testid="play"
      >
        {playing ? '❚❚' : '▶'}
      </button>
      <button
        className="btn small"
        onClick={() => setFrame(frame - 1)}
        disabled={frame <= 0}
        title="Previous frame (←)"
      >
        ←
      </button>
      <input
        type="range"
        min={0}
        max={Math.max(0, n - 1)}
        value={frame}
        onChange={(e) => setFrame(e.target.valueAsNumber)}
        aria-label="Frame"
        className="grow"
      />
      <button
        className="btn small"
        onClick={() => setFrame(frame + 1)}
        disabled={frame >= n - 1}
        title="Next frame (→)"
      >
        →
      </button>
      <span className="mono" data-testid="frame-position">
        {frame + 1} / {n}
      </span>
      <span className="mono dim frame-name" title={session.frames[frame]?.input ?? undefined}>
        {session.frames[frame]?.name}
      </span>
      <select className="input" aria-label="Playback rate" value={fps} onChange={(e) => setFps(Number(e.target.value))}>
        {FPS_CHOICES.map((f) => (
          <option key={f} value={f}>
            {f} fps
          </option>
        ))}
      </select>
    </div>
  );
}
