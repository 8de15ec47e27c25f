import { type CivilDate, civilDateToDayNumber, dayNumberToCivilDate, dayOfWeek } from '../time/civil-date.js';
import { newYorkTimeToUtcMs } from '../time/new-york.js';
import type { MarketCalendar, TradingSession } from './types.js';

const DAY_MS = 86_400_000;
const SUNDAY = 0;
const FRIDAY = 5;
const SATURDAY = 6;

/** Day of week from a day number (0 = Sunday); 1970-01-01 was a Thursday. */
function dowOfDayNumber(n: number): number {
  return (((n + 4) % 7) + 7) % 7;
}

function stepTradingDay(date: CivilDate, step: 1 | -1): CivilDate {
  let n = civilDateToDayNumber(date) + step;
  if (dowOfDayNumber(n) === SATURDAY) n += step;
  return dayNumberToCivilDate(n);
}

/**
 * Forex (`C:` tickers): one continuous week from Sunday 17:00 New York to Friday 17:00 New York, cut into UTC days as
 * Massive stamps forex day bars (00:00Z; its forex aggregates are "in Coordinated Universal Time"). Trading days are
 * UTC dates: Monday to Thursday whole (00:00Z to 00:00Z), Friday 00:00Z to 17:00 New York (21:00Z in summer, 22:00Z
 * in winter), Sunday from 17:00 New York to 24:00Z (the evening session, 2 or 3 hours), Saturday none. There are no
 * holidays: Massive's documentation names none for forex (its market-holidays list is the US exchanges'), so
 * January 1 and December 25 trade like any other weekday. Sessions have no pre- or post-market.
 */
export const forexCalendar: MarketCalendar = {
  name: 'forex',
  isTradingDay(date) {
    return dayOfWeek(date) !== SATURDAY;
  },
  session(date): TradingSession | null {
    const n = civilDateToDayNumber(date);
    const dow = dowOfDayNumber(n);
    if (dow === SATURDAY) return null;
    const open = dow === SUNDAY ? newYorkTimeToUtcMs(date, 17, 0) : n * DAY_MS;
    const close = dow === FRIDAY ? newYorkTimeToUtcMs(date, 17, 0) : (n + 1) * DAY_MS;
    return { date, preMarketOpen: open, open, close, postMarketClose: close, earlyClose: false };
  },
  tradingDays(from: CivilDate, to: CivilDate) {
    const out: CivilDate[] = [];
    const end = civilDateToDayNumber(to);
    for (let n = civilDateToDayNumber(from); n <= end; n++) if (dowOfDayNumber(n) !== SATURDAY) out.push(dayNumberToCivilDate(n));
    return out;
  },
  nextTradingDay(date) {
    return stepTradingDay(date, 1);
  },
  previousTradingDay(date) {
    return stepTradingDay(date, -1);
  },
  holidays(year) {
    if (!Number.isInteger(year)) throw new RangeError(`holidays(year): not a year: ${year}`);
    return [];
  },
};
