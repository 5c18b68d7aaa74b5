import { access, constants } from 'node:fs/promises';
import { AppFailure } from '../../core/result';

/**
 * Why sharp could not open an image, told truthfully. libvips reports a file it may not read, a
 * missing file and a link loop all as "unsupported image format"; the file system says which it
 * was: permission denied, not found, a link loop. Anything else is a decoding failure.
 */
export async function imageFailure(path: string, e: unknown, what: string): Promise<AppFailure> {
  if (e instanceof AppFailure) return e;
  const cause = await access(path, constants.R_OK).then(
    () => null,
    (err: NodeJS.ErrnoException) => err.code ?? null,
  );
  switch (cause) {
    case 'EACCES':
    case 'EPERM':
      return new AppFailure('PERMISSION_DENIED', `permission denied: cannot read ${path}`, { path, cause });
    case 'ENOENT':
    case 'ENOTDIR':
      return new AppFailure('NOT_FOUND', `no image at ${path} (it is gone, or a broken link)`, { path, cause });
    case 'ELOOP':
      return new AppFailure('IO_ERROR', `${path} is a symbolic link loop`, { path, cause });
    default:
      return new AppFailure('IMAGE_DECODE_FAILED', `${what}: ${(e as Error).message}`, { path });
  }
}
