/**
 * Rate and ETA from a sliding window of (active time, items done) samples, smoothed: the window's
 * rate feeds an exponential moving average with a time constant of `smoothingMs` of active time,
 * so a burst (a model's reused frames reported at once) or a stall (the next model loading) moves
 * the shown rate and ETA gradually instead of making them swing. Active time excludes pauses, so
 * a job resumed after lunch does not report a rate of 0.001 items/s.
 */
export class RateEstimator {
  private samples: { t: number; done: number }[] = [];
  private smoothed: number | null = null;
  private smoothedAt = 0;

  constructor(
    /** Window length in ms of active time. */
    private readonly windowMs = 10_000,
    /** Keep at most this many samples. */
    private readonly maxSamples = 256,
    /** Time constant of the smoothing, ms of active time (0: the window's rate as it is). */
    private readonly smoothingMs = 15_000,
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
    const now = this.windowRate();
    if (now === null) return;
    if (this.smoothed === null || this.smoothingMs <= 0) this.smoothed = now;
    else this.smoothed += (1 - Math.exp(-(activeMs - this.smoothedAt) / this.smoothingMs)) * (now - this.smoothed);
    this.smoothedAt = activeMs;
  }

  /** Items per second (smoothed), or null before two samples exist. */
  rate(): number | null {
    return this.samples.length < 2 ? null : this.smoothed;
  }

  /** The window's own rate, unsmoothed. */
  private windowRate(): number | null {
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
    this.smoothed = null;
    this.smoothedAt = 0;
  }
}
