import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { processAlive } from '../pytorch/process-alive';
import { diskFullFailure } from './disk-full';

export interface AtomicWriteOptions {
  /** fsync the temp file before the rename (default true). */
  fsync?: boolean;
}

/**
 * Write a file so that readers only ever see the old or the new content: write a temp file in the
 * same folder, fsync it, rename it over the target. Whatever fails (open, write, fsync, close,
 * rename: a full disk, a quota, an I/O error) the temp file is removed and the first error is
 * thrown (a full disk as DISK_FULL, naming `path`); only a crash can leave a stray `.tmp` file.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = atomicTempPath(path);
  try {
    const handle = await open(tmp, 'w');
    let failure: { error: unknown } | null = null;
    try {
      await handle.writeFile(data);
      if (options.fsync !== false) await handle.sync();
    } catch (e) {
      failure = { error: e };
    }
    // A close that fails after a failed write must not hide the write's error.
    await handle.close().catch((e: unknown) => {
      failure ??= { error: e };
    });
    if (failure) throw failure.error;
    await rename(tmp, path);
  } catch (e) {
    // open may have created the file before failing; rm with force is a no-op when it did not.
    await rm(tmp, { force: true }).catch(() => undefined);
    throw diskFullFailure(e, path) ?? e;
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * The temp file an atomic write of `path` goes through: `.<name>.<pid>.<8 hex>.tmp` beside it
 * (hidden, so folder listings skip it; the pid says whose it is, for removeStrayTemps).
 */
export function atomicTempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

const TEMP_NAME = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** The target file name and writer's pid of an atomicTempPath name; null for any other name. */
export function parseAtomicTemp(name: string): { target: string; pid: number } | null {
  const m = TEMP_NAME.exec(name);
  return m ? { target: m[1] as string, pid: Number(m[2]) } : null;
}

/**
 * Remove the temp files a killed writer left in `dir` (not recursive): only a crash leaves one
 * (writeFileAtomic removes its own on every error). A temp file is removed when its target is in
 * `owned` (null: the whole folder; a shard owns its items only, for another shard, on another host
 * of a shared folder, may be writing its own at this moment), it is not this process's, and its
 * writer is not alive on this machine (the app's engine saving a label in the same folder). A pid
 * from another host may name a live process here: that temp file is kept, the safe mistake.
 * Returns the names removed; a folder that does not exist has none.
 */
export async function removeStrayTemps(dir: string, owned: ReadonlySet<string> | null): Promise<string[]> {
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return [] as string[];
    throw e;
  });
  const removed: string[] = [];
  for (const name of names) {
    const temp = parseAtomicTemp(name);
    if (!temp || temp.pid === process.pid || (owned && !owned.has(temp.target))) continue;
    if (await processAlive(temp.pid)) continue;
    await rm(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed.sort();
}
