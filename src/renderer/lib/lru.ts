/**
 * A least-recently-used map: `get` and `set` make an entry the newest; past `capacity` the oldest
 * entries go, each handed to `onEvict` (to close a bitmap, say). A Map keeps insertion order, so
 * the oldest entry is always the first. `has` and `peek` look without touching.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();

  constructor(
    readonly capacity: number,
    private readonly onEvict: (value: V, key: K) => void = () => undefined,
  ) {}

  get size(): number {
    return this.map.size;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  get(key: K): V | undefined {
    if (!this.map.has(key)) return undefined;
    const value = this.map.get(key) as V;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  set(key: K, value: V): this {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const [oldest, gone] = this.map.entries().next().value as [K, V];
      this.map.delete(oldest);
      this.onEvict(gone, oldest);
    }
    return this;
  }

  /** Remove an entry (not evicted: `onEvict` is not called). */
  delete(key: K): boolean {
    return this.map.delete(key);
  }

  /** Every value, oldest first. */
  values(): IterableIterator<V> {
    return this.map.values();
  }

  /** Empty the map, handing every entry to `release` first (default: nothing). */
  clear(release: (value: V, key: K) => void = () => undefined): void {
    for (const [key, value] of this.map) release(value, key);
    this.map.clear();
  }
}
