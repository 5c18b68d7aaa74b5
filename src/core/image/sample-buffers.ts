/**
 * A few pixel buffers handed from frame to frame. A batch converts every output frame into a new
 * interleaved buffer (2.7 MB at 720p, 6.2 MB at 1080p) on the thread inference blocks; taking one
 * back once its PNG is written spares the allocation, the page faults of its first writes and the
 * collections they bring (about 3 ms of a 720p frame's 15, measured in bench/BENCHMARKS.md).
 *
 * The owner gives a buffer back only when nothing reads it any more (its encode has settled); a
 * buffer never given back is simply collected, so a failure path that forgets one costs nothing
 * but the allocation.
 */
export class SampleBuffers {
  private readonly free: (Uint8Array | Uint16Array)[] = [];

  /** `keep`: how many free buffers are held at most (one per frame in flight is enough). */
  constructor(private readonly keep = 2) {}

  /** A free buffer of `length` samples at `depth` bits, if one is held (removed from the pool). */
  take(depth: 8 | 16, length: number): Uint8Array | Uint16Array | undefined {
    const i = this.free.findIndex((b) => b.length === length && b instanceof Uint16Array === (depth === 16));
    if (i < 0) return undefined;
    return this.free.splice(i, 1)[0];
  }

  /** Hand a buffer back; the oldest free one is dropped beyond `keep` (sizes change mid-batch). */
  give(buffer: Uint8Array | Uint16Array): void {
    if (this.free.includes(buffer)) return;
    this.free.push(buffer);
    if (this.free.length > this.keep) this.free.shift();
  }

  /** How many free buffers are held (for tests). */
  get size(): number {
    return this.free.length;
  }
}
