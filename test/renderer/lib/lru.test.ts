import { describe, expect, it } from 'vitest';
import { Lru } from '../../../src/renderer/lib/lru';

describe('Lru', () => {
  it('evicts the least recently used entry past its capacity, handing it to onEvict', () => {
    const evicted: [string, number][] = [];
    const lru = new Lru<string, number>(2, (v, k) => evicted.push([k, v]));
    lru.set('a', 1).set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now the newest
    lru.set('c', 3);
    expect(evicted).toEqual([['b', 2]]);
    expect([...lru.values()]).toEqual([1, 3]);
    expect(lru.size).toBe(2);
  });

  it('looks without touching: has and peek leave the order alone', () => {
    const evicted: string[] = [];
    const lru = new Lru<string, number>(2, (_v, k) => evicted.push(k));
    lru.set('a', 1).set('b', 2);
    expect(lru.has('a')).toBe(true);
    expect(lru.peek('a')).toBe(1);
    lru.set('c', 3);
    expect(evicted).toEqual(['a']);
    expect(lru.get('a')).toBeUndefined();
  });

  it('setting a key again replaces it and makes it the newest', () => {
    const evicted: string[] = [];
    const lru = new Lru<string, number>(2, (_v, k) => evicted.push(k));
    lru.set('a', 1).set('b', 2).set('a', 10).set('c', 3);
    expect(evicted).toEqual(['b']);
    expect(lru.peek('a')).toBe(10);
  });

  it('delete removes without evicting; clear releases every entry', () => {
    const evicted: string[] = [];
    const lru = new Lru<string, number>(3, (_v, k) => evicted.push(k));
    lru.set('a', 1).set('b', 2).set('c', 3);
    expect(lru.delete('b')).toBe(true);
    expect(evicted).toEqual([]);
    const released: string[] = [];
    lru.clear((_v, k) => released.push(k));
    expect(released).toEqual(['a', 'c']);
    expect(lru.size).toBe(0);
  });
});
