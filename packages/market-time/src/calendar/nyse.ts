import { type CivilDate, civilDateToDayNumber, dayNumberToCivilDate } from '../time/civil-date.js';
import { newYorkTimeToUtcMs } from '../time/new-york.js';
import { nyseHolidays } from './nyse-rules.js';
import type { Holiday, MarketCalendar, TradingSession } from './types.js';

const yearCache = new Map<number, Map<CivilDate, Holiday>>();

function holidaysByDate(year: number): Map<CivilDate, Holiday> {
  let m = yearCache.get(year);
  if (!m) {
    m = new Map(nyseHolidays(year).map((h) => [h.date, h]));
    yearCache.set(year, m);
  }
  return m;
}

/** Day of week from a day number (0 = Sunday); 1970-01-01 was a Thursday. */
function dowOfDayNumber(n: number): number {
  return (((n + 4) % 7) + 7) % 7;
}

function isTradingDayNumber(n: number, date: CivilDate): boolean {
  const dow = dowOfDayNumber(n);
  if (dow === 0 || dow === 6) return false;
  return holidaysByDate(Number(date.slice(0, 4))).get(date)?.status !== 'closed';
}

function stepTradingDay(date: CivilDate, step: 1 | -1): CivilDate {
  let n = civilDateToDayNumber(date);
  for (;;) {
    n += step;
    const d = dayNumberToCivilDate(n);
    if (isTradingDayNumber(n, d)) return d;
  }
}

/**
 * Sessions already computed, by date (frozen: callers share them). Every bar request walks the sessions of its range,
 * so these are asked for over and over; 40,000 dates is a century of them, about 5 MB.
 */
const sessionCache = new Map<CivilDate, Readonly<TradingSession> | null>();
const SESSION_CACHE_SIZE = 40_000;

function computeSession(date: CivilDate): Readonly<TradingSession> | null {
  if (!isTradingDayNumber(civilDateToDayNumber(date), date)) return null;
  const earlyClose = holidaysByDate(Number(date.slice(0, 4))).get(date)?.status === 'early-close';
  return Object.freeze({
    date,
    preMarketOpen: newYorkTimeToUtcMs(date, 4, 0),
    open: newYorkTimeToUtcMs(date, 9, 30),
    close: newYorkTimeToUtcMs(date, earlyClose ? 13 : 16, 0),
    postMarketClose: newYorkTimeToUtcMs(date, earlyClose ? 17 : 20, 0),
    earlyClose,
  });
}

/** The New York Stock Exchange: weekdays less its holidays, 09:30-16:00 with extended hours 04:00-20:00 New York. */
export const nyseCalendar: MarketCalendar = {
  name: 'nyse',
  isTradingDay(date) {
    return isTradingDayNumber(civilDateToDayNumber(date), date);
  },
  session(date): TradingSession | null {
    const hit = sessionCache.get(date);
    if (hit !== undefined) return hit;
    const session = computeSession(date);
    if (sessionCache.size >= SESSION_CACHE_SIZE) sessionCache.clear();
    sessionCache.set(date, session);
    return session;
  },
  tradingDays(from, to) {
    const out: CivilDate[] = [];
    const end = civilDateToDayNumber(to);
    for (let n = civilDateToDayNumber(from); n <= end; n++) {
      const d = dayNumberToCivilDate(n);
      if (isTradingDayNumber(n, d)) out.push(d);
    }
    return out;
  },
  nextTradingDay(date) {
    return stepTradingDay(date, 1);
  },
  previousTradingDay(date) {
    return stepTradingDay(date, -1);
  },
  holidays(year) {
    if (!Number.isInteger(year) || year < 1 || year > 9999) throw new RangeError(`holidays(year): not a year: ${year}`);
    return [...holidaysByDate(year).values()].map((h) => ({ ...h }));
  },
};
