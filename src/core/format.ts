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

/**
 * The one timestamp format Loupe writes, everywhere (label records, reviews, rejections, reports,
 * manifests, logs): ISO 8601 in UTC with microseconds and an explicit `+00:00` offset, as Python's
 * `datetime.now(timezone.utc).isoformat()` writes it. Python 3.7+'s `datetime.fromisoformat`
 * reads it (it refuses a trailing `Z` before 3.11), and it orders correctly as text. JavaScript
 * clocks have millisecond resolution, so the last three digits are zero.
 */
export function isoTimestamp(time: number | Date): string {
  const iso = new Date(time).toISOString(); // 2026-12-02T13:04:05.123Z
  return `${iso.slice(0, -1)}000+00:00`;
}

/**
 * Another tool's timestamp (Label Studio's `2025-03-01T09:12:44.201311Z`, an offset like
 * `+02:00`) in Loupe's format, keeping its microseconds when it is already UTC. A time without a
 * zone is returned as it is: which zone it meant cannot be known.
 */
export function toIsoTimestamp(text: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/i.exec(text.trim());
  if (!m || !m[3]) return text;
  if (/^(z|[+-]00:?00)$/i.test(m[3])) return `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}+00:00`;
  const at = Date.parse(text);
  return Number.isNaN(at) ? text : isoTimestamp(at);
}
