const SHORTCUTS: [string, string][] = [
  ['Tab / Shift+Tab', 'Select the next / previous point'],
  ['← ↑ → ↓', 'Nudge the selected point 1 px'],
  ['Shift + arrows', 'Nudge 10 px'],
  ['Alt + arrows', 'Nudge 0.1 px'],
  ['← / →', 'Previous / next image (no point selected)'],
  ['Enter', 'Accept (or save the correction) and go to the next image'],
  ['Backspace', 'Reject the prediction and go to the next image'],
  ['R / Shift+R', 'Reset the selected point / all points to the prediction'],
  ['Ctrl/⌘+Z', 'Undo'],
  ['Shift+Ctrl/⌘+Z, Ctrl+Y', 'Redo'],
  ['Wheel / pinch', 'Zoom to the pointer'],
  ['Space + drag, drag the background', 'Pan'],
  ['+ / −', 'Zoom in / out'],
  ['F', 'Fit the image'],
  ['1', 'Actual pixels (100 %), on the selected point'],
  ['Esc', 'Deselect, then back to the grid'],
  ['?', 'Show or hide this help'],
];

/** Every shortcut of the editor, over the canvas. */
export function HelpOverlay({ onClose }: { onClose: () => void }) {
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
            {SHORTCUTS.map(([k, what]) => (
              <tr key={k}>
                <td>
                  <kbd>{k}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="dim">
          Drag a point to move it; a magnifier follows the cursor. Positions are kept to sub-pixel precision.
        </p>
      </div>
    </div>
  );
}
