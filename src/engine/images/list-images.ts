import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { isImageFileName } from '../../core/naming';

/** Folders Loupe writes itself or that never hold source photos. */
const SKIPPED_DIRS = new Set(['node_modules', 'output_inference', '.loupe']);
const MAX_FILES = 500_000;

/** Image files below `root`, relative paths, sorted so item order is stable across resumes. */
export async function listImages(root: string, recursive: boolean, limit = MAX_FILES): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (out.length >= limit) return;
      if (e.name.startsWith('.')) continue;
      const full = join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const target = await stat(full).catch(() => null);
        isDir = false; // never follow directory links (cycles)
        isFile = target?.isFile() ?? false;
      }
      if (isFile && isImageFileName(e.name)) out.push(relative(root, full));
      else if (isDir && recursive && !SKIPPED_DIRS.has(e.name)) await walk(full);
    }
  };
  await walk(root);
  return out.sort((a, b) => a.localeCompare(b, 'en'));
}
