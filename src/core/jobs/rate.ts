/**
 * Rate and ETA from a sliding window of (active time, items done) samples. Active time excludes
 * pauses, so a job resumed after lunch does not report a rate of 0.001 items/s.
 */
export class RateEstimator {
  private samples: { t: number; done: number }[] = [];

  constructor(
    /** Window length in ms of active time. */
    private readonly windowMs = 10_000,
    /** Keep at most this many samples. */
    private readonly maxSamples = 256,
  ) {}

  /** Record that `done` items were finished after `activeMs` of running time. */
  record(activeMs: number, done: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && activeMs <= last.t) {
      last.done = done;
      return;
    }
    this.samples.push({ t: activeMs, done });
    const cutoff = activeMs - this.windowMs;
    // Keep one sample at or before the cutoff so the window spans its full length.
    while (this.samples.length > 2 && (this.samples[1] as { t: number }).t <= cutoff) this.samples.shift();
    if (this.samples.length > this.maxSamples) this.samples.splice(1, this.samples.length - this.maxSamples);
  }

  /** Items per second, or null before two samples exist. */
  rate(): number | null {
    if (this.samples.length < 2) return null;
    const first = this.samples[0] as { t: number; done: number };
    const last = this.samples[this.samples.length - 1] as { t: number; done: number };
    const dt = last.t - first.t;
    if (dt <= 0) return null;
    return ((last.done - first.done) * 1000) / dt;
  }

  /** Seconds to finish `remaining` items at the current rate. */
  eta(remaining: number): number | null {
    if (remaining <= 0) return 0;
    const r = this.rate();
    if (r === null || r <= 0) return null;
    return remaining / r;
  }

  reset(): void {
    this.samples = [];
  }
}
