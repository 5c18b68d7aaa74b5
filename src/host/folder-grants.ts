import { realpath } from 'node:fs/promises';
import { platform } from 'node:process';
import { dirname } from 'node:path';
import { notGrantedMessage, type NotGrantedDetails } from '../core/contract/grants';
import { confine, flavorOf, isInside, normalizeAbsolute } from '../core/paths';
import { AppFailure } from '../core/result';

/**
 * The folders the user opened in this session (plus Loupe's own cache). Local files are served to
 * the renderer only from inside them; `..` and symlinks that lead outside are refused.
 *
 * Only a user's act adds a folder (the native dialog, a drop, a path typed and submitted: the
 * `folders:grant`, `folders:open` and `compare:open` verbs). Paths read from files (a batch_summary.json, a job
 * spec's recorded folders) never do; the verbs that read or write a path check it here first.
 */
export class FolderGrants {
  private readonly roots = new Set<string>();
  private readonly flavor = flavorOf(platform);

  constructor(initial: readonly string[] = []) {
    for (const r of initial) this.addSync(r);
  }

  /** Grant a folder (its real path too, so a symlinked folder works). */
  async add(folder: string): Promise<void> {
    this.addSync(folder);
    try {
      this.addSync(await realpath(folder));
    } catch {
      // The folder may not exist yet (the cache); the literal path is granted.
    }
  }

  list(): string[] {
    return [...this.roots];
  }

  /**
   * The real path of `requested` when it is inside a granted folder, else null. Both the literal
   * path and its resolved real path must be inside: a link inside a granted folder that points
   * elsewhere is refused.
   */
  async resolve(requested: string): Promise<string | null> {
    const roots = this.list();
    const literal = confine(requested, roots, this.flavor);
    if (literal === null) return null;
    let real: string;
    try {
      real = await realpath(literal);
    } catch {
      return null;
    }
    const normalized = normalizeAbsolute(real, this.flavor);
    if (normalized === null) return null;
    return roots.some((r) => isInside(normalized, r, this.flavor)) ? normalized : null;
  }

  /**
   * The real path of `requested` when it is granted, else a PERMISSION_DENIED naming the folder
   * to open (`grant`: the path itself for a folder, its parent for a file, unless given).
   */
  async require(requested: string, options: { kind: 'file' | 'folder'; grant?: string }): Promise<string> {
    const resolved = await this.resolve(requested);
    if (resolved !== null) return resolved;
    const details: NotGrantedDetails = {
      path: requested,
      grant: options.grant ?? (options.kind === 'file' ? dirname(requested) : requested),
    };
    throw new AppFailure('PERMISSION_DENIED', notGrantedMessage(requested), { ...details });
  }

  /** Whether an existing path lies inside a granted folder (real path included). */
  async has(requested: string): Promise<boolean> {
    return (await this.resolve(requested)) !== null;
  }

  private addSync(folder: string): void {
    const n = normalizeAbsolute(folder, this.flavor);
    if (n !== null) this.roots.add(n);
  }
}
