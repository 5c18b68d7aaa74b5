import type { PixelKeypoints } from '../../../core/geometry/dial';
import { describeRepredicted } from '../../../core/keypoints/template-provenance';
import { KEYPOINT_NAMES } from '../../../shared/labels';
import { useFolder, useFolderStore } from '../../store/folder';
import { dialsState, isDirty, neighbour } from '../../store/folder/editor';
import { POINT_STYLE, STATE_STYLE, TIER_STYLE } from './points';

/** Beside the canvas: where the image is in the list, the points' exact positions and the review actions. */
export function EditorPanel({
  onClose,
  onHelp,
  onFit,
  onActual,
  prediction,
}: {
  onClose: () => void;
  onHelp: () => void;
  onFit: () => void;
  onActual: () => void;
  prediction: PixelKeypoints | null;
}) {
  const current = useFolder((s) => s.current);
  const item = useFolder((s) => (s.current ? s.items[s.current] : undefined));
  const draft = useFolder((s) => s.draft);
  const selected = useFolder((s) => s.selected);
  const visible = useFolder((s) => s.visible());
  const busy = useFolder((s) => s.busy);
  const canUndo = useFolder((s) => s.canUndo);
  const canRedo = useFolder((s) => s.canRedo);
  const dirty = useFolder(isDirty);
  const actions = useFolderStore().getState();
  const index = visible.findIndex((i) => i.imageKey === current);
  if (!item) return null;
  const tier = TIER_STYLE[item.tier ?? 'none'];
  const state = STATE_STYLE[item.state];
  const again = item.state === 'unreviewed' ? describeRepredicted(item.predicted) : null;
  const dials = dialsState(item, draft);

  return (
    <aside className="editor-panel" aria-label="Review">
      <div className="editor-nav">
        <button
          className="btn small"
          onClick={() => actions.step(-1)}
          disabled={!neighbour(visible, current, -1)}
          title="Previous image (←)"
        >
          ←
        </button>
        <span className="mono" data-testid="editor-position">
          {index >= 0 ? `${index + 1} / ${visible.length}` : `— / ${visible.length}`}
        </span>
        <button
          className="btn small"
          onClick={() => actions.step(1)}
          disabled={!neighbour(visible, current, 1)}
          title="Next image (→)"
        >
          →
        </button>
        <span className="grow" />
        <button
          className="btn small ghost"
          onClick={onHelp}
          title="Keyboard shortcuts (?)"
          aria-label="Keyboard shortcuts"
        >
          ?
        </button>
        <button className="btn small" onClick={onClose} title="Back to the grid (Esc)">
          Grid
        </button>
      </div>

      <div className="editor-title">
        <div className="mono key" data-testid="editor-image-key">
          {item.imageKey}
        </div>
        <div className="dim file" title={item.path}>
          {item.fullImageName}
        </div>
        <div className="badges">
          <span className={`tier-chip ${tier.className}`}>{tier.label}</span>
          <span className={`badge ${state.className}`} data-testid="editor-state">
            {state.label}
            {dirty ? ' · edited' : ''}
          </span>
        </div>
        <dl className="facts">
          {item.confidence !== null && (
            <>
              <dt title="Probability that the prediction is within 2 % of the dial diameter (calibrated on the evaluation sets; older predictions: their raw score)">
                Confidence
              </dt>
              <dd className="mono">{item.confidence.toFixed(3)}</dd>
            </>
          )}
          {item.score !== null && (
            <>
              <dt title="1 − the calibrated probability that the prediction is within 2 % of the dial diameter (estimated for older predictions)">
                Wrongness
              </dt>
              <dd className="mono">{item.score.toFixed(2)}</dd>
            </>
          )}
          {item.shown && (
            <>
              <dt>Annotator</dt>
              <dd className="mono">{item.shown.annotator}</dd>
            </>
          )}
        </dl>
        {dials.dials.length > 1 && (
          <p className="dials-note" data-testid="editor-dials" role="note">
            <span>
              Dial {dials.active + 1} of {dials.dials.length}
              {dials.active === 0 ? ' (the most confident)' : ''}
            </span>
            {dials.dials[dials.active] && (
              <span className="dim" data-testid="editor-dial-fit">
                {TIER_STYLE[dials.dials[dials.active]!.tier].short} · {dials.dials[dials.active]!.confidence.toFixed(3)}
              </span>
            )}
            <button
              className="btn small"
              onClick={() => actions.switchDial('next')}
              title="Put the points on the next dial (D); or click a dial's box"
            >
              Next dial
            </button>
          </p>
        )}
        {again && (
          <p className="repredicted-note" data-testid="editor-repredicted" role="note">
            <span aria-hidden>↻ </span>
            {again.sentence}
          </p>
        )}
      </div>

      <table className="points-table" aria-label="Keypoints">
        <thead>
          <tr>
            <th />
            <th>x</th>
            <th>y</th>
            <th title="Distance from the prediction, in image pixels">Δ</th>
          </tr>
        </thead>
        <tbody>
          {draft &&
            KEYPOINT_NAMES.map((n) => {
              const p = draft[n];
              const moved = prediction ? Math.hypot(p[0] - prediction[n][0], p[1] - prediction[n][1]) : null;
              return (
                <tr
                  key={n}
                  className="clickable"
                  aria-selected={selected === n}
                  data-testid={`point-${n}`}
                  onClick={() => actions.select(selected === n ? null : n)}
                >
                  <td>
                    <span className="swatch" style={{ background: POINT_STYLE[n].color }} />
                    {POINT_STYLE[n].title}
                  </td>
                  <td className="mono">{p[0].toFixed(2)}</td>
                  <td className="mono">{p[1].toFixed(2)}</td>
                  <td className="mono dim">{moved !== null && moved >= 0.005 ? moved.toFixed(2) : ''}</td>
                </tr>
              );
            })}
        </tbody>
      </table>

      <div className="editor-tools">
        <button className="btn small" onClick={actions.undo} disabled={!canUndo} title="Undo (Ctrl/⌘+Z)">
          Undo
        </button>
        <button className="btn small" onClick={actions.redo} disabled={!canRedo} title="Redo (Shift+Ctrl/⌘+Z)">
          Redo
        </button>
        <button
          className="btn small"
          onClick={() => actions.reset(true)}
          disabled={!prediction}
          title="Reset all points to the prediction (Shift+R)"
        >
          Reset
        </button>
        <button className="btn small" onClick={onFit} title="Fit (F)">
          Fit
        </button>
        <button className="btn small" onClick={onActual} title="Actual pixels (1)">
          100%
        </button>
      </div>

      <div className="editor-actions">
        {item.state === 'rejected' ? (
          <button className="btn" onClick={() => void actions.unreject()} disabled={busy}>
            Undo rejection
          </button>
        ) : (
          <button
            className="btn danger"
            onClick={() => void actions.reject()}
            disabled={busy || !item.predicted}
            title="Reject the prediction and go to the next image (Backspace)"
          >
            Reject <kbd>⌫</kbd>
          </button>
        )}
        <button
          className="btn primary"
          onClick={() => void actions.accept()}
          disabled={busy || !item.shown}
          title="Save these points as the label and go to the next image (Enter)"
          data-testid="accept"
        >
          {dirty ? 'Save correction' : 'Accept'} <kbd>↵</kbd>
        </button>
      </div>
    </aside>
  );
}
