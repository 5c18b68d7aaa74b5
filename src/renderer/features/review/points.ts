import type { KeypointName, Tier } from '../../../shared/labels';
import type { ReviewState } from '../../../shared/review';

/** Distinct colours (readable on dark dials and white ones) and the clock labels of the points. */
export const POINT_STYLE: Record<KeypointName, { color: string; label: string; title: string }> = {
  top: { color: '#ff5d5d', label: '12', title: '12 o’clock (top)' },
  right: { color: '#f0b43c', label: '3', title: '3 o’clock (right)' },
  bottom: { color: '#4da3ff', label: '6', title: '6 o’clock (bottom)' },
  left: { color: '#3fcf8e', label: '9', title: '9 o’clock (left)' },
  center: { color: '#e36bff', label: 'C', title: 'centre' },
};

export const TIER_STYLE: Record<Tier | 'none', { label: string; short: string; className: string }> = {
  full: { label: 'Full pipeline', short: 'full', className: 'tier-full' },
  'pipeline-fallback': { label: 'Pipeline fallback', short: 'pipeline', className: 'tier-pipeline' },
  'geometric-fallback': { label: 'Geometric fallback', short: 'geometric', className: 'tier-geometric' },
  none: { label: 'Not predicted', short: '—', className: 'tier-none' },
};

export const STATE_STYLE: Record<ReviewState, { label: string; symbol: string; className: string }> = {
  unreviewed: { label: 'Unreviewed', symbol: '', className: 'state-unreviewed' },
  accepted: { label: 'Accepted', symbol: '✓', className: 'state-accepted' },
  corrected: { label: 'Corrected', symbol: '✎', className: 'state-corrected' },
  rejected: { label: 'Rejected', symbol: '✕', className: 'state-rejected' },
  labelled: { label: 'Human label', symbol: '●', className: 'state-labelled' },
};
