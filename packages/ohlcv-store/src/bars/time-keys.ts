/**
 * Which row a bar lands on. 1-minute and hourly bars keep their UTC instant. Daily, weekly and monthly bars are keyed
 * by the calendar date of the bar's start: the New York date (Massive stamps day bars 00:00 New York and grouped-daily
 * bars 16:00 New York: both give the trading date), except for tickers whose day bars align to UTC days (forex), which
 * use the UTC date. Which tickers those are is decided in one place, the client's `barsAlignToUtcDays`. Never the
 * machine's time zone.
 */

import {
  barsAlignToUtcDays,
  type CivilDate,
  dayOfWeek,
  isCivilDate,
  newYorkDate,
  newYorkMidnightUtcMs,
  utcDateOf,
} from '@tickstock/market-time';
import { StoreError } from '../errors.js';
import type { TimeframeSpec } from '../timeframes.js';

/** Which calendar date a bar's start instant is read in. */
export type DateRule = 'new-york' | 'utc';

/** The date rule of a ticker's day, week and month bars (from the client's `barsAlignToUtcDays`). */
export function dateRuleForSymbol(symbol: string): DateRule {
  return barsAlignToUtcDays(symbol, 'day') ? 'utc' : 'new-york';
}

/** The calendar date of `ms` under `rule`. */
export function dateOfInstant(ms: number, rule: DateRule): CivilDate {
  return rule === 'utc' ? utcDateOf(ms) : newYorkDate(ms);
}

/**
 * The key of a bar starting at `ms` in `spec`'s table: the instant itself for intraday tables, otherwise the date.
 * Returns null when the bar does not start on the period boundary the table keys on (a 1-minute bar not on a whole
 * minute, a weekly bar whose date is not a Sunday, a monthly bar not on the 1st): such bars are rejected, not moved.
 */
export function barKey(spec: TimeframeSpec, ms: number, rule: DateRule): number | CivilDate | null {
  if (spec.kind === 'instant') return ms % (spec.stepMs ?? 1) === 0 ? ms : null;
  const date = dateOfInstant(ms, rule);
  if (spec.timeframe === 'weekly') return dayOfWeek(date) === 0 ? date : null;
  if (spec.timeframe === 'monthly') return date.endsWith('-01') ? date : null;
  return date;
}

/**
 * A read bound (`from`/`to`) as the key type of `spec`'s table: Unix ms stays ms for intraday tables and becomes the
 * date under `rule` for date tables; a `YYYY-MM-DD` date becomes New York midnight (ms) for intraday tables.
 */
export function boundKey(spec: TimeframeSpec, bound: number | CivilDate, rule: DateRule): number | CivilDate {
  if (typeof bound === 'number') {
    if (!Number.isFinite(bound)) throw new StoreError('INVALID_ARGUMENT', `time bound must be a finite Unix ms value, got ${bound}`);
    return spec.kind === 'instant' ? bound : dateOfInstant(bound, rule);
  }
  if (!isCivilDate(bound))
    throw new StoreError('INVALID_ARGUMENT', `time bound must be Unix ms or a YYYY-MM-DD date, got ${JSON.stringify(bound)}`);
  return spec.kind === 'instant' ? newYorkMidnightUtcMs(bound) : bound;
}
