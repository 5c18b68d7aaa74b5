import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
// proper-lockfile (moxystudio; the lock npm's own tooling and electron-builder use): a lock
// *directory* made with mkdir, which is atomic on every local and network file system Node runs
// on, kept fresh by touching its mtime and taken over once stale, so a writer killed while holding
// it blocks the others for `staleMs` at most. A hand-made lock gets those cases wrong.
import lockfile from 'proper-lockfile';
import type { LabelFile, LabelRecord } from '../../shared/labels';
import { mergeInto, parseLabelFile, serializeLabelFile } from '../../core/formats/labels';
import { AppFailure, toAppError } from '../../core/result';
import { atomicTempPath } from '../fs/atomic';

export interface LabelStoreOptions {
  /**
   * A lock whose holder stopped touching it this long ago is taken over (≥ 2000; default 3 s).
   * Holders touch it every half of this; a lock is held for milliseconds (one read-merge-rename),
   * so the only cost of a short value is what a writer killed while holding it makes others wait.
   */
  staleMs?: number;
  /** Rewrites tried when the file keeps changing between the read and the rename (default 20). */
  maxAttempts?: number;
  /**
   * Runs after the new version is written to its temp file and before the file is compared with
   * the version that was read: the window another tool (one that takes no lock) can write in.
   * Tests use it to write there; nothing else should.
   */
  beforeCommit?: (path: string, attempt: number) => Promise<void>;
}

/** The lock directory of a file: hidden, beside it (`.PATEK_nab_001.json.lock`). */
export function lockPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.lock`);
}

interface Version {
  /** null when the file does not exist. */
  text: string | null;
  ino: number;
  size: number;
  mtimeMs: number;
}

/**
 * The one way Loupe writes label files (and the rejections files beside them). For each file:
 *
 * 1. one writer at a time in this process (a queue per file path);
 * 2. one writer at a time across processes: the app, `loupe predict`, `loupe convert`, a second
 *    app instance (a lock beside the file, see `lockPathFor`; other tools may take it too);
 * 3. read the file, compute the new content from what is on disk now, write it to a temp file;
 * 4. compare-before-rename: the file must still be the version read (same content, inode, size,
 *    mtime), else someone who does not take the lock changed it: read again, recompute, retry;
 * 5. rename the temp file over it (readers see the old or the new file, never a torn one).
 *
 * Unknown fields survive because every change is computed from the file as it is on disk.
 */
export class LabelStore {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly staleMs: number;
  private readonly maxAttempts: number;

  constructor(private readonly options: LabelStoreOptions = {}) {
    this.staleMs = Math.max(2000, options.staleMs ?? 3000);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 20);
  }

  /**
   * Merge `records` into the label file at `path` (core's `mergeInto`: records on disk that
   * `isProtected` accepts stay; unknown fields stay). A file that does not parse is not written.
   */
  merge(path: string, records: LabelFile, isProtected: (r: LabelRecord) => boolean = () => false): Promise<LabelFile> {
    return this.update(path, (onDisk) => mergeInto(onDisk, records, isProtected));
  }

  /** Read-modify-write a label file: `change` gets the file as it is on disk under the lock. */
  async update(path: string, change: (onDisk: LabelFile) => LabelFile): Promise<LabelFile> {
    let result: LabelFile = {};
    await this.updateText(path, (text) => {
      let current: LabelFile = {};
      if (text !== null) {
        const parsed = parseLabelFile(text, basename(path));
        if (!parsed.labels) {
          throw new AppFailure(
            'IO_ERROR',
            `${path} is malformed; not overwriting it (${parsed.problems[0]?.message ?? ''})`,
            { path },
          );
        }
        current = parsed.labels;
      }
      result = change(current);
      return serializeLabelFile(result);
    });
    return result;
  }

  /**
   * Read-modify-write any small text file under the same rules. `change` gets the content (null
   * when missing) and returns the new content, or null to leave the file as it is; it may run more
   * than once, so it must be a function of its argument.
   */
  updateText(path: string, change: (text: string | null) => string | null): Promise<string | null> {
    const file = resolve(path);
    return this.serial(file, () => this.locked(file, (lost) => this.commit(file, change, lost)));
  }

  /**
   * Remove a small text file under the same rules, if `when` holds for its content as it is on
   * disk under the lock (and it did not change between that read and the removal). Returns
   * whether it was removed.
   */
  removeText(path: string, when: (text: string) => boolean): Promise<boolean> {
    const file = resolve(path);
    return this.serial(file, () =>
      this.locked(file, async (lost) => {
        const read = await readVersion(file);
        if (read.text === null || !when(read.text)) return false;
        if (!sameVersion(read, await readVersion(file)) || lost()) return false;
        await rm(file, { force: true });
        return true;
      }),
    );
  }

  private async commit(
    path: string,
    change: (text: string | null) => string | null,
    lost: () => Error | null,
  ): Promise<string | null> {
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const read = await readVersion(path);
      const next = change(read.text);
      if (next === null || next === read.text) return read.text;
      const tmp = atomicTempPath(path);
      let renamed = false;
      try {
        const handle = await open(tmp, 'wx');
        try {
          await handle.writeFile(next);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await this.options.beforeCommit?.(path, attempt);
        if (!sameVersion(read, await readVersion(path))) continue; // changed meanwhile: again
        const lockLost = lost();
        if (lockLost) {
          throw new AppFailure('IO_ERROR', `lost the lock on ${path} while writing it: ${lockLost.message}`, { path });
        }
        await rename(tmp, path);
        renamed = true;
        return next;
      } finally {
        if (!renamed) await rm(tmp, { force: true });
      }
    }
    throw new AppFailure(
      'IO_ERROR',
      `${path} kept changing while Loupe was writing it (${this.maxAttempts} tries); nothing was written`,
      { path },
    );
  }

  private async locked<T>(path: string, op: (lost: () => Error | null) => Promise<T>): Promise<T> {
    await mkdir(dirname(path), { recursive: true });
    const state: { lost: Error | null } = { lost: null };
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(path, {
        realpath: false, // the file may not exist yet
        lockfilePath: lockPathFor(path),
        stale: this.staleMs,
        // Wait long enough to take over the lock of a writer that died holding it.
        retries: { retries: Math.ceil((this.staleMs * 1.5) / 200) + 10, factor: 1.5, minTimeout: 5, maxTimeout: 200 },
        // A lock lost while held (its folder removed, the disk stopped answering) stops the write.
        onCompromised: (e) => {
          state.lost = e;
        },
      });
    } catch (e) {
      const error = toAppError(e, 'IO_ERROR');
      throw new AppFailure(
        'IO_ERROR',
        (e as { code?: string }).code === 'ELOCKED'
          ? `${path} is being written by another program (lock ${lockPathFor(path)}); try again`
          : `cannot lock ${path}: ${error.message}`,
        { path, cause: error.details?.cause ?? error.code },
      );
    }
    try {
      return await op(() => state.lost);
    } finally {
      await release().catch(() => undefined);
    }
  }

  private serial<T>(key: string, op: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(key) ?? Promise.resolve();
    const run = prev.then(op);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }
}

/** Content and identity from one open file, so they belong together. */
async function readVersion(path: string): Promise<Version> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { text: null, ino: 0, size: 0, mtimeMs: 0 };
    throw e;
  }
  try {
    const st = await handle.stat();
    const text = await handle.readFile('utf8');
    return { text, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  } finally {
    await handle.close();
  }
}

function sameVersion(a: Version, b: Version): boolean {
  return a.text === b.text && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
