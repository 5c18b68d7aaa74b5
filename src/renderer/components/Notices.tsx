import { useEffect } from 'react';
import { useApp } from '../store/app-store';
import { CloseIcon } from './icons';

/** Transient messages (errors from verbs, provider fallbacks, engine restarts). */
export function Notices() {
  const notices = useApp((s) => s.notices);
  const dismiss = useApp((s) => s.dismiss);
  useEffect(() => {
    const timers = notices.filter((n) => n.kind === 'info').map((n) => window.setTimeout(() => dismiss(n.id), 6000));
    return () => timers.forEach((t) => window.clearTimeout(t));
  }, [notices, dismiss]);
  if (notices.length === 0) return null;
  return (
    <div className="notices" role="status" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.kind}`}>
          <div className="text">{n.message}</div>
          <button className="btn icon ghost" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
            <CloseIcon size={14} />
          </button>
        </div>
      ))}
    </div>
  );
}
