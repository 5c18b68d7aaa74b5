import { readdir, readlink, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { ErrorCode } from '../../shared/result';
import { isImageFileName } from '../../core/naming';

/** Folders Loupe writes itself or that never hold source photos. */
const SKIPPED_DIRS = new Set(['node_modules', 'output_inference', '.loupe']);
const MAX_FILES = 500_000;

/** Something below the root the walk could not follow, and why. */
export interface WalkProblem {
  /** Relative to the root ('.' for the root itself). */
  path: string;
  code: ErrorCode;
  reason: string;
}

/**
 * Image files below `root` (relative paths, sorted so item order is stable across resumes), and
 * what could not be followed: a symbolic link that loops, a link to an image that is gone, a
 * folder that may not be read. Links to folders are never followed (cycles); links to files are.
 */
export async function walkImages(
  root: string,
  recursive: boolean,
  limit = MAX_FILES,
): Promise<{ files: string[]; problems: WalkProblem[] }> {
  const files: string[] = [];
  const problems: WalkProblem[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A root that does not exist is the caller's to report; a folder that cannot be listed is not.
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      const rel = relative(root, dir) || '.';
      problems.push(
        code === 'EACCES' || code === 'EPERM'
          ? { path: rel, code: 'PERMISSION_DENIED', reason: `permission denied: cannot list the folder ${rel}` }
          : { path: rel, code: 'IO_ERROR', reason: `cannot list the folder ${rel}: ${(e as Error).message}` },
      );
      return;
    }
    for (const e of entries) {
      if (files.length >= limit) return;
      if (e.name.startsWith('.')) continue;
      const full = join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        isDir = false; // never follow directory links (cycles)
        try {
          isFile = (await stat(full)).isFile();
        } catch (err) {
          isFile = false;
          const code = (err as NodeJS.ErrnoException).code;
          const rel = relative(root, full);
          const target = await readlink(full).catch(() => '?');
          // A loop is reported whatever its name; a broken link only where it names an image.
          if (code === 'ELOOP')
            problems.push({ path: rel, code: 'IO_ERROR', reason: `a symbolic link loop (${rel} → ${target})` });
          else if (isImageFileName(e.name))
            problems.push({
              path: rel,
              code: code === 'ENOENT' ? 'NOT_FOUND' : 'IO_ERROR',
              reason:
                code === 'ENOENT'
                  ? `a broken symbolic link (${rel} → ${target})`
                  : `cannot follow the symbolic link ${rel} → ${target} (${code ?? (err as Error).message})`,
            });
        }
      }
      if (isFile && isImageFileName(e.name)) files.push(relative(root, full));
      else if (isDir && recursive && !SKIPPED_DIRS.has(e.name)) await walk(full);
    }
  };
  await walk(root);
  const byName = (a: string, b: string): number => a.localeCompare(b, 'en');
  return { files: files.sort(byName), problems: problems.sort((a, b) => byName(a.path, b.path)) };
}

/** Image files below `root`, as walkImages finds them (for callers that only count or list). */
export async function listImages(root: string, recursive: boolean, limit = MAX_FILES): Promise<string[]> {
  return (await walkImages(root, recursive, limit)).files;
}
