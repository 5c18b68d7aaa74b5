import { ERROR_CODES, type AppError, type Err, type ErrorCode, type Ok, type Result } from '../shared/result';

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });

export const err = (code: ErrorCode, message: string, details?: Record<string, unknown>): Err => ({
  ok: false,
  error: appError(code, message, details),
});

export function appError(code: ErrorCode, message: string, details?: Record<string, unknown>): AppError {
  return details === undefined ? { code, message } : { code, message, details };
}

/** An Error that carries an AppError, so code deep inside can throw and a boundary can catch it. */
export class AppFailure extends Error {
  readonly error: AppError;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppFailure';
    this.error = appError(code, message, details);
  }
}

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

export function isAppError(value: unknown): value is AppError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && KNOWN_CODES.has(v.code) && typeof v.message === 'string';
}

/**
 * Turn anything thrown into a serialisable AppError, keeping the message, the stack and Node's
 * `code` (ENOENT, …) in `details` so nothing is lost crossing a process boundary.
 */
export function toAppError(thrown: unknown, fallback: ErrorCode = 'INTERNAL'): AppError {
  if (thrown instanceof AppFailure) return thrown.error;
  if (isAppError(thrown)) return thrown;
  if (thrown instanceof Error) {
    const details: Record<string, unknown> = {};
    const sysCode = (thrown as { code?: unknown }).code;
    if (typeof sysCode === 'string') details.cause = sysCode;
    if (thrown.stack) details.stack = thrown.stack;
    const code = typeof sysCode === 'string' ? codeForSystemError(sysCode, fallback) : fallback;
    return appError(code, thrown.message || thrown.name, details);
  }
  return appError(fallback, typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? 'Unknown error'));
}

function codeForSystemError(sysCode: string, fallback: ErrorCode): ErrorCode {
  switch (sysCode) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'NOT_FOUND';
    case 'EACCES':
    case 'EPERM':
      return 'PERMISSION_DENIED';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'DISK_FULL';
    case 'EISDIR':
    case 'EEXIST':
    case 'EMFILE':
    case 'EIO':
      return 'IO_ERROR';
    default:
      return fallback;
  }
}

/** Run a function and capture what it throws as an Err. */
export async function attempt<T>(fn: () => Promise<T> | T, fallback: ErrorCode = 'INTERNAL'): Promise<Result<T>> {
  try {
    return ok(await fn());
  } catch (thrown) {
    return { ok: false, error: toAppError(thrown, fallback) };
  }
}

/** Unwrap a Result, throwing an AppFailure for an Err (for code paths that prefer exceptions). */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new AppFailure(result.error.code, result.error.message, result.error.details);
}
