/**
 * Gaps measured against a trading calendar. Daily, hourly and 1-minute series expect a bar (or, intraday, at least one
 * bar) on every trading day; weekly series expect every Sunday-started week that had a trading day; monthly series
 * every month that had one. Consecutive missing periods form one gap.
 */
import { addDays, type CivilDate, type MarketCalendar, monthStart, nextMonthStart, weekStartSunday } from '@tickstock/market-time';
import type { Timeframe } from '../timeframes.js';

/** A run of consecutive expected periods with no data. Periods are named by their key date (day, Sunday, 1st). */
export interface Gap {
  /** First missing period. */
  from: CivilDate;
  /** Last missing period. */
  to: CivilDate;
  /** Missing periods in the run. */
  missing: number;
}

/** The periods (by key date) a series of `timeframe` should have between `from` and `to` (dates, inclusive). */
export function expectedPeriods(timeframe: Timeframe, calendar: MarketCalendar, from: CivilDate, to: CivilDate): CivilDate[] {
  if (from > to) return [];
  if (timeframe === 'weekly') {
    const out: CivilDate[] = [];
    for (let week = weekStartSunday(from); week <= to; week = addDays(week, 7)) {
      if (calendar.tradingDays(week, addDays(week, 6)).length > 0) out.push(week);
    }
    return out;
  }
  if (timeframe === 'monthly') {
    const out: CivilDate[] = [];
    for (let month = monthStart(from); month <= to; month = nextMonthStart(month)) {
      if (calendar.tradingDays(month, addDays(nextMonthStart(month), -1)).length > 0) out.push(month);
    }
    return out;
  }
  return calendar.tradingDays(from, to);
}

/** Consecutive runs of `expected` periods missing from `present`. */
export function findGaps(expected: readonly CivilDate[], present: ReadonlySet<CivilDate>): Gap[] {
  const gaps: Gap[] = [];
  let current: Gap | undefined;
  for (const period of expected) {
    if (present.has(period)) {
      current = undefined;
      continue;
    }
    if (current) {
      current.to = period;
      current.missing++;
    } else {
      current = { from: period, to: period, missing: 1 };
      gaps.push(current);
    }
  }
  return gaps;
}
