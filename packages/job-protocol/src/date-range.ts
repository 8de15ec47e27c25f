/**
 * Date ranges of a data-load job, as New York calendar dates (`YYYY-MM-DD`), by the contract's rules:
 * days = round(years x 365); day/week/month cover the whole span ending today; hour and 1min cover at most the
 * last 2 days (1 day when years <= 0.0027). "Today" is the New York date of `now`, never the machine's date
 * (`@tickstock/market-time`'s `newYorkDate`).
 */
import { addDays, newYorkDate, type Timeframe } from '@tickstock/market-time';

/** An inclusive range of New York dates, `YYYY-MM-DD`. */
export interface DateRange {
  from: string;
  to: string;
}

/** Timeframes whose range is capped to the last day or two. */
export const INTRADAY_TIMEFRAMES: readonly Timeframe[] = ['1min', 'hour'];

/** Intraday ranges cover at most this many days back... */
export const INTRADAY_MAX_DAYS = 2;
/** ...or this many when `years` is at most {@link ONE_DAY_YEARS}. */
export const INTRADAY_SHORT_DAYS = 1;
/** The `years` value at or under which a load counts as one day (0.0027 x 365 = 0.99). */
export const ONE_DAY_YEARS = 0.0027;

/** days = round(years x 365), half up. */
export function lookbackDaysOf(years: number): number {
  return Math.round(years * 365);
}

/** How many days back one timeframe reaches for a load of `years`. */
export function timeframeLookbackDays(timeframe: Timeframe, years: number): number {
  const days = lookbackDaysOf(years);
  if (!INTRADAY_TIMEFRAMES.includes(timeframe)) return days;
  return Math.min(days, years <= ONE_DAY_YEARS ? INTRADAY_SHORT_DAYS : INTRADAY_MAX_DAYS);
}

/** The ranges of each timeframe for a load of `years` at the instant `now`: `{from: today - n days, to: today}`. */
export function dataLoadRanges(
  timeframes: readonly Timeframe[],
  years: number,
  now: number,
): { today: string; lookbackDays: Partial<Record<Timeframe, number>>; ranges: Partial<Record<Timeframe, DateRange>> } {
  const today = newYorkDate(now);
  const lookbackDays: Partial<Record<Timeframe, number>> = {};
  const ranges: Partial<Record<Timeframe, DateRange>> = {};
  for (const tf of timeframes) {
    const n = timeframeLookbackDays(tf, years);
    lookbackDays[tf] = n;
    ranges[tf] = { from: addDays(today, -n), to: today };
  }
  return { today, lookbackDays, ranges };
}
