/**
 * Folder paths as typed in a field, for the folder browser: where to start browsing. Pure
 * string work (the host may be another machine, with the other kind of separator).
 */

/** The folder above `path` (null at a root: `/`, `C:\`, `\\server\share`). */
export function parentFolder(path: string): string | null {
  const sep = path.includes('\\') && !path.includes('/') ? '\\' : '/';
  const trimmed = path.length > 1 ? path.replace(/[\\/]+$/, '') : path;
  if (/^[A-Za-z]:$/.test(trimmed) || trimmed === '/' || trimmed === '') return null;
  if (/^\\\\[^\\]+\\[^\\]+$/.test(trimmed)) return null;
  const at = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  if (at < 0) return null;
  const up = trimmed.slice(0, at);
  if (up === '') return sep === '/' ? '/' : null;
  if (/^[A-Za-z]:$/.test(up)) return `${up}\\`;
  if (up === '\\' || up === '\\\\') return null;
  return up;
}

/**
 * Where a browser opened from a field tries to start, in order: the field's folder, then the
 * folders above it (a path still being typed, or not made yet, starts at what exists), at most
 * `depth` of them; then null, the host's home folder. A relative or empty path starts at home.
 */
export function browseStarts(path: string, depth = 8): (string | null)[] {
  const p = path.trim();
  const absolute = p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
  if (!absolute) return [null];
  const out: (string | null)[] = [p];
  for (let up = parentFolder(p); up !== null && out.length <= depth; up = parentFolder(up)) out.push(up);
  out.push(null);
  return out;
}
