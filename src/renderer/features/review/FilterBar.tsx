import type { ReviewCounts, SortKey, TierFilter } from '../../../core/keypoints/review-list';
import { filtersActive } from '../../../core/keypoints/review-list';
import type { ReviewState } from '../../../shared/review';
import { useFolder } from '../../store/folder';
import { STATE_STYLE, TIER_STYLE } from './points';

const TIERS: TierFilter[] = ['full', 'pipeline-fallback', 'geometric-fallback', 'none'];
const STATES: ReviewState[] = ['unreviewed', 'accepted', 'corrected', 'rejected', 'labelled'];

/** Filters of the review grid: tier, review state, confidence, text; and the order. */
export function FilterBar({ counts, shown }: { counts: ReviewCounts; shown: number }) {
  const filters = useFolder((s) => s.filters);
  const toggleTier = useFolder((s) => s.toggleTier);
  const toggleState = useFolder((s) => s.toggleState);
  const setFilters = useFolder((s) => s.setFilters);
  const clear = useFolder((s) => s.clearFilters);
  const tierCount = (t: TierFilter): number =>
    t === 'none'
      ? counts.images - counts.byTier.full - counts.byTier['pipeline-fallback'] - counts.byTier['geometric-fallback']
      : counts.byTier[t];

  return (
    <div className="filter-bar" role="toolbar" aria-label="Filters">
      <div className="filter-group" role="group" aria-label="Tier">
        {TIERS.map((t) => (
          <button
            key={t}
            className={`chip ${TIER_STYLE[t].className}`}
            aria-pressed={filters.tiers.includes(t)}
            onClick={() => toggleTier(t)}
            title={`Only ${TIER_STYLE[t].label.toLowerCase()} (toggle)`}
          >
            <span className="swatch" />
            {TIER_STYLE[t].label} <span className="count">{tierCount(t)}</span>
          </button>
        ))}
      </div>
      <div className="filter-group" role="group" aria-label="Review state">
        {STATES.map((s) => (
          <button
            key={s}
            className={`chip ${STATE_STYLE[s].className}`}
            aria-pressed={filters.states.includes(s)}
            onClick={() => toggleState(s)}
          >
            {STATE_STYLE[s].label} <span className="count">{counts.byState[s]}</span>
          </button>
        ))}
      </div>
      <div className="filter-group">
        <label
          className="range"
          title="Prediction confidence: the probability its error is within 2 % of the dial diameter (inclusive)"
        >
          Confidence
          <input
            type="number"
            className="input narrow"
            aria-label="Minimum confidence"
            min={0}
            max={1}
            step={0.05}
            value={filters.confidence[0]}
            onChange={(e) => setFilters({ confidence: [clamp01(e.target.valueAsNumber, 0), filters.confidence[1]] })}
          />
          –
          <input
            type="number"
            className="input narrow"
            aria-label="Maximum confidence"
            min={0}
            max={1}
            step={0.05}
            value={filters.confidence[1]}
            onChange={(e) => setFilters({ confidence: [filters.confidence[0], clamp01(e.target.valueAsNumber, 1)] })}
          />
        </label>
        <input
          type="search"
          className="input"
          placeholder="Image key…"
          aria-label="Search image keys"
          value={filters.query}
          onChange={(e) => setFilters({ query: e.target.value })}
        />
        <label className="range">
          Sort
          <select
            className="input"
            aria-label="Sort"
            value={filters.sort}
            onChange={(e) => setFilters({ sort: e.target.value as SortKey })}
          >
            <option value="name">Name</option>
            <option value="wrongness">Least likely right first</option>
            <option value="confidence">Lowest confidence first</option>
          </select>
        </label>
        <span className="dim" data-testid="shown-count">
          {shown} of {counts.images}
        </span>
        {filtersActive(filters) && (
          <button className="btn small ghost" onClick={clear}>
            Clear filters
          </button>
        )}
      </div>
    </div>
  );
}

function clamp01(v: number, fallback: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : fallback;
}
