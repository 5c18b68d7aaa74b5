import { memo, useEffect, useMemo, useState, type ReactNode } from 'react';
import {
  directionOf,
  ranking,
  scoreKey,
  worstFrames,
  type MetricKey,
  type RankOrder,
  type RankRow,
} from '../../../core/compare/metrics';
import type { FrameCache } from './frame-cache';
import { paneColour } from './palette';
import { MAX_MODEL_PANES, useCompare, type Pane } from './store';

/** Beside the stage: which panes to show, the ranking, each model's worst frames, the pixel inspector. */
export const SidePanel = memo(function SidePanel({ cache }: { cache: FrameCache }) {
  const session = useCompare((s) => s.session);
  const panes = useCompare((s) => s.panes);
  const shown = useCompare((s) => s.shown);
  const toggle = useCompare((s) => s.togglePane);
  const metric = useCompare((s) => s.metric);
  const setFrame = useCompare((s) => s.setFrame);
  // The ranking's order: PSNR (best first), or the column the user clicked, best first as it is better.
  const [rankBy, setRankBy] = useState<MetricKey>('psnr');
  const order: RankOrder = useMemo(
    () => ({ by: rankBy, better: directionOf(rankBy, session.metricModels) }),
    [rankBy, session],
  );
  const rows = useMemo(() => ranking(session.models, session.baseline, order), [session, order]);
  const modelPanes = panes.filter((p) => p.id.startsWith('model:'));
  const models = shown.filter((id) => id.startsWith('model:')).length;
  const [worstOf, setWorstOf] = useState<string | null>(null);
  const worstModel = session.models.find((m) => m.name === (worstOf ?? rows.find((r) => !r.baseline)?.name)) ?? null;

  return (
    <aside className="compare-side">
      <section>
        <div className="section-title">Panes</div>
        <ul className="pane-list">
          {panes.map((p) => (
            <li key={p.id} title={p.reason ?? undefined}>
              <label className={p.available ? '' : 'faint'}>
                <input
                  type="checkbox"
                  checked={shown.includes(p.id)}
                  disabled={
                    !p.available || (!shown.includes(p.id) && p.id.startsWith('model:') && models >= MAX_MODEL_PANES)
                  }
                  onChange={() => toggle(p.id)}
                  aria-label={`Show ${p.label}`}
                />
                <span className="swatch" style={{ background: paneColour(p.id, modelPanes.indexOf(p)) }} />
                <span className="name">{p.label}</span>
                {p.exported && (
                  <span
                    className="badge"
                    title={`A PyTorch model, run as its ONNX export${p.exported.cached ? ' (from the cache)' : ''}: max |torch − ONNX| ${p.exported.parity.toExponential(1)} on the check frame`}
                  >
                    PyTorch
                  </span>
                )}
                {!p.available && <span className="badge danger">{p.reason?.split(':')[0]}</span>}
              </label>
              {!p.available && p.reason && <div className="reason">{p.reason}</div>}
            </li>
          ))}
        </ul>
        <div className="dim small">Up to {MAX_MODEL_PANES} models beside the input and ground truth.</div>
      </section>

      {rows.some((r) => r.rank !== null) && (
        <section>
          <div className="section-title">Ranking</div>
          {/* Two lines a model, so every number fits the panel: rank, name and the value ranked by,
              then the others, each labelled. The header row picks what to rank by. */}
          <table className="rank-table" aria-label="Ranking" data-testid="ranking">
            <thead>
              <tr className="rank-by">
                <th className="label">Rank by</th>
                <SortHeader by="psnr" current={rankBy} onSort={setRankBy} title="Mean PSNR, dB (higher is better)">
                  PSNR
                </SortHeader>
                <SortHeader by="ssim" current={rankBy} onSort={setRankBy} title="Mean SSIM (higher is better)">
                  SSIM
                </SortHeader>
                {session.temporalDefinition && (
                  <SortHeader
                    by="tpsnr"
                    current={rankBy}
                    onSort={setRankBy}
                    title={`Temporal consistency, dB (higher is steadier): ${session.temporalDefinition}`}
                  >
                    tPSNR
                  </SortHeader>
                )}
                {session.metricModels.map((m) => (
                  <SortHeader
                    key={m.name}
                    by={scoreKey(m.name)}
                    current={rankBy}
                    onSort={setRankBy}
                    title={`${m.name}, mean (${m.better} is better): ${m.definition}`}
                    testId={`metric-head-${m.name}`}
                  >
                    {m.name} {m.better === 'lower' ? '↓' : '↑'}
                  </SortHeader>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr
                  key={r.baseline ? ' baseline' : r.name}
                  className={r.baseline ? 'baseline' : 'clickable'}
                  data-baseline={r.baseline || undefined}
                  onClick={r.baseline ? undefined : () => setWorstOf(r.name)}
                  aria-selected={!r.baseline && worstModel?.name === r.name}
                >
                  <td className="rank">{r.rank ?? '—'}</td>
                  <td className="name" title={r.baseline ? 'The input frames against the ground truth' : r.name}>
                    {r.name}
                  </td>
                  <td className="mono primary" title={`mean ${labelOf(rankBy)}`}>
                    {formatValue(rankBy, valueOf(r, rankBy))}
                  </td>
                  <td className="details mono">
                    <span>
                      PSNR {r.psnr?.toFixed(2) ?? '—'}
                      {r.psnrDelta ? <span className="faint"> ({r.psnrDelta.toFixed(2)})</span> : null}
                    </span>
                    <span>SSIM {r.ssim?.toFixed(4) ?? '—'}</span>
                    {session.temporalDefinition && (
                      <span>
                        tPSNR <span data-testid={r.baseline ? undefined : 'tpsnr'}>{r.tpsnr?.toFixed(2) ?? '—'}</span>
                      </span>
                    )}
                    {session.metricModels.map((m) => (
                      <span key={m.name}>
                        {m.name} <span data-testid={`metric-${m.name}`}>{r.scores[m.name]?.toFixed(4) ?? '—'}</span>
                      </span>
                    ))}
                    {session.baseline && r.gain && (
                      <span
                        className="gain"
                        title="Gain over the input against the ground truth: PSNR in dB, SSIM as a difference"
                      >
                        gain <span data-testid="gain">{gainText(r.gain)}</span>
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      {worstModel && worstModel.psnr.some((v) => v !== null) && (
        <section>
          <div className="section-title">
            Worst frames · <span className="mono">{worstModel.name}</span>
          </div>
          <ol className="worst-list" data-testid="worst-frames">
            {worstFrames(worstModel, metric, 5, directionOf(metric, session.metricModels)).map((w) => (
              <li key={w.index}>
                <button className="link" onClick={() => setFrame(w.index)}>
                  frame {w.index + 1}
                </button>{' '}
                <span className="mono">
                  {metric === 'psnr' || metric === 'tpsnr' ? `${w.value.toFixed(2)} dB` : w.value.toFixed(4)}
                </span>
              </li>
            ))}
          </ol>
        </section>
      )}

      <Inspector cache={cache} />
    </aside>
  );
});

/** A ranking column's header: click to rank by it (best first, as the metric is better). */
function SortHeader({
  by,
  current,
  onSort,
  title,
  testId,
  children,
}: {
  by: MetricKey;
  current: MetricKey;
  onSort: (by: MetricKey) => void;
  title: string;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <th title={title} data-testid={testId}>
      <button className="link sort" aria-pressed={current === by} onClick={() => onSort(by)}>
        {children}
      </button>
    </th>
  );
}

/** The values of every shown pane at the pixel under the cursor. */
function Inspector({ cache }: { cache: FrameCache }) {
  const probe = useCompare((s) => s.probe);
  const panes = useCompare((s) => s.panes);
  const shown = useCompare((s) => s.shown);
  const frame = useCompare((s) => s.frame);
  const playing = useCompare((s) => s.playing);
  const [values, setValues] = useState<{ key: string; rows: { pane: Pane; rgb: number[] | null }[] } | null>(null);
  const px = probe ? [Math.floor(probe[0]), Math.floor(probe[1])] : null;
  const key = px ? `${frame}:${px[0]}:${px[1]}:${shown.join(',')}` : '';

  // Read once the pointer and the frame rest (lossless pixels cost a decode; never while playing).
  useEffect(() => {
    if (!px || playing) return;
    let live = true;
    const list = shown.map((id) => panes.find((p) => p.id === id)).filter((p): p is Pane => !!p);
    const timer = setTimeout(
      () =>
        void Promise.all(
          list.map(async (pane) => {
            const path = pane.paths[frame];
            if (!path) return { pane, rgb: null };
            try {
              const d = await cache.imageData(path);
              const [x, y] = px as [number, number];
              if (x < 0 || y < 0 || x >= d.width || y >= d.height) return { pane, rgb: null };
              const i = (y * d.width + x) * 4;
              return { pane, rgb: [d.data[i]!, d.data[i + 1]!, d.data[i + 2]!] };
            } catch {
              return { pane, rgb: null };
            }
          }),
        ).then((rows) => {
          if (live) setValues({ key, rows });
        }),
      120,
    );
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // px is derived from key.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, cache, playing]);

  return (
    <section>
      <div className="section-title">Pixel</div>
      {!px || !values ? (
        <div className="dim small">Point at an image to read every pane’s values there.</div>
      ) : (
        <table className="inspector mono" data-testid="inspector">
          <caption>
            x {px[0]} · y {px[1]}
          </caption>
          <tbody>
            {values.rows.map(({ pane, rgb }) => (
              <tr key={pane.id}>
                <td className="name">{pane.label}</td>
                {rgb ? (
                  <>
                    <td>
                      <span className="chip-rgb" style={{ background: `rgb(${rgb.join(',')})` }} />
                    </td>
                    <td>{rgb[0]}</td>
                    <td>{rgb[1]}</td>
                    <td>{rgb[2]}</td>
                  </>
                ) : (
                  <td colSpan={4} className="faint">
                    —
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** A model's gain over its input: `+3.21 dB · Δ +0.0412`. */
/** A row's value of the metric it is ranked by. */
function valueOf(r: RankRow, key: MetricKey): number | null {
  if (key === 'psnr') return r.psnr;
  if (key === 'ssim') return r.ssim;
  if (key === 'tpsnr') return r.tpsnr;
  return r.scores[key.slice('score:'.length)] ?? null;
}

function labelOf(key: MetricKey): string {
  return key === 'psnr' ? 'PSNR' : key === 'ssim' ? 'SSIM' : key === 'tpsnr' ? 'tPSNR' : key.slice('score:'.length);
}

function formatValue(key: MetricKey, v: number | null): string {
  if (v === null) return '—';
  return key === 'psnr' || key === 'tpsnr' ? `${v.toFixed(2)} dB` : v.toFixed(4);
}

function gainText(g: { psnr: number | null; ssim: number | null }): string {
  const signed = (v: number, digits: number): string => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;
  return [g.psnr !== null ? `${signed(g.psnr, 2)} dB` : null, g.ssim !== null ? `Δ ${signed(g.ssim, 4)}` : null]
    .filter(Boolean)
    .join(' · ');
}
