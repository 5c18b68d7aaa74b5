/**
 * At most one emission per `intervalMs`; a forced emission (a status change, the last item)
 * always goes out and restarts the interval.
 */
export class Throttle {
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /** True when an emission is due now; records it. */
  take(force = false): boolean {
    const t = this.now();
    if (force || t - this.last >= this.intervalMs) {
      this.last = t;
      return true;
    }
    return false;
  }

  /** Milliseconds until the next emission would be allowed. */
  wait(): number {
    return Math.max(0, this.last + this.intervalMs - this.now());
  }
}

/** Progress events go out at most 10 times a second per job. */
export const PROGRESS_INTERVAL_MS = 100;
