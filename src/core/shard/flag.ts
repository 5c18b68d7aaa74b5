import type { Result } from '../../shared/result';
import { err, ok } from '../result';
import type { ShardFlag } from './types';

const DIGITS = /^[0-9]+$/;

/**
 * A whole number written in plain decimal digits (no sign, no exponent, no fraction, no spaces),
 * or null. Values past Number.MAX_SAFE_INTEGER are refused rather than rounded.
 */
export function parseWholeNumber(text: string): number | null {
  if (!DIGITS.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Parse a `--shard` value: `I/N` (0-based index I of N shards, N ≥ 1, I < N) or `auto`.
 * Anything else is an INVALID_ARGUMENT that quotes the value and says what was expected.
 */
export function parseShardFlag(value: string): Result<ShardFlag> {
  const text = value.trim();
  if (text === 'auto') return ok({ kind: 'auto' });
  const usage = 'expected I/N (0-based shard I of N, e.g. 0/4) or auto';
  const parts = text.split('/');
  if (parts.length !== 2) return err('INVALID_ARGUMENT', `--shard ${JSON.stringify(value)}: ${usage}`, { value });
  const index = parseWholeNumber(parts[0] as string);
  const count = parseWholeNumber(parts[1] as string);
  if (index === null || count === null) {
    return err('INVALID_ARGUMENT', `--shard ${JSON.stringify(value)}: I and N must be whole numbers; ${usage}`, {
      value,
    });
  }
  if (count < 1) return err('INVALID_ARGUMENT', `--shard ${text}: the shard count N must be at least 1`, { value });
  if (index >= count) {
    return err('INVALID_ARGUMENT', `--shard ${text}: the index is 0-based, so I must be below N (0 … ${count - 1})`, {
      value,
    });
  }
  return ok({ kind: 'fixed', index, count });
}
