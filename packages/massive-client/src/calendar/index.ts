/**
 * `@tickstock/massive-client/calendar`: which days US equity and crypto markets trade, and when. The calendars live
 * in `@tickstock/market-time` (import them from there); this entry re-exports them, by name, for code written
 * against it before they moved.
 * @packageDocumentation
 */
export {
  type AssetClass,
  assetClassOfTicker,
  calendarForTicker,
  cryptoCalendar,
  easterSunday,
  goodFriday,
  type Holiday,
  type MarketCalendar,
  NYSE_SPECIAL_CLOSURES,
  NYSE_SPECIAL_EARLY_CLOSES,
  nyseCalendar,
  type TradingSession,
} from '@tickstock/market-time';
