import { addDays, type CivilDate, civilDateToDayNumber, eachDay } from '../time/civil-date.js';
import { newYorkMidnightUtcMs } from '../time/new-york.js';
import type { MarketCalendar, TradingSession } from './types.js';

/** Crypto markets: every day, around the clock. Days are New York days, like Massive's crypto day bars. */
export const cryptoCalendar: MarketCalendar = {
  name: 'crypto',
  isTradingDay(date) {
    civilDateToDayNumber(date); // validates
    return true;
  },
  session(date): TradingSession {
    const start = newYorkMidnightUtcMs(date);
    const end = newYorkMidnightUtcMs(addDays(date, 1));
    return { date, preMarketOpen: start, open: start, close: end, postMarketClose: end, earlyClose: false };
  },
  tradingDays(from: CivilDate, to: CivilDate) {
    return eachDay(from, to);
  },
  nextTradingDay(date) {
    return addDays(date, 1);
  },
  previousTradingDay(date) {
    return addDays(date, -1);
  },
  holidays(year) {
    if (!Number.isInteger(year)) throw new RangeError(`holidays(year): not a year: ${year}`);
    return [];
  },
};
