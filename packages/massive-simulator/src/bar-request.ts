/** Parsing and checking a bars request: ticker, multiplier, timespan, from, to, adjusted, sort. */
import { addDays, assetClassOfTicker, type CivilDate, isCivilDate, newYorkMidnightUtcMs } from '@tickstock/market-time';

/** Timespans the simulator serves (Massive's `second` is not simulated). */
export type SimulatedTimespan = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';

export const SIMULATED_TIMESPANS: readonly SimulatedTimespan[] = ['minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'];

/** A bars request as the simulator reads it. `from`/`to` are `YYYY-MM-DD` (New York dates; forex: UTC dates) or Unix ms; both inclusive. */
export interface SimulatedBarsRequest {
  ticker: string;
  /** Default 1. */
  multiplier?: number;
  timespan: SimulatedTimespan;
  from: CivilDate | number;
  to: CivilDate | number;
  /** Default true. */
  adjusted?: boolean;
  /** Default 'asc'. */
  sort?: 'asc' | 'desc';
}

/** A request reduced to instants: bars whose start lies in [fromMs, toMs] (windows overlapping it, day and up). */
export interface ResolvedBarsRequest {
  ticker: string;
  multiplier: number;
  timespan: SimulatedTimespan;
  fromMs: number;
  toMs: number;
  adjusted: boolean;
  sort: 'asc' | 'desc';
}

/** A request the simulator cannot serve; `message` says which part and why (answered as HTTP 400). */
export class SimulatorRequestError extends Error {
  override readonly name = 'SimulatorRequestError';
}

/** 00:00 of a date: UTC for forex (Massive's forex aggregates are in UTC), New York otherwise. */
function dateStartMs(date: CivilDate, utc: boolean): number {
  return utc ? Date.parse(`${date}T00:00:00Z`) : newYorkMidnightUtcMs(date);
}

function instant(value: CivilDate | number | string, end: boolean, what: string, utc: boolean): number {
  if (typeof value === 'number' || /^\d+$/.test(value)) {
    const ms = Number(value);
    if (!Number.isSafeInteger(ms) || ms < 0) throw new SimulatorRequestError(`${what} is not a Unix millisecond timestamp: ${value}`);
    return ms;
  }
  if (!isCivilDate(value)) throw new SimulatorRequestError(`${what} must be YYYY-MM-DD or Unix milliseconds, got ${JSON.stringify(value)}`);
  return end ? dateStartMs(addDays(value, 1), utc) - 1 : dateStartMs(value, utc);
}

/** Checks a request and resolves its range to instants; throws a SimulatorRequestError naming the bad part. */
export function resolveBarsRequest(req: SimulatedBarsRequest): ResolvedBarsRequest {
  if (!req.ticker) throw new SimulatorRequestError('ticker is empty');
  const multiplier = req.multiplier ?? 1;
  if (!Number.isSafeInteger(multiplier) || multiplier < 1)
    throw new SimulatorRequestError(`multiplier must be a positive integer, got ${req.multiplier}`);
  if (!SIMULATED_TIMESPANS.includes(req.timespan)) {
    throw new SimulatorRequestError(
      `timespan must be one of ${SIMULATED_TIMESPANS.join(', ')} in the simulator, got ${JSON.stringify(req.timespan)}`,
    );
  }
  const sort = req.sort ?? 'asc';
  const utc = assetClassOfTicker(req.ticker) === 'forex';
  if (sort !== 'asc' && sort !== 'desc') throw new SimulatorRequestError(`sort must be asc or desc, got ${JSON.stringify(sort)}`);
  return {
    ticker: req.ticker,
    multiplier,
    timespan: req.timespan,
    fromMs: instant(req.from, false, 'from', utc),
    toMs: instant(req.to, true, 'to', utc),
    adjusted: req.adjusted ?? true,
    sort,
  };
}
