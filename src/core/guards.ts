/** Small type guards for parsed JSON (files Loupe wrote itself and reads back). */

/** A plain object (not null, not an array). */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object whose every value `isValue` accepts. */
export function isRecordOf<T>(value: unknown, isValue: (v: unknown) => v is T): value is Record<string, T> {
  return isPlainRecord(value) && Object.values(value).every((v) => isValue(v));
}
