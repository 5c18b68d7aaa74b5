import { describe, expect, it } from 'vitest';
import { SampleBuffers } from '../../../src/core/image/sample-buffers';

describe('SampleBuffers', () => {
  it('hands back a given buffer of the asked depth and length, once', () => {
    const pool = new SampleBuffers();
    expect(pool.take(8, 12)).toBeUndefined();
    const a = new Uint8Array(12);
    pool.give(a);
    expect(pool.take(16, 12)).toBeUndefined(); // 16-bit asked, 8-bit held
    expect(pool.take(8, 6)).toBeUndefined(); // another size
    expect(pool.take(8, 12)).toBe(a);
    expect(pool.take(8, 12)).toBeUndefined(); // taken: not handed out twice
    const b = new Uint16Array(12);
    pool.give(b);
    expect(pool.take(16, 12)).toBe(b);
  });

  it('holds at most `keep` free buffers, dropping the oldest, and a buffer given twice once', () => {
    const pool = new SampleBuffers(2);
    const [a, b, c] = [new Uint8Array(3), new Uint8Array(3), new Uint8Array(3)];
    pool.give(a);
    pool.give(a);
    expect(pool.size).toBe(1);
    pool.give(b);
    pool.give(c);
    expect(pool.size).toBe(2);
    expect(pool.take(8, 3)).toBe(b);
    expect(pool.take(8, 3)).toBe(c);
    expect(pool.take(8, 3)).toBeUndefined();
  });
});
