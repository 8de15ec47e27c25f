/** The simulator's counters: what tests read to prove a client's behaviour (never exceeding its rate limit, ...). */
import type { FaultKind } from './options.js';

/** A snapshot of the counters (also served as JSON at `GET /__sim/stats`). */
export interface SimulatorStats {
  /** API requests received (the `/__sim/` endpoints are not counted). */
  requests: number;
  /** Requests per endpoint: `aggs`, `prev`, `grouped`, `tickerDetails`, `tickers`, `splits`, `holidays`, `marketStatus`, `openClose`, `tickerTypes`, `unknown`. */
  byEndpoint: Record<string, number>;
  /**
   * Grouped-daily requests per market (`stocks`, `crypto`, `fx`; `unknown` for a grouped path naming none of them),
   * counted on arrival like `byEndpoint.grouped`, which is their total.
   */
  groupedByMarket: Record<string, number>;
  /**
   * Requests per ticker, for aggregates (every page) and ticker details, counted on arrival like `requests` (so
   * faulted, rate-limited and unauthorized ones too). Other endpoints are not about one ticker and are not here.
   */
  byTicker: Record<string, number>;
  /** Responses per HTTP status (connection resets are counted under `reset`). */
  byStatus: Record<string, number>;
  /** Most requests received in any 1-second window, (t - 1000 ms, t] (less the configured slack). */
  peakPerSecond: number;
  /** Most requests received in any 60-second window. */
  peakPerMinute: number;
  /**
   * Arrival times (Unix ms) of the first and the last API request, null before any. Their span is robust to a few
   * arrivals stamped late, where a peak count is not: N requests under a budget of R per second need about (N - 1) / R
   * seconds however late any one of them was stamped.
   */
  firstArrivalAt: number | null;
  lastArrivalAt: number | null;
  /** 429s sent: by the rate limit plus injected ones. */
  rateLimited: number;
  /** 429s sent because the configured rate limit was exceeded. */
  rateLimitExceeded: number;
  /** Injected faults, total and per kind. */
  faults: number;
  faultsByKind: Record<string, number>;
  /** 401s sent (a wrong key; no key at all is a 400, counted in `byStatus` only). */
  unauthorized: number;
  /** Bars in complete successful responses. */
  barsServed: number;
}

/** A sliding count of arrivals within `windowMs`, and its peak. */
class SlidingWindow {
  private readonly times: number[] = [];
  private head = 0;
  peak = 0;
  constructor(private readonly windowMs: number) {}
  add(t: number): void {
    this.times.push(t);
    while ((this.times[this.head] as number) <= t - this.windowMs) this.head++;
    if (this.head > 4096) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    const n = this.times.length - this.head;
    if (n > this.peak) this.peak = n;
  }
}

export class StatsRecorder {
  private s!: SimulatorStats;
  private second!: SlidingWindow;
  private minute!: SlidingWindow;
  /** Per-ticker counts in a Map: tickers come from request paths, and `__proto__` must count like any other. */
  private tickers = new Map<string, number>();

  constructor(private readonly slackMs = 0) {
    if (!(slackMs >= 0 && slackMs < 1000)) throw new RangeError(`peakWindowSlackMs must be in [0, 1000), got ${slackMs}`);
    this.reset();
  }

  reset(): void {
    this.s = {
      requests: 0,
      byEndpoint: {},
      groupedByMarket: {},
      byTicker: {},
      byStatus: {},
      peakPerSecond: 0,
      peakPerMinute: 0,
      firstArrivalAt: null,
      lastArrivalAt: null,
      rateLimited: 0,
      rateLimitExceeded: 0,
      faults: 0,
      faultsByKind: {},
      unauthorized: 0,
      barsServed: 0,
    };
    this.tickers = new Map();
    this.second = new SlidingWindow(1000 - this.slackMs);
    this.minute = new SlidingWindow(60_000 - this.slackMs);
  }

  /**
   * Counts one API request: its endpoint, its arrival time (Unix ms), its ticker when it is about one, its market when
   * it is a grouped-daily request.
   */
  arrival(endpoint: string, at: number, ticker?: string, groupedMarket?: string): void {
    this.s.requests++;
    this.s.firstArrivalAt ??= at;
    this.s.lastArrivalAt = at;
    this.s.byEndpoint[endpoint] = (this.s.byEndpoint[endpoint] ?? 0) + 1;
    if (groupedMarket !== undefined) this.s.groupedByMarket[groupedMarket] = (this.s.groupedByMarket[groupedMarket] ?? 0) + 1;
    if (ticker !== undefined) this.tickers.set(ticker, (this.tickers.get(ticker) ?? 0) + 1);
    this.second.add(at);
    this.minute.add(at);
  }

  response(status: number | 'reset'): void {
    const key = String(status);
    this.s.byStatus[key] = (this.s.byStatus[key] ?? 0) + 1;
    if (status === 429) this.s.rateLimited++;
    if (status === 401) this.s.unauthorized++;
  }

  fault(kind: FaultKind): void {
    this.s.faults++;
    this.s.faultsByKind[kind] = (this.s.faultsByKind[kind] ?? 0) + 1;
  }

  rateLimitExceeded(): void {
    this.s.rateLimitExceeded++;
  }

  bars(n: number): void {
    this.s.barsServed += n;
  }

  snapshot(): SimulatorStats {
    return structuredClone({
      ...this.s,
      byTicker: Object.fromEntries(this.tickers),
      peakPerSecond: this.second.peak,
      peakPerMinute: this.minute.peak,
    });
  }
}
