import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
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
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
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
