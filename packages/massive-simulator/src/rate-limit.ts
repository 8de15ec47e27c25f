import type { SimulatorRateLimit } from './options.js';

/** Admits requests while the admitted ones in the trailing second and minute stay within the budget. */
export class SimulatedRateLimiter {
  private admitted: number[] = [];
  constructor(private readonly budget: SimulatorRateLimit | undefined) {
    for (const [k, v] of Object.entries(budget ?? {})) {
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new RangeError(`rateLimit.${k} must be a positive integer, got ${v}`);
    }
  }

  /** True when a request arriving at `now` is within the budget (and counts it). */
  admit(now: number): boolean {
    const perSecond = this.budget?.requestsPerSecond;
    const perMinute = this.budget?.requestsPerMinute;
    if (perSecond === undefined && perMinute === undefined) return true;
    this.admitted = this.admitted.filter((t) => t > now - 60_000);
    if (perMinute !== undefined && this.admitted.length >= perMinute) return false;
    if (perSecond !== undefined && this.admitted.filter((t) => t > now - 1000).length >= perSecond) return false;
    this.admitted.push(now);
    return true;
  }

  reset(): void {
    this.admitted = [];
  }
}
