/**
 * Incremental loading: what a daily import fetches of one symbol's timeframe, from what is already stored.
 *
 * - Nothing stored, or a stored history that starts well after the range does (a longer lookback than before):
 *   the whole range.
 * - Otherwise resume at the latest stored bar's period, so that bar is fetched again and replaced if it was revised
 *   or unfinished when written (one bar of overlap; hourly and 1-minute resume at the start of its New York day).
 * - Skip the call entirely when the market has not traded since that bar was written: no bar can have changed and
 *   no new one can exist. (Trading time comes from the ticker's calendar, extended hours included: NYSE sessions
 *   04:00-20:00 New York on trading days; crypto trades around the clock, so crypto always resumes.)
 *
 * Times are Unix ms; dates are New York dates (UTC dates for tickers whose day bars align to UTC days). Nothing here
 * reads the machine's time zone.
 */

import type { Timeframe } from '@tickstock/market-time';
import {
  addDays,
  type CivilDate,
  calendarDateOf,
  calendarForTicker,
  type MarketCalendar,
  newYorkDate,
  periodStart,
  utcDateOf,
} from '@tickstock/market-time';
import { type BarExtent, dateRuleForSymbol } from '@tickstock/ohlcv-store';
import type { TimeframeRange } from '../engine/types.js';

/** How far after the range's first period the stored history may begin before the range is loaded whole. */
export const BACKFILL_SLACK_DAYS: Readonly<Record<Timeframe, number>> = { '1min': 5, hour: 5, day: 7, week: 14, month: 45 };

/** The latest instant at or before `now` at which `calendar`'s market traded (extended hours included). */
export function lastTradingInstant(now: number, calendar: MarketCalendar): number {
  let date = calendarDateOf(now, calendar);
  const today = calendar.session(date);
  if (today && today.preMarketOpen <= now) return Math.min(now, today.postMarketClose);
  for (let i = 0; i < 60; i++) {
    date = calendar.previousTradingDay(date);
    const s = calendar.session(date);
    if (s) return s.postMarketClose;
  }
  return now;
}

/** The later of two `YYYY-MM-DD` dates. */
function laterDate(a: CivilDate, b: CivilDate): CivilDate {
  if (a > b) return a;
  return b;
}

function keyDate(ms: number, symbol: string, timeframe: Timeframe): CivilDate {
  if (timeframe === '1min' || timeframe === 'hour') return newYorkDate(ms);
  return dateRuleForSymbol(symbol) === 'utc' ? utcDateOf(ms) : newYorkDate(ms);
}

/** The key date of the first period of `range` that has a trading day, or null when none has. */
function firstPeriod(range: TimeframeRange, calendar: MarketCalendar): CivilDate | null {
  const day = calendar.isTradingDay(range.from) ? range.from : calendar.nextTradingDay(range.from);
  if (day > range.to) return null;
  return range.timeframe === 'week' || range.timeframe === 'month' ? periodStart(day, range.timeframe) : day;
}

export interface PlanInput {
  symbol: string;
  range: TimeframeRange;
  extent: BarExtent | null;
  now: number;
  /** Default: the ticker's own (`calendarForTicker`). */
  calendar?: MarketCalendar;
}

/** What to fetch (see the module comment): a range, or null for nothing. */
export function planIncrementalRange(input: PlanInput): TimeframeRange | null {
  const { symbol, range, extent, now } = input;
  if (!extent) return range;
  const calendar = input.calendar ?? calendarForTicker(symbol);
  const first = firstPeriod(range, calendar);
  if (first !== null && keyDate(extent.first, symbol, range.timeframe) > addDays(first, BACKFILL_SLACK_DAYS[range.timeframe])) {
    return range;
  }
  if (extent.lastWrittenAt !== null && Math.min(extent.lastWrittenAt, now) >= lastTradingInstant(now, calendar)) return null;
  const resume = keyDate(extent.last, symbol, range.timeframe);
  const from = laterDate(resume, range.from);
  return from > range.to ? null : { timeframe: range.timeframe, from, to: range.to };
}
