import type { ReactNode } from 'react';
import type { HelpRow } from '../actions/actions';

/** A view's keyboard shortcuts (the rows of its action table), over its canvas. */
export function HelpOverlay({
  rows,
  note,
  onClose,
}: {
  rows: readonly HelpRow[];
  note?: ReactNode;
  onClose: () => void;
}) {
  return (
    <div
      className="help-overlay"
      role="dialog"
      aria-label="Keyboard shortcuts"
      onPointerDown={(e) => e.stopPropagation()}
    >
      <div className="help-card">
        <div className="row">
          <strong>Keyboard shortcuts</strong>
          <span className="grow" />
          <button className="btn small ghost" onClick={onClose}>
            Close
          </button>
        </div>
        <table>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td>
                  <kbd>{r.keys}</kbd>
                </td>
                <td>{r.label}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {note && <p className="dim">{note}</p>}
      </div>
    </div>
  );
}
