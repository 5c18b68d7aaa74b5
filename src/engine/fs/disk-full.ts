import { AppFailure, toAppError } from '../../core/result';

/** Error codes of a device with no space left (ENOSPC) or a user over quota (EDQUOT). */
const FULL = new Set(['ENOSPC', 'EDQUOT']);

/**
 * Whether a write failed because the disk is full: Node's errno codes, Loupe's DISK_FULL, or
 * libvips' words (sharp's errors carry no code).
 */
export function isDiskFull(e: unknown): boolean {
  if (e instanceof AppFailure) return e.error.code === 'DISK_FULL';
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && FULL.has(code)) return true;
  return /no space left on device|disk quota exceeded/i.test(String((e as Error | null)?.message ?? ''));
}

/**
 * The disk-full failure a batch stops with: "disk full: …" with the file it could not write,
 * or null when `e` is something else.
 */
export function diskFullFailure(e: unknown, path?: string): AppFailure | null {
  if (!isDiskFull(e)) return null;
  if (e instanceof AppFailure) return e;
  const error = toAppError(e, 'DISK_FULL');
  const where = path ?? (e as { path?: unknown }).path;
  return new AppFailure(
    'DISK_FULL',
    `disk full: no space left to write ${typeof where === 'string' ? where : 'the output'} (${firstLine(error.message)}); free some space and run again: it resumes where it stopped`,
    { ...(typeof where === 'string' ? { path: where } : {}), cause: error.details?.cause ?? 'ENOSPC' },
  );
}

function firstLine(s: string): string {
  return s.split('\n')[0]?.trim() ?? s;
}
