/**
 * Pure path arithmetic for confinement checks (the image protocol, the web host's image route).
 * Hosts pass their platform; the Node adapters additionally resolve symlinks and check again.
 */
export type PathFlavor = 'posix' | 'win32';

export function flavorOf(platform: string): PathFlavor {
  return platform === 'win32' ? 'win32' : 'posix';
}

/**
 * Normalise an absolute path: collapse separators, resolve `.` and `..` (never above the root).
 * Returns null for a relative path or one containing a NUL byte.
 */
export function normalizeAbsolute(path: string, flavor: PathFlavor): string | null {
  if (path.includes('\0')) return null;
  if (flavor === 'posix') {
    if (!path.startsWith('/')) return null;
    return '/' + resolveSegments(path.split('/')).join('/');
  }
  const p = path.replace(/\//g, '\\');
  let root: string;
  let rest: string;
  const drive = /^([A-Za-z]):\\/.exec(p);
  const unc = /^\\\\([^\\]+)\\([^\\]+)(\\|$)/.exec(p);
  if (drive) {
    root = `${(drive[1] as string).toUpperCase()}:\\`;
    rest = p.slice(3);
  } else if (unc) {
    root = `\\\\${unc[1]}\\${unc[2]}\\`;
    rest = p.slice(unc[0].length);
  } else {
    return null;
  }
  return root + resolveSegments(rest.split('\\')).join('\\');
}

function resolveSegments(segments: string[]): string[] {
  const out: string[] = [];
  for (const s of segments) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return out;
}

/** Whether `child` is `root` or inside it (both normalised). Windows compares case-insensitively. */
export function isInside(child: string, root: string, flavor: PathFlavor): boolean {
  const sep = flavor === 'posix' ? '/' : '\\';
  const c = flavor === 'win32' ? child.toLowerCase() : child;
  let r = flavor === 'win32' ? root.toLowerCase() : root;
  if (c === r) return true;
  if (!r.endsWith(sep)) r += sep;
  return c.startsWith(r);
}

/**
 * The normalised path when it lies inside one of `roots`, else null. A request such as
 * `/data/photos/../../etc/passwd` normalises to `/etc/passwd` and is refused.
 */
export function confine(requested: string, roots: readonly string[], flavor: PathFlavor): string | null {
  const target = normalizeAbsolute(requested, flavor);
  if (target === null) return null;
  for (const root of roots) {
    const r = normalizeAbsolute(root, flavor);
    if (r !== null && isInside(target, r, flavor)) return target;
  }
  return null;
}
