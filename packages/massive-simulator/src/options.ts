/** Simulator options and their defaults, in one place. */
import type { GenerationOptions } from './source.js';

/** The faults the simulator can inject. */
export type FaultKind = '429' | '500' | '502' | '503' | '504' | 'truncate' | 'reset';

export const FAULT_KINDS: readonly FaultKind[] = ['429', '500', '502', '503', '504', 'truncate', 'reset'];

/** Faults injected into API responses, seeded: the same seed and request order give the same faults. */
export interface FaultOptions {
  /** Fraction (0-1) of API requests that get a fault, spread evenly over `kinds`. */
  rate?: number;
  /** Which faults `rate` spreads over (default: all of them). */
  kinds?: readonly FaultKind[];
  /** Fractions per kind, added to what `rate` gives (e.g. `{ '502': 0.05 }`). The total must stay at or below 1. */
  fractions?: Partial<Record<FaultKind, number>>;
}

/** Added latency on every API response: `fixedMs` plus a seeded uniform share of `jitterMs`. */
export interface LatencyOptions {
  fixedMs?: number;
  jitterMs?: number;
}

/** A request budget like Massive's plans: requests beyond it get 429 with the real body. */
export interface SimulatorRateLimit {
  requestsPerSecond?: number;
  requestsPerMinute?: number;
}

/** A ticker of the simulated reference universe (`/v3/reference/tickers`, grouped daily). */
export interface SimulatedTickerInfo {
  ticker: string;
  name: string;
  /** `CS`, `ETF`, `INDEX`, `CRYPTO` (default from the ticker: CS, or by prefix). */
  type?: string;
  /** e.g. `XNAS`, `XNYS`, `ARCX`. */
  primaryExchange?: string;
  /**
   * An OTC-traded stock: listed with `market: 'otc'`, left out of grouped daily unless `include_otc=true`, its rows
   * there carrying `otc: true` (its custom bars do not carry the flag in the simulator).
   */
  otc?: boolean;
}

/** Options of {@link startSimulator}. Every field is optional; defaults are in {@link SIMULATOR_DEFAULTS}. */
export interface SimulatorOptions extends GenerationOptions {
  /** Port to listen on (0 = any free port). */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** When set, every API request must carry this key (Bearer header or `apiKey`), else 401. */
  apiKey?: string;
  /**
   * The simulator's clock (Unix ms, or a function returning it, read once per request): bars exist only up to it;
   * holidays look forward from it; splits re-scale earlier adjusted bars from 00:00 New York of their execution date.
   */
  now?: number | (() => number);
  /** Tickers with no data: empty bars, 404 details. `ZZZ...` and `...UNKNOWN...` tickers are always unknown. */
  unknownTickers?: readonly string[];
  /** The reference universe listed by `/v3/reference/tickers` and grouped daily (default: a built-in list). */
  tickers?: readonly (SimulatedTickerInfo | string)[];
  /** `status` of aggregate responses: `OK` or `DELAYED` (default OK). */
  status?: 'OK' | 'DELAYED';
  /** Request budget answered with 429 beyond it (default: none). */
  rateLimit?: SimulatorRateLimit;
  /** `Retry-After` seconds sent with every 429 (default: no header). */
  retryAfterSeconds?: number;
  faults?: FaultOptions;
  latency?: LatencyOptions;
  /**
   * Shortens the windows of `peakPerSecond` and `peakPerMinute` by this many ms (default 0: exact 1-second and
   * 60-second windows). A client spacing requests exactly 1000/rps ms apart can show rps + 1 arrivals in an exact
   * window when network and scheduling jitter delay one request more than the next; a slack of tens of ms absorbs
   * that jitter while still catching a client that sends faster than its limit.
   */
  peakWindowSlackMs?: number;
  /**
   * Megabytes of rendered aggregates rows kept (least recently used out first), so a request asked again is answered
   * with a copy instead of generating and writing its bars again (default 64; 0 keeps none). The envelope (request id,
   * `next_url`, status) is written per response; faults, rate limit and latency apply as to any request.
   */
  pageCacheMb?: number;
}

export const SIMULATOR_DEFAULTS = {
  port: 0,
  host: '127.0.0.1',
  /** Megabytes of rendered bar pages kept for repeated requests. */
  pageCacheMb: 64,
  seed: 1,
  status: 'OK',
  /** Default and maximum `limit` of aggregates, as the real API. */
  aggsLimitDefault: 5000,
  aggsLimitMax: 50_000,
  /** Default and maximum `limit` of the ticker list. */
  tickersLimitDefault: 100,
  tickersLimitMax: 1000,
  /** Default and maximum `limit` of `/v3/reference/splits`, as documented. */
  splitsLimitDefault: 10,
  splitsLimitMax: 1000,
  /** Default and maximum `limit` of `/v3/reference/dividends`, as documented. */
  dividendsLimitDefault: 10,
  dividendsLimitMax: 1000,
} as const;

/** Checks fault options and turns them into cumulative thresholds per kind; throws a RangeError naming the bad one. */
export function faultThresholds(faults: FaultOptions | undefined): { kind: FaultKind; upTo: number }[] {
  if (!faults) return [];
  const fractions = new Map<FaultKind, number>();
  const rate = faults.rate ?? 0;
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`faults.rate must be in [0, 1], got ${faults.rate}`);
  const kinds = faults.kinds ?? FAULT_KINDS;
  for (const k of kinds) {
    if (!FAULT_KINDS.includes(k)) throw new RangeError(`faults.kinds: unknown fault ${JSON.stringify(k)}`);
    fractions.set(k, (fractions.get(k) ?? 0) + rate / kinds.length);
  }
  for (const [k, f] of Object.entries(faults.fractions ?? {})) {
    if (!FAULT_KINDS.includes(k as FaultKind)) throw new RangeError(`faults.fractions: unknown fault ${JSON.stringify(k)}`);
    if (!(typeof f === 'number' && f >= 0 && f <= 1)) throw new RangeError(`faults.fractions.${k} must be in [0, 1], got ${f}`);
    fractions.set(k as FaultKind, (fractions.get(k as FaultKind) ?? 0) + f);
  }
  let sum = 0;
  const out: { kind: FaultKind; upTo: number }[] = [];
  for (const k of FAULT_KINDS) {
    const f = fractions.get(k) ?? 0;
    if (f > 0) {
      sum += f;
      out.push({ kind: k, upTo: sum });
    }
  }
  if (sum > 1 + 1e-9) throw new RangeError(`faults add up to more than 1 (${sum})`);
  return out;
}
