/**
 * Errors cross every process boundary as plain data: `{ code, message, details? }`.
 * A verb never throws across a boundary; it resolves to a `Result`.
 */

export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  /** A write that would replace an existing file the request did not say to overwrite. */
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'UNSUPPORTED',
  'MODEL_LOAD_FAILED',
  /**
   * A metric model (docs/metric-models.md) that does not meet the contract: `details.problem` says
   * which part (inputs, input_type, input_shape, output, metadata, name).
   */
  'METRIC_MODEL_INVALID',
  'INFERENCE_FAILED',
  'EXPORT_FAILED',
  'IMAGE_DECODE_FAILED',
  'IO_ERROR',
  /** No space left on the device (ENOSPC) or over quota (EDQUOT): a batch stops, it cannot go on. */
  'DISK_FULL',
  'JOB_NOT_FOUND',
  'JOB_STATE',
  'ENGINE_UNAVAILABLE',
  'ENGINE_CRASHED',
  'TIMEOUT',
  'CANCELLED',
  'UNAUTHORIZED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppError {
  code: ErrorCode;
  message: string;
  /** Serialisable extra context: a path, an item key, the cause's stack. */
  details?: Record<string, unknown>;
}

export type Ok<T> = { ok: true; value: T };
export type Err = { ok: false; error: AppError };
export type Result<T> = Ok<T> | Err;
