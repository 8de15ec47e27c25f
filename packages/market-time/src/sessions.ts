/**
 * Which trading date a bar belongs to and which part of the session an intraday bar falls in. Everything is
 * computed in New York time from the bar's Unix ms, never from the machine's time zone.
 */
import type { Bar } from './bar.js';
import { assetClassOfTicker, calendarDateOf } from './calendar/asset-class.js';
import { nyseCalendar } from './calendar/nyse.js';
import type { MarketCalendar } from './calendar/types.js';
import { type CivilDate, utcDateOf } from './time/civil-date.js';
import { newYorkDate, newYorkMidnightUtcMs } from './time/new-york.js';
import type { Timespan } from './timespan.js';

/** Part of a trading day: pre-market (04:00–09:30 New York), regular (09:30–16:00), post-market (16:00–20:00), or closed. */
export type MarketSession = 'pre' | 'regular' | 'post' | 'closed';

const DAILY_OR_LONGER: ReadonlySet<Timespan> = new Set(['day', 'week', 'month', 'quarter', 'year']);

/** Options for {@link tradingDateOfBar}. */
export interface TradingDateOptions {
  /** The bar's timespan (default `day`). */
  timespan?: Timespan;
  /** The bar's ticker: forex (`C:`) day-and-longer bars align to UTC days, everything else to New York days. */
  ticker?: string;
}

/**
 * The one place the date rule per asset class lives: true when a bar of this ticker and timespan is stamped at the
 * start of a UTC day (forex day bars) rather than a New York day (stocks, indices, options, crypto).
 */
export function barsAlignToUtcDays(ticker: string | undefined, timespan: Timespan): boolean {
  return ticker !== undefined && assetClassOfTicker(ticker) === 'forex' && DAILY_OR_LONGER.has(timespan);
}

/**
 * The trading date of a bar: the New York calendar date of its `timestamp` (2005-04-04T04:00Z → 2005-04-04), never
 * the server-local date. For a week bar that is its Sunday, for a month bar the 1st. Forex day bars (`C:` tickers,
 * `timespan` day or longer) use the UTC date. Pass a timespan string or {@link TradingDateOptions}.
 */
export function tradingDateOfBar(bar: Pick<Bar, 'timestamp'>, options: Timespan | TradingDateOptions = {}): CivilDate {
  const { timespan = 'day', ticker } = typeof options === 'string' ? { timespan: options } : options;
  return barsAlignToUtcDays(ticker, timespan) ? utcDateOf(bar.timestamp) : newYorkDate(bar.timestamp);
}

/**
 * The instant a trading date starts for bars of `ticker` and `timespan` (default `day`): 00:00 New York, or 00:00 UTC
 * where {@link barsAlignToUtcDays} says so (forex day bars). What the API stamps a day bar with, and the inverse of
 * {@link tradingDateOfBar}: every bar of `date` falls in [start of `date`, start of the next date).
 */
export function tradingDayStartMs(date: CivilDate, options: Timespan | TradingDateOptions = {}): number {
  const { timespan = 'day', ticker } = typeof options === 'string' ? { timespan: options } : options;
  return barsAlignToUtcDays(ticker, timespan) ? Date.parse(`${date}T00:00:00Z`) : newYorkMidnightUtcMs(date);
}

/**
 * The session the instant `ms` falls in on `calendar` (default NYSE, which knows holidays and 13:00 early closes):
 * `pre` from 04:00, `regular` from 09:30, `post` from the close (16:00 or 13:00) to 20:00 (or 17:00), else `closed`.
 * On the forex calendar (sessions of UTC dates, no extended hours) it is `regular` from Sunday 17:00 New York to
 * Friday 17:00 New York and `closed` otherwise.
 */
export function intradaySession(ms: number, calendar: MarketCalendar = nyseCalendar): MarketSession {
  const session = calendar.session(calendarDateOf(ms, calendar));
  if (!session) return 'closed';
  if (ms < session.preMarketOpen) return 'closed';
  if (ms < session.open) return 'pre';
  if (ms < session.close) return 'regular';
  if (ms < session.postMarketClose) return 'post';
  return 'closed';
}

/** The session of an intraday bar's start (see {@link intradaySession}). */
export function sessionOfBar(bar: Pick<Bar, 'timestamp'>, calendar: MarketCalendar = nyseCalendar): MarketSession {
  return intradaySession(bar.timestamp, calendar);
}

const INTRADAY_MS: Partial<Record<Timespan, number>> = { second: 1000, minute: 60_000, hour: 3_600_000 };

/** Options for {@link filterRegularSession}. */
export interface RegularSessionOptions {
  /** The bars' timespan: `second`, `minute` (default) or `hour`. */
  timespan?: Timespan;
  /** The bars' multiplier (default 1). */
  multiplier?: number;
  /** Default NYSE. */
  calendar?: MarketCalendar;
}

/** Largest multiplier {@link filterRegularSession} takes (the API's own bound). */
const MAX_MULTIPLIER = 100_000;

/**
 * The bars whose window overlaps the regular session (09:30 to the close, New York) of a trading day, in their
 * original order. For minute bars that is the bars starting 09:30–15:59; for hour bars it keeps the 09:00 bar (it
 * holds 09:30–09:59 trades) through the 15:00 bar: 7 a full day, 4 on a 13:00 early close. Day and longer bars are
 * refused with a RangeError (they have no session), as is a multiplier that is not a whole number from 1 to 100,000.
 */
export function filterRegularSession<B extends Pick<Bar, 'timestamp'>>(bars: Iterable<B>, options: RegularSessionOptions = {}): B[] {
  const timespan = options.timespan ?? 'minute';
  const unit = INTRADAY_MS[timespan];
  if (unit === undefined) {
    throw new RangeError(`filterRegularSession needs second, minute or hour bars; ${timespan} bars have no session`);
  }
  const multiplier = options.multiplier ?? 1;
  if (!Number.isInteger(multiplier) || multiplier < 1 || multiplier > MAX_MULTIPLIER) {
    throw new RangeError(`multiplier must be a whole number from 1 to ${MAX_MULTIPLIER}; got ${JSON.stringify(multiplier)}`);
  }
  const length = unit * multiplier;
  const calendar = options.calendar ?? nyseCalendar;
  const out: B[] = [];
  for (const bar of bars) {
    const start = bar.timestamp;
    const end = start + length;
    // A bar may start the evening before its regular session only if it is very long; check the start's day and the end's.
    for (const date of new Set([calendarDateOf(start, calendar), calendarDateOf(end - 1, calendar)])) {
      const session = calendar.session(date);
      if (session && start < session.close && end > session.open) {
        out.push(bar);
        break;
      }
    }
  }
  return out;
}
