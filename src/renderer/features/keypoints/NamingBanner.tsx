import { useEffect } from 'react';
import { useApp } from '../../store/app-store';
import { useFolder } from '../../store/folder';

/** How many example names the banner lists (the preview in Settings gets them all). */
const SHOWN = 3;

/**
 * Files whose names the naming pattern does not match are grouped under their folder's name, so
 * their watch IDs (and the templates predictions share) follow the folder, not the watch. The
 * banner says how many, shows a few, and opens the pattern in Settings with a live preview of the
 * folder's own names. When the pattern changes, the folder is read again with it.
 */
export function NamingBanner() {
  const naming = useFolder((s) => s.naming);
  const folder = useFolder((s) => s.folder);
  const images = useFolder((s) => Object.keys(s.items).length);
  const reload = useFolder((s) => s.reload);
  const pattern = useApp((s) => s.settings?.namingPattern);
  const showNamingPattern = useApp((s) => s.showNamingPattern);
  const readWith = naming?.pattern;

  // Read with another pattern than the settings' now (saved in Settings, or by another window).
  useEffect(() => {
    if (readWith !== undefined && pattern !== undefined && readWith !== pattern) void reload();
  }, [pattern, readWith, reload]);

  if (!naming || naming.unmatched === 0) return null;
  const { unmatched, unmatchedExamples } = naming;
  const more = unmatched - Math.min(SHOWN, unmatchedExamples.length);
  return (
    <div className="card naming-banner" role="status" data-testid="naming-banner">
      <div className="naming-banner-text">
        <strong data-testid="naming-unmatched">
          {unmatched === images
            ? `None of the ${images} file names match the naming pattern.`
            : `${unmatched} of ${images} file names do not match the naming pattern.`}
        </strong>{' '}
        They are grouped by their folder&apos;s name instead of a watch ID, so predictions for them share templates by
        folder. For example{' '}
        {unmatchedExamples.slice(0, SHOWN).map((name, i) => (
          <span key={name}>
            {i > 0 ? ', ' : ''}
            <span className="mono">{name}</span>
          </span>
        ))}
        {more > 0 ? ` and ${more} more` : ''}.
      </div>
      <button
        className="btn small"
        data-testid="naming-open-settings"
        onClick={() =>
          showNamingPattern({
            folderName: folder.name,
            names: [...unmatchedExamples, ...naming.matchedExamples.slice(0, 2)],
            unmatched,
          })
        }
      >
        Check the naming pattern…
      </button>
    </div>
  );
}
