import { type CivilDate, utcDateOf } from '../time/civil-date.js';
import { newYorkDate } from '../time/new-york.js';
import { cryptoCalendar } from './crypto.js';
import { forexCalendar } from './forex.js';
import { nyseCalendar } from './nyse.js';
import type { MarketCalendar } from './types.js';

/** The asset classes Massive tickers belong to. */
export type AssetClass = 'stock' | 'etf' | 'index' | 'crypto' | 'forex' | 'option';

/**
 * The asset class a ticker's prefix names: `X:` crypto, `C:` forex, `I:` index, `O:` option, anything else stock.
 * (ETFs cannot be told from stocks by the ticker; ticker details say so.)
 */
export function assetClassOfTicker(ticker: string): AssetClass {
  if (ticker.startsWith('X:')) return 'crypto';
  if (ticker.startsWith('C:')) return 'forex';
  if (ticker.startsWith('I:')) return 'index';
  if (ticker.startsWith('O:')) return 'option';
  return 'stock';
}

/** The calendar that decides which days a ticker has bars on: crypto for `X:` tickers, forex for `C:`, the NYSE otherwise. */
export function calendarForTicker(ticker: string): MarketCalendar {
  const assetClass = assetClassOfTicker(ticker);
  return assetClass === 'crypto' ? cryptoCalendar : assetClass === 'forex' ? forexCalendar : nyseCalendar;
}

/** The calendar date an instant falls on for `calendar`: the UTC date for forex, the New York date otherwise. */
export function calendarDateOf(ms: number, calendar: MarketCalendar): CivilDate {
  return calendar.name === 'forex' ? utcDateOf(ms) : newYorkDate(ms);
}
