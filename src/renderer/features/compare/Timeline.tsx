import { memo, useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { scoreKey, timelineData, type MetricKey } from '../../../core/compare/metrics';
import { paneColour } from './palette';
import { useCompare, useCompareStore } from './store';

/** The chart's axis title of a metric. */
function axisLabel(metric: MetricKey): string {
  if (metric.startsWith('score:')) return metric.slice('score:'.length);
  return metric === 'psnr' ? 'PSNR (dB)' : metric === 'tpsnr' ? 'tPSNR (dB)' : 'SSIM';
}

/** A value as the chart's legend shows it: dB to 2 decimals, SSIM and metric-model scores to 4. */
const valueText = (metric: MetricKey, v: number): string =>
  metric === 'psnr' || metric === 'tpsnr' ? v.toFixed(2) : v.toFixed(4);

/**
 * PSNR, SSIM, tPSNR or a metric model's score per frame per model (uPlot); the current frame is
 * marked, and a click on the chart jumps to the frame under the cursor.
 */
export const Timeline = memo(function Timeline() {
  const store = useCompareStore();
  const session = useCompare((s) => s.session);
  const metric = useCompare((s) => s.metric);
  const setMetric = useCompare((s) => s.setMetric);
  const frame = useCompare((s) => s.frame);
  const ref = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const models = useMemo(() => session.models.filter((m) => m.psnr.some((v) => v !== null)), [session]);

  useEffect(() => {
    const el = ref.current;
    if (!el || models.length === 0) return;
    // Frames are numbered from 1 on screen (the scrubber, the worst-frames list).
    const [x, ...ys] = timelineData(models, metric, session.frames.length);
    const data = [x.map((i) => i + 1), ...ys] as uPlot.AlignedData;
    const allModels = session.models;
    const u = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: 130,
        legend: { show: true, live: true },
        cursor: { drag: { x: false, y: false }, points: { size: 6 } },
        scales: { x: { time: false } },
        axes: [
          {
            stroke: '#a2a9b4',
            grid: { stroke: '#2a2f37' },
            ticks: { stroke: '#2a2f37' },
            incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
          },
          {
            stroke: '#a2a9b4',
            grid: { stroke: '#2a2f37' },
            ticks: { stroke: '#2a2f37' },
            label: axisLabel(metric),
            size: 56,
          },
        ],
        series: [
          { label: 'frame', value: (_u: uPlot, v: number | null) => (v == null ? '—' : String(v)) },
          ...models.map((m) => ({
            label: m.name,
            stroke: paneColour(`model:${m.name}`, allModels.indexOf(m)),
            width: 1.5,
            spanGaps: false,
            value: (_u: uPlot, v: number | null) => (v == null ? '—' : valueText(metric, v)),
          })),
        ],
        hooks: {
          draw: [
            (u) => {
              const at = store.getState().frame + 1;
              const x = u.valToPos(at, 'x', true);
              const ctx = u.ctx;
              ctx.save();
              ctx.strokeStyle = 'rgba(255,255,255,0.6)';
              ctx.lineWidth = 1 * devicePixelRatio;
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.restore();
            },
          ],
        },
      },
      data,
      el,
    );
    plot.current = u;
    const onClick = (): void => {
      const left = u.cursor.left;
      if (left === undefined || left < 0) return;
      store.getState().setFrame(Math.round(u.posToVal(left, 'x')) - 1);
    };
    u.over.addEventListener('click', onClick);
    const observer = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: 130 }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      u.over.removeEventListener('click', onClick);
      u.destroy();
      plot.current = null;
    };
  }, [models, metric, session, store]);

  // Move the frame marker without rebuilding the chart.
  useEffect(() => {
    plot.current?.redraw(false, false);
  }, [frame]);

  if (models.length === 0) {
    return <div className="timeline empty-note dim">No ground truth: no per-frame metrics to chart.</div>;
  }
  return (
    <div className="timeline" data-testid="timeline">
      <div className="timeline-head">
        <div className="segmented" role="group" aria-label="Metric">
          <button aria-pressed={metric === 'psnr'} onClick={() => setMetric('psnr')}>
            PSNR
          </button>
          <button aria-pressed={metric === 'ssim'} onClick={() => setMetric('ssim')}>
            SSIM
          </button>
          {session.temporalDefinition && (
            <button
              aria-pressed={metric === 'tpsnr'}
              onClick={() => setMetric('tpsnr')}
              title={`Temporal consistency: ${session.temporalDefinition}`}
            >
              tPSNR
            </button>
          )}
          {session.metricModels.map((m) => (
            <button
              key={m.name}
              aria-pressed={metric === scoreKey(m.name)}
              onClick={() => setMetric(scoreKey(m.name))}
              title={`${m.name} (${m.better} is better): ${m.definition}`}
            >
              {m.name}
            </button>
          ))}
        </div>
        <span className="dim small">click the chart to jump to a frame</span>
      </div>
      <div ref={ref} className="timeline-plot" data-testid="timeline-plot" />
    </div>
  );
});
