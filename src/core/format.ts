/** Human-readable numbers for the UI and the CLI. */

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/**
 * A rate, always per second (one unit for the whole job: a rate that crossed 1/s used to flip
 * between /s and /min), with the digits its size needs: 12 /s, 2.5 /s, 0.31 /s, 0.042 /s.
 */
export function formatRate(perSecond: number | null, unit = 'items'): string {
  if (perSecond === null || !Number.isFinite(perSecond)) return '—';
  if (perSecond >= 10) return `${perSecond.toFixed(0)} ${unit}/s`;
  if (perSecond >= 1) return `${perSecond.toFixed(1)} ${unit}/s`;
  if (perSecond > 0)
    return `${perSecond
      .toPrecision(2)
      .replace(/(\.\d*?)0+$/, '$1')
      .replace(/\.$/, '')} ${unit}/s`;
  return `0 ${unit}/s`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export function formatPercent(done: number, total: number | null): string {
  if (!total) return '—';
  return `${Math.floor((100 * done) / total)}%`;
}

export function formatShape(dims: readonly (number | string)[]): string {
  return `[${dims.join(', ')}]`;
}
