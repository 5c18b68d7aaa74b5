import { useEffect, useRef, useState } from 'react';
import { useApp } from '../store/app-store';

/**
 * "Who is reviewing?", asked before the first review of a session while the reviewer is still
 * named the default: every label Loupe writes carries the name as `annotator`, and "reviewer" on
 * every label tells a team nothing. Saved in Settings (where it can be changed later).
 */
export function ReviewerPrompt() {
  const prompt = useApp((s) => s.reviewerPrompt);
  const [name, setName] = useState('');
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (prompt && !d.open) {
      setName('');
      d.showModal();
    } else if (!prompt && d.open) d.close();
  }, [prompt]);
  const valid = name.trim().length > 0 && name.trim().length <= 100;
  return (
    <dialog
      ref={dialog}
      className="card prompt-dialog"
      aria-labelledby="reviewer-prompt-title"
      // Escape (the dialog's cancel) is declining: nothing is written.
      onCancel={() => prompt?.answer(null)}
    >
      <form
        method="dialog"
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) prompt?.answer(name);
        }}
      >
        <h2 id="reviewer-prompt-title">Who is reviewing?</h2>
        <p className="dim">
          Your name goes on every label you accept, correct or reject (as <code>annotator</code>), so a team can tell
          whose labels are whose. You can change it later in Settings.
        </p>
        <label htmlFor="reviewer-prompt-name">Your name</label>
        <input
          id="reviewer-prompt-name"
          className="input"
          autoFocus
          maxLength={100}
          value={name}
          placeholder="e.g. Dana Kim"
          onChange={(e) => setName(e.target.value)}
        />
        <div className="row">
          <span className="grow" />
          <button type="button" className="btn" onClick={() => prompt?.answer(null)}>
            Not now
          </button>
          <button type="submit" className="btn primary" disabled={!valid}>
            Save and review
          </button>
        </div>
      </form>
    </dialog>
  );
}
