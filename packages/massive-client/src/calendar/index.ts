/**
 * `@tickstock/massive-client/calendar`: which days US equity and crypto markets trade, and when.
 * The NYSE calendar is computed from the exchange's rules (weekend shifts, Good Friday, early closes) plus its listed
 * one-off closures since 2000.
 * @packageDocumentation
 */
export { type AssetClass, assetClassOfTicker, calendarForTicker } from './asset-class.js';
export { cryptoCalendar } from './crypto.js';
export { nyseCalendar } from './nyse.js';
export { easterSunday, goodFriday, NYSE_SPECIAL_CLOSURES, NYSE_SPECIAL_EARLY_CLOSES } from './nyse-rules.js';
export type { Holiday, MarketCalendar, TradingSession } from './types.js';
