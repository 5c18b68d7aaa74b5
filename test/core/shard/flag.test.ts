import { describe, expect, it } from 'vitest';
import { parseShardFlag, parseWholeNumber } from '../../../src/core/shard/flag';

describe('parseShardFlag', () => {
  it('reads I/N as a 0-based index of N shards', () => {
    expect(parseShardFlag('0/4')).toEqual({ ok: true, value: { kind: 'fixed', index: 0, count: 4 } });
    expect(parseShardFlag('3/4')).toEqual({ ok: true, value: { kind: 'fixed', index: 3, count: 4 } });
    expect(parseShardFlag('0/1')).toEqual({ ok: true, value: { kind: 'fixed', index: 0, count: 1 } });
    expect(parseShardFlag(' 2/10 ')).toEqual({ ok: true, value: { kind: 'fixed', index: 2, count: 10 } });
  });

  it('reads auto', () => {
    expect(parseShardFlag('auto')).toEqual({ ok: true, value: { kind: 'auto' } });
  });

  it.each([
    ['', 'expected I/N'],
    ['4', 'expected I/N'],
    ['auto/4', 'whole numbers'],
    ['AUTO', 'expected I/N'],
    ['1/2/3', 'expected I/N'],
    ['a/b', 'whole numbers'],
    ['-1/4', 'whole numbers'],
    ['1/-4', 'whole numbers'],
    ['+1/4', 'whole numbers'],
    ['1.0/4', 'whole numbers'],
    ['1e0/4', 'whole numbers'],
    ['0x1/4', 'whole numbers'],
    ['1 /4', 'whole numbers'],
    ['/4', 'whole numbers'],
    ['1/', 'whole numbers'],
    ['0/0', 'at least 1'],
    ['4/4', 'below N'],
    ['5/4', 'below N'],
    ['1/99999999999999999999', 'whole numbers'],
  ])('refuses %j with a typed error (%s)', (value, says) => {
    const r = parseShardFlag(value);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('INVALID_ARGUMENT');
    expect(r.error.message).toContain(says);
    expect(r.error.details).toEqual({ value });
  });

  it('says the index is 0-based when I equals N', () => {
    const r = parseShardFlag('4/4');
    expect(!r.ok && r.error.message).toMatch(/0-based.*0 … 3/);
  });
});

describe('parseWholeNumber', () => {
  it('takes plain decimal digits only, within the safe integers', () => {
    expect(parseWholeNumber('0')).toBe(0);
    expect(parseWholeNumber('007')).toBe(7);
    expect(parseWholeNumber(String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseWholeNumber('9007199254740993')).toBeNull();
    for (const junk of ['', ' 1', '1 ', '-0', '1.5', '1e3', 'Infinity', 'NaN', '١']) {
      expect(parseWholeNumber(junk)).toBeNull();
    }
  });
});
